// NumPy <-> Tensor without copies where the layout allows.
#include "Arrays.h"

#include <cstring>
#include <memory>

namespace kiln::python {

namespace {

py::dtype numpyType(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return py::dtype::of<float>();
  case DType::i32:
    return py::dtype::of<int32_t>();
  case DType::i64:
    return py::dtype::of<int64_t>();
  case DType::u8:
    return py::dtype::of<uint8_t>();
  }
  return py::dtype::of<float>();
}

/// The dtype an array of `kind`/`size` is viewed as, or converted to.
DType kilnType(const py::dtype &dt, bool &exact) {
  char kind = dt.kind();
  ssize_t size = dt.itemsize();
  exact = dt.byteorder() != '>' && dt.byteorder() != '!';
  if (kind == 'f' || kind == 'b') {
    exact = exact && kind == 'f' && size == 4;
    return DType::f32;
  }
  if (kind == 'u' && size == 1)
    return DType::u8;
  if (kind == 'i' && size == 4)
    return DType::i32;
  if (kind == 'i' || kind == 'u') {
    exact = exact && kind == 'i' && size == 8;
    return DType::i64;
  }
  throw py::type_error("unsupported array dtype " +
                       py::str(static_cast<py::object>(dt)).cast<std::string>());
}

} // namespace

Tensor toTensor(py::handle value, const char *what) {
  py::array a;
  try {
    a = py::array::ensure(value);
  } catch (py::error_already_set &) {
  }
  if (!a)
    throw py::type_error(std::string(what) + " must be a NumPy array or a "
                         "nested list of numbers, got " +
                         py::str(py::type::handle_of(value)).cast<std::string>());
  if (a.dtype().kind() == 'O' || a.dtype().kind() == 'U' || a.dtype().kind() == 'S')
    throw py::type_error(std::string(what) + " holds " +
                         py::str(static_cast<py::object>(a.dtype())).cast<std::string>() +
                         " values, not numbers");
  bool exact = false;
  DType dtype = kilnType(a.dtype(), exact);
  Shape shape(a.shape(), a.shape() + a.ndim());
  bool contiguous = (a.flags() & py::array::c_style) != 0;
  auto address = reinterpret_cast<uintptr_t>(a.data());
  if (exact && contiguous && a.size() > 0 && address % Tensor::kAlignment == 0) {
    PyObject *owner = a.ptr();
    Py_INCREF(owner);
    // The last reference may go on a thread without the GIL (a step's
    // copies are dropped inside fit, which runs without it).
    std::shared_ptr<void> storage(const_cast<void *>(a.data()), [owner](void *) {
      if (!Py_IsInitialized())
        return;
      py::gil_scoped_acquire gil;
      Py_DECREF(owner);
    });
    return Tensor::borrow(std::move(storage), shape, dtype);
  }
  Tensor t = Tensor::empty(shape, dtype);
  if (t.size() == 0)
    return t;
  if (exact && contiguous) { // only off the 64-byte boundary
    std::memcpy(t.raw(), a.data(), t.nbytes());
    return t;
  }
  // One copy, converting as NumPy's unsafe cast does (float64 to float32,
  // small integers widened); labels of floats stay floats for fit to check.
  // Kept for the process (released, so no reference is dropped after the
  // interpreter has gone).
  static py::handle copyto =
      py::object(py::module_::import("numpy").attr("copyto")).release();
  py::array view(numpyType(dtype), shape, {}, t.raw(), py::none());
  copyto(view, a, py::arg("casting") = "unsafe");
  return t;
}

std::vector<Tensor> toTensors(py::handle values, const char *what) {
  std::vector<Tensor> out;
  if (py::isinstance<py::list>(values) || py::isinstance<py::tuple>(values)) {
    int i = 0;
    for (py::handle v : values)
      out.push_back(toTensor(v, (std::string(what) + "[" + std::to_string(i++) + "]").c_str()));
  } else {
    out.push_back(toTensor(values, what));
  }
  return out;
}

py::array toArray(const Tensor &t) {
  auto *keep = new Tensor(t);
  py::capsule owner(keep, [](void *p) { delete static_cast<Tensor *>(p); });
  return py::array(numpyType(t.dtype()), t.shape(), {}, keep->raw(), owner);
}

py::list toArrays(const std::vector<Tensor> &ts) {
  py::list out;
  for (const Tensor &t : ts)
    out.append(toArray(t));
  return out;
}

py::tuple shapeTuple(const Shape &shape) {
  py::list out;
  for (int64_t d : shape)
    out.append(d < 0 ? py::object(py::none()) : py::object(py::int_(d)));
  return py::tuple(out);
}

} // namespace kiln::python
