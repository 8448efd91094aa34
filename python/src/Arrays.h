// NumPy arrays to kiln::Tensor and back (the Python module's internals).
#ifndef KILN_PYTHON_ARRAYS_H
#define KILN_PYTHON_ARRAYS_H

#include "runtime/Tensor.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <vector>

namespace kiln::python {

namespace py = pybind11;

/// A NumPy array (or anything np.asarray takes) as a Tensor. A C-contiguous
/// float32, int32, int64 or uint8 array on a 64-byte boundary is viewed in
/// place (the Tensor keeps the array alive); any other is converted once:
/// floats and bools to float32 (Keras's floatx), other integers to int64.
Tensor toTensor(py::handle value, const char *what);
std::vector<Tensor> toTensors(py::handle values, const char *what);

/// A Tensor as a NumPy array over the same memory (no copy; the array keeps
/// the storage alive).
py::array toArray(const Tensor &t);
py::list toArrays(const std::vector<Tensor> &ts);

/// A shape as Keras gives it: a tuple with None for a free (negative)
/// dimension.
py::tuple shapeTuple(const Shape &shape);

} // namespace kiln::python

#endif // KILN_PYTHON_ARRAYS_H
