// kiln::Tensor: storage, shape checks, conversion and printing.
#include "runtime/Tensor.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <sstream>
#include <sys/mman.h>

namespace kiln {

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::f32:
  case DType::i32:
    return 4;
  case DType::i64:
    return 8;
  case DType::u8:
    return 1;
  }
  throwError("invalid DType value ", static_cast<int>(dtype));
}

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return "f32";
  case DType::i32:
    return "i32";
  case DType::i64:
    return "i64";
  case DType::u8:
    return "u8";
  }
  throwError("invalid DType value ", static_cast<int>(dtype));
}

std::string shapeToString(const Shape &shape) {
  std::ostringstream os;
  os << '(';
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? ", " : "") << shape[i];
  os << ')';
  return os.str();
}

namespace {

// Element count of `shape`, refusing negative dimensions and byte sizes that
// overflow (a corrupt file header must not turn into a tiny allocation).
int64_t elementCount(const Shape &shape, DType dtype) {
  const int64_t maxBytes = std::numeric_limits<int64_t>::max() / 2;
  const int64_t item = static_cast<int64_t>(dtypeSize(dtype));
  int64_t count = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0)
      throwError("invalid shape ", shapeToString(shape), ": dimension ", i,
                 " is negative");
    if (shape[i] != 0 && count > maxBytes / item / shape[i])
      throwError("invalid shape ", shapeToString(shape), ": ",
                 dtypeName(dtype), " data would exceed ", maxBytes, " bytes");
    count *= shape[i];
  }
  return count;
}

/// Blocks from this size on are backed by transparent huge pages where the
/// kernel offers them on request (`madvise` mode, Debian's default): a
/// dataset-sized tensor is written once right after it is allocated, and
/// with 4 KiB pages most of that time went to page faults.
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kHugeFrom = 2 * kHugePage;

std::shared_ptr<void> allocate(size_t bytes, bool zeroFill) {
  // Even an empty tensor gets a real block, so raw() is never null.
  size_t rounded = (bytes + Tensor::kAlignment - 1) / Tensor::kAlignment *
                   Tensor::kAlignment;
  if (rounded == 0)
    rounded = Tensor::kAlignment;
  if (rounded >= kHugeFrom) {
    size_t whole = (rounded + kHugePage - 1) / kHugePage * kHugePage;
    void *p = std::aligned_alloc(kHugePage, whole);
    if (!p)
      throw std::bad_alloc();
    madvise(p, whole, MADV_HUGEPAGE);
    if (zeroFill)
      std::memset(p, 0, rounded);
    return std::shared_ptr<void>(p, [](void *q) { std::free(q); });
  }
  void *p = ::operator new(rounded, std::align_val_t(Tensor::kAlignment));
  if (zeroFill)
    std::memset(p, 0, rounded);
  return std::shared_ptr<void>(p, [](void *q) {
    ::operator delete(q, std::align_val_t(Tensor::kAlignment));
  });
}

template <typename Dst, typename Src>
void convertElements(const Src *src, Dst *dst, int64_t n) {
  constexpr bool dstIsInt = std::is_integral_v<Dst>;
  for (int64_t i = 0; i < n; ++i) {
    Src v = src[i];
    if constexpr (dstIsInt && std::is_floating_point_v<Src>) {
      // Bounds are exact in double: min is -2^k (or 0) and max+1 rounds to
      // 2^k, so `t < high` keeps the truncated value representable.
      const double low = static_cast<double>(std::numeric_limits<Dst>::min());
      const double high =
          static_cast<double>(std::numeric_limits<Dst>::max()) + 1.0;
      double t = std::trunc(static_cast<double>(v));
      if (std::isnan(t) || !(t >= low && t < high))
        throwError("astype(", dtypeName(dtypeOf<Dst>()), "): element ", i,
                   " has value ", v, ", outside the ",
                   dtypeName(dtypeOf<Dst>()), " range [",
                   +std::numeric_limits<Dst>::min(), ", ",
                   +std::numeric_limits<Dst>::max(), "]");
      dst[i] = static_cast<Dst>(t);
    } else if constexpr (dstIsInt) {
      int64_t w = static_cast<int64_t>(v);
      if (w < static_cast<int64_t>(std::numeric_limits<Dst>::min()) ||
          w > static_cast<int64_t>(std::numeric_limits<Dst>::max()))
        throwError("astype(", dtypeName(dtypeOf<Dst>()), "): element ", i,
                   " has value ", w, ", outside the ",
                   dtypeName(dtypeOf<Dst>()), " range [",
                   +std::numeric_limits<Dst>::min(), ", ",
                   +std::numeric_limits<Dst>::max(), "]");
      dst[i] = static_cast<Dst>(w);
    } else {
      dst[i] = static_cast<Dst>(v);
    }
  }
}

