// Custom metrics and losses written in Python (seed 002's `def
// mean_pred(y_true, y_pred): return K.mean(y_pred)`): compile calls the
// function once with symbolic tensors, and keras.backend's ops build kiln
// ops from them, so it is compiled into the step like Kiln's own.
#include "Arrays.h"
#include "Bindings.h"

#include "frontend/Ops.h"

#include <pybind11/operators.h>
#include <pybind11/stl.h>

namespace kiln::python {

namespace py = pybind11;

namespace {

std::vector<int64_t> axesOf(py::object axis) {
  if (axis.is_none())
    return {};
  if (py::isinstance<py::int_>(axis))
    return {axis.cast<int64_t>()};
  return axis.cast<std::vector<int64_t>>();
}

} // namespace

void bindOps(py::module_ &m) {
  using ops::Value;
  py::class_<Value>(m, "SymbolicTensor",
                    "A tensor of the model being compiled: what a custom "
                    "metric's y_true and y_pred are.")
      .def_property_readonly("shape", [](const Value &v) { return shapeTuple(v.shape()); })
      .def(py::self + py::self)
      .def(py::self - py::self)
      .def(py::self * py::self)
      .def(py::self / py::self)
      .def(py::self + double())
      .def(py::self - double())
      .def(py::self * double())
      .def(py::self / double())
      .def("__radd__", [](const Value &a, double b) { return a + b; })
      .def("__rmul__", [](const Value &a, double b) { return a * b; })
      .def("__rsub__", [](const Value &a, double b) { return b - a; })
      .def("__neg__", [](const Value &a) { return a * -1.0; })
      .def("__rtruediv__", [](const Value &a, double b) { return b / a; })
      .def("__pow__", [](const Value &a, int n) {
        if (n < 1 || n > 64)
          throw py::value_error("SymbolicTensor ** n takes a whole power from 1 "
                                "to 64 (got " + std::to_string(n) + ")");
        Value r = a;
        for (int i = 1; i < n; ++i)
          r = r * a;
        return r;
      });

  m.def("op_mean", [](Value x, py::object axis, bool keepdims) {
    return ops::mean(x, axesOf(axis), keepdims);
  });
  m.def("op_sum", [](Value x, py::object axis, bool keepdims) {
    return ops::sum(x, axesOf(axis), keepdims);
  });
  m.def("op_max", [](Value x, py::object axis, bool keepdims) {
    return ops::max(x, axesOf(axis), keepdims);
  });
  m.def("op_square", &ops::square);
  m.def("op_abs", &ops::abs);
  m.def("op_exp", &ops::exp);
  m.def("op_log", &ops::log);
  m.def("op_sqrt", &ops::sqrt);
  m.def("op_relu", &ops::relu);
  m.def("op_sigmoid", &ops::sigmoid);
  m.def("op_tanh", &ops::tanh);
  m.def("op_softmax", &ops::softmax);
  m.def("op_clip", &ops::clip);
  m.def("op_argmax", &ops::argmax);
  m.def("op_constant", &ops::constant);
  m.def("op_maximum", &ops::maximum);
  m.def("op_minimum", &ops::minimum);
  m.def("op_equal", &ops::equal);
  m.def("op_not_equal", &ops::not_equal);
  m.def("op_greater", &ops::greater);
  m.def("op_greater_equal", &ops::greater_equal);
  m.def("op_less", &ops::less);
  m.def("op_less_equal", &ops::less_equal);
}

std::shared_ptr<py::object> holdPython(py::object fn) {
  return std::shared_ptr<py::object>(new py::object(std::move(fn)), [](py::object *p) {
    if (!Py_IsInitialized()) {
      (void)p->release();
      delete p;
      return;
    }
    py::gil_scoped_acquire gil;
    delete p;
  });
}

namespace {

/// A Python function of (y_true, y_pred), traced with the GIL while the
/// step is emitted; `kind` names it in errors ("metric", "loss").
std::function<ops::Value(ops::Value, ops::Value)>
traced(const char *kind, const std::string &name, py::object fn) {
  std::shared_ptr<py::object> held = holdPython(std::move(fn));
  return [held, name, kind](ops::Value yTrue, ops::Value yPred) {
    py::gil_scoped_acquire gil;
    py::object out = (*held)(yTrue, yPred);
    if (!py::isinstance<ops::Value>(out))
      throw py::type_error(std::string(kind) + " '" + name + "' returned " +
                           py::str(py::type::handle_of(out)).cast<std::string>() +
                           ", not a tensor built with keras.backend ops from "
                           "y_true and y_pred");
    return out.cast<ops::Value>();
  };
}

} // namespace

Metric pythonMetric(const std::string &name, py::object fn) {
  return Metric(name, traced("metric", name, std::move(fn)));
}

LossFunction pythonLoss(const std::string &name, py::object fn) {
  return LossFunction{name, traced("loss", name, std::move(fn))};
}

std::vector<Metric> customMetrics(py::dict functions) {
  std::vector<Metric> out;
  for (auto [name, fn] : functions)
    if (PyCallable_Check(fn.ptr()))
      out.push_back(pythonMetric(py::str(name), py::reinterpret_borrow<py::object>(fn)));
  return out;
}

std::vector<LossFunction> customLosses(py::dict functions) {
  std::vector<LossFunction> out;
  for (auto [name, fn] : functions)
    if (PyCallable_Check(fn.ptr()))
      out.push_back(pythonLoss(py::str(name), py::reinterpret_borrow<py::object>(fn)));
  return out;
}

} // namespace kiln::python
