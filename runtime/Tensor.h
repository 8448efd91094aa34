// kiln::Tensor: a dense, row-major host tensor on 64-byte-aligned storage.
#ifndef KILN_RUNTIME_TENSOR_H
#define KILN_RUNTIME_TENSOR_H

#include "runtime/Error.h"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace kiln {

enum class DType { f32, i32, i64, u8 };

using Shape = std::vector<int64_t>;

// Bytes per element of `dtype`.
size_t dtypeSize(DType dtype);
// "f32", "i32", "i64" or "u8".
const char *dtypeName(DType dtype);
// "(2, 3)"; "()" for a scalar.
std::string shapeToString(const Shape &shape);

// The DType that stores elements of C++ type T; only float, int32_t, int64_t
// and uint8_t have one.
template <typename T>
constexpr DType dtypeOf() {
  using U = std::remove_cv_t<T>;
  static_assert(std::is_same_v<U, float> || std::is_same_v<U, int32_t> ||
                    std::is_same_v<U, int64_t> || std::is_same_v<U, uint8_t>,
                "kiln::Tensor holds float, int32_t, int64_t or uint8_t");
  if constexpr (std::is_same_v<U, float>)
    return DType::f32;
  else if constexpr (std::is_same_v<U, int32_t>)
    return DType::i32;
  else if constexpr (std::is_same_v<U, int64_t>)
    return DType::i64;
  else
    return DType::u8;
}

// Copies share storage (like a NumPy view), so passing a Tensor by value is a
// pointer copy; use clone() for an independent copy. A rank-0 tensor (shape
// ()) is a scalar holding one element. A default-constructed Tensor is an
// empty f32 tensor of shape (0).
class Tensor {
public:
  // Every buffer starts on this boundary so that compiled kernels can use
  // aligned vector loads (measured: 16-byte alignment costs ~20% on matmul).
  static constexpr size_t kAlignment = 64;

  Tensor();

  // Zero-filled tensor.
  static Tensor zeros(const Shape &shape, DType dtype = DType::f32);
  // Tensor whose contents are unspecified; for buffers about to be overwritten.
  static Tensor empty(const Shape &shape, DType dtype = DType::f32);

  // Copies `values`; throws if their count is not the product of `shape`.
  template <typename T>
  static Tensor fromVector(const std::vector<T> &values, const Shape &shape) {
    return fromBytes(dtypeOf<T>(), values.data(), values.size(), shape,
                     "fromVector");
  }
  template <typename T>
  static Tensor fromVector(std::initializer_list<T> values,
                           const Shape &shape) {
    return fromBytes(dtypeOf<T>(), values.begin(), values.size(), shape,
                     "fromVector");
  }
  // Copies product(shape) elements starting at `values`.
  template <typename T>
  static Tensor fromPointer(const T *values, const Shape &shape) {
    return fromBytes(dtypeOf<T>(), values, /*count=*/-1, shape, "fromPointer");
  }

  // A tensor over memory someone else owns (a NumPy array's): `storage`
  // keeps it alive and points at the first element, which must lie on
  // kAlignment bytes (compiled kernels load it aligned); throws otherwise.
  static Tensor borrow(std::shared_ptr<void> storage, const Shape &shape,
                       DType dtype);

  const Shape &shape() const { return shape_; }
  int64_t size() const { return size_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  DType dtype() const { return dtype_; }
  size_t nbytes() const { return static_cast<size_t>(size_) * dtypeSize(dtype_); }

  // Untyped element storage, for the compiled-function ABI and file writers.
  void *raw() { return storage_.get(); }
  const void *raw() const { return storage_.get(); }

  // Typed element storage; throws if T does not match dtype().
  template <typename T>
  T *data() {
    checkDType(dtypeOf<T>(), "data");
    return static_cast<T *>(storage_.get());
  }
  template <typename T>
  const T *data() const {
    checkDType(dtypeOf<T>(), "data");
    return static_cast<const T *>(storage_.get());
  }

  // The element at a full multi-index; throws on a dtype mismatch, a wrong
  // number of indices or an index outside [0, dim).
  template <typename T>
  T &at(std::initializer_list<int64_t> index) {
    checkDType(dtypeOf<T>(), "at");
    return static_cast<T *>(storage_.get())[flatIndex(index)];
  }
  template <typename T>
  const T &at(std::initializer_list<int64_t> index) const {
    checkDType(dtypeOf<T>(), "at");
    return static_cast<const T *>(storage_.get())[flatIndex(index)];
  }

  // A tensor of `newShape` that SHARES this tensor's storage: writes through
  // one are seen through the other. One dimension may be -1 and is inferred.
  Tensor reshape(const Shape &newShape) const;
  // Rows [begin, end) along axis 0, copied. Indices are not wrapped or
  // clamped: 0 <= begin <= end <= shape()[0] or it throws.
  Tensor slice(int64_t begin, int64_t end) const;
  // An element-wise converted copy. Float-to-integer conversion truncates
  // toward zero like NumPy, but a NaN or a value outside the target range
  // throws (C++ would make it undefined behaviour).
  Tensor astype(DType dtype) const;
  // An independent copy of the elements.
  Tensor clone() const;

  // "Tensor(shape=(2, 3), dtype=f32)\n[[1, 2, 3],\n [4, 5, 6]]"; large
  // tensors show the first and last 3 entries of each axis around "...".
  std::string toString() const;

private:
  Tensor(const Shape &shape, DType dtype, bool zeroFill);
  static Tensor fromBytes(DType dtype, const void *values, int64_t count,
                          const Shape &shape, const char *caller);
  void checkDType(DType requested, const char *accessor) const;
  int64_t flatIndex(std::initializer_list<int64_t> index) const;

  std::shared_ptr<void> storage_;
  Shape shape_;
  int64_t size_ = 0;
  DType dtype_ = DType::f32;
};

} // namespace kiln

#endif // KILN_RUNTIME_TENSOR_H