template <typename Src>
void convertFrom(const Src *src, Tensor &out) {
  int64_t n = out.size();
  switch (out.dtype()) {
  case DType::f32:
    return convertElements(src, out.data<float>(), n);
  case DType::i32:
    return convertElements(src, out.data<int32_t>(), n);
  case DType::i64:
    return convertElements(src, out.data<int64_t>(), n);
  case DType::u8:
    return convertElements(src, out.data<uint8_t>(), n);
  }
}

void printElement(std::ostream &os, const Tensor &t, int64_t i) {
  switch (t.dtype()) {
  case DType::f32:
    os << t.data<float>()[i];
    return;
  case DType::i32:
    os << t.data<int32_t>()[i];
    return;
  case DType::i64:
    os << t.data<int64_t>()[i];
    return;
  case DType::u8:
    os << static_cast<int>(t.data<uint8_t>()[i]);
    return;
  }
}

// Prints the sub-tensor at `axis` starting at flat element `offset`, NumPy
// style: nested brackets, one row per line, a blank line between blocks.
void printAxis(std::ostream &os, const Tensor &t, int64_t axis, int64_t offset,
               bool summarize) {
  const Shape &shape = t.shape();
  int64_t stride = 1;
  for (int64_t d = axis + 1; d < t.rank(); ++d)
    stride *= shape[d];
  bool innermost = axis + 1 == t.rank();
  std::string sep = innermost ? ", "
                              : "," + std::string(t.rank() - axis - 1, '\n') +
                                    std::string(axis + 1, ' ');
  constexpr int64_t kEdge = 3;
  int64_t dim = shape[axis];
  os << '[';
  for (int64_t i = 0; i < dim; ++i) {
    if (summarize && dim > 2 * kEdge && i == kEdge) {
      os << "..." << sep;
      i = dim - kEdge;
    }
    if (innermost)
      printElement(os, t, offset + i);
    else
      printAxis(os, t, axis + 1, offset + i * stride, summarize);
    if (i + 1 < dim)
      os << sep;
  }
  os << ']';
}

} // namespace

Tensor::Tensor() : Tensor(Shape{0}, DType::f32, /*zeroFill=*/false) {}

Tensor::Tensor(const Shape &shape, DType dtype, bool zeroFill)
    : shape_(shape), size_(elementCount(shape, dtype)), dtype_(dtype) {
  storage_ = allocate(nbytes(), zeroFill);
}

Tensor Tensor::zeros(const Shape &shape, DType dtype) {
  return Tensor(shape, dtype, /*zeroFill=*/true);
}

Tensor Tensor::empty(const Shape &shape, DType dtype) {
  return Tensor(shape, dtype, /*zeroFill=*/false);
}

Tensor Tensor::borrow(std::shared_ptr<void> storage, const Shape &shape,
                      DType dtype) {
  Tensor t;
  t.shape_ = shape;
  t.size_ = elementCount(shape, dtype);
  t.dtype_ = dtype;
  if (t.size_ > 0 && !storage)
    throwError("Tensor::borrow: null storage for shape ", shapeToString(shape));
  if (reinterpret_cast<uintptr_t>(storage.get()) % kAlignment != 0)
    throwError("Tensor::borrow: storage at ", storage.get(), " is not ",
               kAlignment, "-byte aligned");
  t.storage_ = std::move(storage);
  return t;
}

Tensor Tensor::fromBytes(DType dtype, const void *values, int64_t count,
                         const Shape &shape, const char *caller) {
  Tensor t(shape, dtype, /*zeroFill=*/false);
  if (count >= 0 && count != t.size())
    throwError("Tensor::", caller, ": ", count, " values given for shape ",
               shapeToString(shape), ", which holds ", t.size());
  if (t.size() > 0 && !values)
    throwError("Tensor::", caller, ": null pointer for shape ",
               shapeToString(shape));
  if (t.size() > 0)
    std::memcpy(t.raw(), values, t.nbytes());
  return t;
}

