// _kiln: the compiled half of the `kiln` Python package. Everything Keras
// does is the C++ library's; this module only converts arrays, configs and
// exceptions (python/kiln/ maps Keras's Python signatures onto it).
#include "Arrays.h"
#include "Bindings.h"

#include "frontend/Keras.h"

#include <pybind11/stl.h>

#include <cstring>

namespace py = pybind11;
using namespace kiln;

namespace {

/// A kiln::Error as the Python exception Keras raises for it: a missing
/// file is FileNotFoundError, everything else (shapes, values, configs)
/// ValueError, with the C++ message.
void translate(std::exception_ptr p) {
  try {
    if (p)
      std::rethrow_exception(p);
  } catch (const kiln::Error &e) {
    const char *what = e.what();
    // A missing CUDA driver is a device this machine lacks, not a file.
    if (std::strstr(what, "no CUDA device"))
      PyErr_SetString(PyExc_ValueError, what);
    else if (std::strstr(what, "No such file or directory") || std::strstr(what, "does not exist"))
      PyErr_SetString(PyExc_FileNotFoundError, what);
    else
      PyErr_SetString(PyExc_ValueError, what);
  }
}

} // namespace

PYBIND11_MODULE(_kiln, m) {
  m.doc() = "Kiln's compiled core: models, layers, steps and data";
  py::register_exception_translator(&translate);
  kiln::python::bindModels(m);
  kiln::python::bindCallbacks(m);
  kiln::python::bindOps(m);
  kiln::python::bindImages(m);

  m.def("fashion_mnist_load_data", [](const std::string &dir) {
    auto [train, test] = dir.empty() ? datasets::fashion_mnist::load_data()
                                     : datasets::fashion_mnist::load_data(dir);
    using kiln::python::toArray;
    return py::make_tuple(py::make_tuple(toArray(train.x), toArray(train.y)),
                          py::make_tuple(toArray(test.x), toArray(test.y)));
  }, py::arg("dir") = "");
  m.def("to_categorical", [](py::object y, int64_t numClasses) {
    return kiln::python::toArray(
        utils::to_categorical(kiln::python::toTensor(y, "y"), numClasses));
  }, py::arg("y"), py::arg("num_classes") = -1);
  m.def("set_random_seed", &utils::set_random_seed);
  m.def("set_device", &config::set_device);
  m.def("get_device", &config::get_device);
  m.def("set_float32_matmul_precision", &config::set_float32_matmul_precision);
  m.def("get_float32_matmul_precision", &config::get_float32_matmul_precision);
  m.def("devices", [] {
    py::list all;
    for (const Device &d : devices())
      all.append(py::make_tuple(d.name, d.kind, d.description));
    return all;
  }, "(name, kind, description) of the CPU, then of each GPU");
  m.def("clear_session", &backend::clear_session);
  m.def("epsilon", &backend::epsilon);
  m.def("as_array", [](py::object x) { return kiln::python::toArray(kiln::python::toTensor(x, "x")); },
        "The array as Kiln sees it (viewed in place or converted once).");
  m.def("shares_memory", [](py::object x) {
    py::array a = py::array::ensure(x);
    Tensor t = kiln::python::toTensor(a, "x");
    return a && t.size() > 0 && t.raw() == a.data();
  });
}
