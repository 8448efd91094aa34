//===- ShapeInference.cpp - Shape rules shared by ops and lowering --------===//
#include "dialects/Kiln/IR/ShapeInference.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"

using namespace llvm;
using mlir::ShapedType;

namespace kiln {

std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> lhs,
                                                    ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a = i < lhs.size() ? lhs[lhs.size() - 1 - i] : 1;
    int64_t b = i < rhs.size() ? rhs[rhs.size() - 1 - i] : 1;
    int64_t &r = out[rank - 1 - i];
    if (a == b)
      r = a;
    else if (a == 1)
      r = b;
    else if (b == 1)
      r = a;
    else if (ShapedType::isDynamic(a))
      r = b;
    else if (ShapedType::isDynamic(b))
      r = a;
    else
      return std::nullopt;
  }
  return out;
}

int64_t windowOutputSize(int64_t input, int64_t window, int64_t stride,
                         Padding padding) {
  if (ShapedType::isDynamic(input))
    return ShapedType::kDynamic;
  if (padding == Padding::same)
    return (input + stride - 1) / stride;
  if (input < window)
    return 0;
  return (input - window) / stride + 1;
}

std::pair<int64_t, int64_t> windowPadding(int64_t input, int64_t window,
                                          int64_t stride, Padding padding) {
  if (padding == Padding::valid)
    return {0, 0};
  int64_t out = (input + stride - 1) / stride;
  int64_t total = std::max<int64_t>((out - 1) * stride + window - input, 0);
  return {total / 2, total - total / 2};
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

static bool dimsCompatible(int64_t a, int64_t b) {
  return a == b || ShapedType::isDynamic(a) || ShapedType::isDynamic(b);
}

bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!dimsCompatible(a[i], b[i]))
      return false;
  return true;
}

bool sparseLabelsMatch(ArrayRef<int64_t> labels, ArrayRef<int64_t> pred) {
  if (pred.empty())
    return false;
  ArrayRef<int64_t> outer = pred.drop_back();
  if (labels.size() == outer.size() + 1 && labels.back() == 1)
    labels = labels.drop_back();
  return shapesCompatible(labels, outer);
}

std::string reshapeError(ArrayRef<int64_t> in, ArrayRef<int64_t> out) {
  auto count = [](ArrayRef<int64_t> shape, int64_t &product) {
    int64_t dynamic = 0;
    product = 1;
    for (int64_t d : shape) {
      if (ShapedType::isDynamic(d))
        ++dynamic;
      else
        product *= d;
    }
    return dynamic;
  };
  int64_t inCount, outCount;
  int64_t inDyn = count(in, inCount), outDyn = count(out, outCount);
  if (inDyn > 1)
    return "supports at most one dynamic input dimension";
  if ((inDyn == 0) != (outDyn == 0) || outDyn > 1)
    return "needs exactly one dynamic result dimension when the input has "
           "one, and none otherwise";
  if (inCount != outCount)
    return "element counts differ: the input holds " + std::to_string(inCount) +
           (inDyn ? " per dynamic index" : "") + " but the result holds " +
           std::to_string(outCount);
  return "";
}

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(shape[i]) ? "None" : std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

} // namespace kiln