void Tensor::checkDType(DType requested, const char *accessor) const {
  if (requested != dtype_)
    throwError("Tensor::", accessor, "<", dtypeName(requested),
               ">() called on a ", dtypeName(dtype_), " tensor of shape ",
               shapeToString(shape_));
}

int64_t Tensor::flatIndex(std::initializer_list<int64_t> index) const {
  if (static_cast<int64_t>(index.size()) != rank())
    throwError("Tensor::at: ", index.size(), " indices given for a rank-",
               rank(), " tensor of shape ", shapeToString(shape_));
  int64_t flat = 0;
  size_t axis = 0;
  for (int64_t i : index) {
    if (i < 0 || i >= shape_[axis])
      throwError("Tensor::at: index ", i, " on axis ", axis,
                 " is out of range [0, ", shape_[axis], ") for shape ",
                 shapeToString(shape_));
    flat = flat * shape_[axis] + i;
    ++axis;
  }
  return flat;
}

Tensor Tensor::reshape(const Shape &newShape) const {
  Shape resolved = newShape;
  int64_t inferAxis = -1;
  for (size_t i = 0; i < resolved.size(); ++i) {
    if (resolved[i] != -1)
      continue;
    if (inferAxis >= 0)
      throwError("Tensor::reshape to ", shapeToString(newShape),
                 ": more than one -1 dimension");
    inferAxis = static_cast<int64_t>(i);
    resolved[i] = 1;
  }
  // elementCount rejects other negative sizes and overflowing products.
  int64_t known = elementCount(resolved, dtype_);
  if (inferAxis >= 0) {
    if (known == 0 || size_ % known != 0)
      throwError("Tensor::reshape: cannot infer the -1 dimension of ",
                 shapeToString(newShape), " for ", size_,
                 " elements of shape ", shapeToString(shape_));
    resolved[inferAxis] = size_ / known;
    known = size_;
  }
  if (known != size_)
    throwError("Tensor::reshape: cannot reshape ", size_,
               " elements of shape ", shapeToString(shape_), " to ",
               shapeToString(newShape), " (", known, " elements)");
  Tensor out = *this;
  out.shape_ = resolved;
  return out;
}

Tensor Tensor::slice(int64_t begin, int64_t end) const {
  if (rank() == 0)
    throwError("Tensor::slice: a scalar has no axis 0 to slice");
  if (begin < 0 || begin > end || end > shape_[0])
    throwError("Tensor::slice(", begin, ", ", end,
               "): need 0 <= begin <= end <= ", shape_[0], " for shape ",
               shapeToString(shape_));
  Shape outShape = shape_;
  outShape[0] = end - begin;
  Tensor out = empty(outShape, dtype_);
  size_t rowBytes = shape_[0] ? nbytes() / shape_[0] : 0;
  if (out.nbytes())
    std::memcpy(out.raw(), static_cast<const char *>(raw()) + begin * rowBytes,
                out.nbytes());
  return out;
}

Tensor Tensor::astype(DType dtype) const {
  Tensor out = empty(shape_, dtype);
  switch (dtype_) {
  case DType::f32:
    convertFrom(data<float>(), out);
    break;
  case DType::i32:
    convertFrom(data<int32_t>(), out);
    break;
  case DType::i64:
    convertFrom(data<int64_t>(), out);
    break;
  case DType::u8:
    convertFrom(data<uint8_t>(), out);
    break;
  }
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape_, dtype_);
  if (nbytes())
    std::memcpy(out.raw(), raw(), nbytes());
  return out;
}

std::string Tensor::toString() const {
  std::ostringstream os;
  os << "Tensor(shape=" << shapeToString(shape_)
     << ", dtype=" << dtypeName(dtype_) << ")\n";
  if (rank() == 0)
    printElement(os, *this, 0);
  else
    printAxis(os, *this, 0, 0, /*summarize=*/size_ > 1000);
  return os.str();
}

} // namespace kiln
