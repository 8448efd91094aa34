// Custom metrics written in Python (seed 002's `def mean_pred(y_true,
// y_pred): return K.mean(y_pred)`): compile calls the function once with
// symbolic tensors, and keras.backend's ops build kiln ops from them, so
// the metric is compiled into the step like Kiln's own.
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
      .def("__rsub__", [](const Value &a, double b) { return a * -1.0 + b; })
      .def("__neg__", [](const Value &a) { return a * -1.0; });

  m.def("op_mean", [](Value x, py::object axis) { return ops::mean(x, axesOf(axis)); });
  m.def("op_sum", [](Value x, py::object axis) { return ops::sum(x, axesOf(axis)); });
  m.def("op_max", [](Value x, py::object axis) { return ops::max(x, axesOf(axis)); });
  m.def("op_square", &ops::square);
  m.def("op_abs", &ops::abs);
  m.def("op_exp", &ops::exp);
  m.def("op_log", &ops::log);
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

/// A Python function of (y_true, y_pred) as a compile() metric: called with
/// the GIL while the step is emitted.
Metric pythonMetric(const std::string &name, py::object fn) {
  std::shared_ptr<py::object> held = holdPython(std::move(fn));
  return Metric(name, [held, name](ops::Value yTrue, ops::Value yPred) {
    py::gil_scoped_acquire gil;
    py::object out = (*held)(yTrue, yPred);
    if (!py::isinstance<ops::Value>(out))
      throw py::type_error("metric '" + name + "' returned " +
                           py::str(py::type::handle_of(out)).cast<std::string>() +
                           ", not a tensor built with keras.backend ops from "
                           "y_true and y_pred");
    return out.cast<ops::Value>();
  });
}

} // namespace kiln::python
