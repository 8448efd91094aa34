// kiln::utils::to_categorical, with every label checked before it is used as an index.
#include "runtime/data/Categorical.h"

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <sstream>

namespace kiln::utils {

namespace {

// Labels as int64, rejecting fractional or non-finite floats that Keras
// would silently truncate into a wrong class.
std::vector<int64_t> labelValues(const Tensor &labels) {
  std::vector<int64_t> out(static_cast<size_t>(labels.size()));
  int64_t n = labels.size();
  switch (labels.dtype()) {
  case DType::u8:
    for (int64_t i = 0; i < n; ++i)
      out[i] = labels.data<uint8_t>()[i];
    break;
  case DType::i32:
    for (int64_t i = 0; i < n; ++i)
      out[i] = labels.data<int32_t>()[i];
    break;
  case DType::i64:
    if (n > 0)
      std::memcpy(out.data(), labels.raw(), labels.nbytes());
    break;
  case DType::f32:
    for (int64_t i = 0; i < n; ++i) {
      float v = labels.data<float>()[i];
      // 2^53 bounds keep the conversion to int64 defined.
      if (!std::isfinite(v) || v != std::trunc(v) || std::fabs(v) > 9.0e15f)
        throwError("to_categorical: label ", v, " at index ", i,
                   " is not a whole number");
      out[i] = static_cast<int64_t>(v);
    }
    break;
  }
  return out;
}

double physicalMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  return pages > 0 && size > 0 ? double(pages) * double(size)
                               : std::numeric_limits<double>::infinity();
}

} // namespace

Tensor to_categorical(const Tensor &labels, int64_t num_classes) {
  if (num_classes == 0 || num_classes < -1)
    throwError("to_categorical: num_classes must be positive or -1 (infer), "
               "got ",
               num_classes);
  std::vector<int64_t> values = labelValues(labels);
  const bool inferred = num_classes == -1;
  size_t largest = 0;
  for (size_t i = 0; i < values.size(); ++i)
    largest = values[i] > values[largest] ? i : largest;
  if (inferred) {
    if (values.empty())
      throwError("to_categorical: cannot infer num_classes from empty "
                 "labels of shape ",
               shapeToString(labels.shape()), "; pass num_classes");
    num_classes = values[largest] + 1;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] < 0)
      throwError("to_categorical: label ", values[i], " at index ", i,
                 " is negative");
    if (values[i] >= num_classes)
      throwError("to_categorical: label ", values[i], " at index ", i,
                 " is out of range [0, ", num_classes, ")");
  }

  Shape shape = labels.shape();
  if (shape.size() >= 2 && shape.back() == 1)
    shape.pop_back();
  shape.push_back(num_classes);
  // A stray huge label would ask for more memory than the machine has; say
  // which label did it instead of failing in the allocator.
  auto tooLarge = [&]() -> std::string {
    std::ostringstream os;
    os << "to_categorical: the one-hot tensor of shape "
       << shapeToString(shape) << " would not fit in memory";
    if (inferred)
      os << ": label " << values[largest] << " at index " << largest
         << " makes num_classes " << num_classes
         << "; check the labels or pass num_classes";
    else
      os << " (num_classes " << num_classes << ")";
    return os.str();
  };
  double bytes = 4.0 * double(num_classes) * double(values.size());
  if (bytes > physicalMemoryBytes())
    throwError(tooLarge());
  Tensor out;
  try {
    out = Tensor::zeros(shape, DType::f32);
  } catch (const std::bad_alloc &) {
    throwError(tooLarge());
  }
  float *dst = out.data<float>();
  for (size_t i = 0; i < values.size(); ++i)
    dst[i * num_classes + values[i]] = 1.0f;
  return out;
}

} // namespace kiln::utils
