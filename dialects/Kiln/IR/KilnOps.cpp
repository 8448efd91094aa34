//===- KilnOps.cpp - Type inference and verifiers of kiln ops -------------===//
//
// Every op whose result type follows from its operands infers it here; the
// inference failure message is what a user sees for a malformed op, so each
// message names the op, the offending operand and the shapes involved.
//
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnOps.h"
#include "dialects/Kiln/IR/OpChecks.h"
#include "dialects/Kiln/IR/ShapeInference.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace kiln;

using namespace kiln::detail;

namespace {

bool dimsCompatible(int64_t a, int64_t b) {
  return a == b || ShapedType::isDynamic(a) || ShapedType::isDynamic(b);
}

/// The static one of two compatible sizes, if any.
int64_t mergeDims(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) ? b : a;
}

std::string shapeStr(Type t) {
  auto rt = cast<RankedTensorType>(t);
  std::string s;
  llvm::raw_string_ostream os(s);
  os << rt;
  return s;
}

/// Shared by conv2d and max_pool2d: output spatial sizes of a window op.
LogicalResult inferWindowShape(std::optional<Location> loc, StringRef op,
                               ArrayRef<int64_t> input, int64_t kh, int64_t kw,
                               ArrayRef<int64_t> strides, Padding padding,
                               int64_t channels,
                               SmallVectorImpl<int64_t> &shape) {
  int64_t window[2] = {kh, kw};
  const char *names[2] = {"height", "width"};
  shape.push_back(input[0]);
  for (int i = 0; i < 2; ++i) {
    int64_t in = input[1 + i];
    if (padding == Padding::valid && !ShapedType::isDynamic(in) &&
        in < window[i])
      return emitOptionalError(loc, "'kiln.", op, "' input ", names[i], " ",
                               in, " is smaller than the window ", names[i],
                               " ", window[i], " with valid padding");
    shape.push_back(windowOutputSize(in, window[i], strides[i], padding));
  }
  shape.push_back(channels);
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

LogicalResult DenseOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  auto w = cast<RankedTensorType>(adaptor.getKernel().getType());
  if (in.getRank() < 2)
    return emitOptionalError(loc, "'kiln.dense' expects an input of rank 2 or "
                                  "more (batch, ..., features), got ",
                             in);
  if (w.getRank() != 2)
    return emitOptionalError(loc, "'kiln.dense' expects a kernel of rank 2 "
                                  "(in, units), got ",
                             w);
  if (!dimsCompatible(in.getShape().back(), w.getDimSize(0)))
    return emitOptionalError(
        loc, "'kiln.dense' input has ", in.getShape().back(),
        " features but the kernel expects ", w.getDimSize(0), " (input ",
        shapeStr(in), ", kernel ", shapeStr(w), ")");
  if (Value b = adaptor.getBias()) {
    auto bt = cast<RankedTensorType>(b.getType());
    if (bt.getRank() != 1 || !dimsCompatible(bt.getDimSize(0), w.getDimSize(1)))
      return emitOptionalError(loc, "'kiln.dense' bias must have shape (",
                               w.getDimSize(1), ") to match the kernel's units, got ",
                               bt);
  }
  if (failed(sameElementType(loc, "dense", {adaptor.getInput(), adaptor.getKernel(),
                                            adaptor.getBias()})))
    return failure();
  SmallVector<int64_t> shape(in.getShape().drop_back());
  shape.push_back(w.getDimSize(1));
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto a = cast<RankedTensorType>(adaptor.getLhs().getType());
  auto b = cast<RankedTensorType>(adaptor.getRhs().getType());
  if (a.getRank() != b.getRank() || (a.getRank() != 2 && a.getRank() != 3))
    return emitOptionalError(loc, "'kiln.matmul' expects two rank-2 or two "
                                  "rank-3 (batched) operands, got ",
                             a, " and ", b);
  if (failed(sameElementType(loc, "matmul", {adaptor.getLhs(), adaptor.getRhs()})))
    return failure();
  int64_t r = a.getRank();
  int64_t m = a.getDimSize(r - 2), ka = a.getDimSize(r - 1);
  if (adaptor.getTransposeLhs())
    std::swap(m, ka);
  int64_t kb = b.getDimSize(r - 2), n = b.getDimSize(r - 1);
  if (adaptor.getTransposeRhs())
    std::swap(kb, n);
  if (!dimsCompatible(ka, kb))
    return emitOptionalError(loc, "'kiln.matmul' contraction sizes differ: lhs "
                                  "gives ",
                             ka, ", rhs gives ", kb, " (", shapeStr(a), " x ",
                             shapeStr(b), ")");
  SmallVector<int64_t> shape;
  if (r == 3) {
    if (!dimsCompatible(a.getDimSize(0), b.getDimSize(0)))
      return emitOptionalError(loc, "'kiln.matmul' batch sizes differ: ",
                               a.getDimSize(0), " vs ", b.getDimSize(0));
    shape.push_back(mergeDims(a.getDimSize(0), b.getDimSize(0)));
  }
  shape.push_back(m);
  shape.push_back(n);
  results.push_back(RankedTensorType::get(shape, a.getElementType()));
  return success();
}

LogicalResult Conv2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  auto k = cast<RankedTensorType>(adaptor.getKernel().getType());
  if (in.getRank() != 4)
    return emitOptionalError(loc, "'kiln.conv2d' expects an NHWC input of rank "
                                  "4, got ",
                             in);
  if (k.getRank() != 4 || !k.hasStaticShape())
    return emitOptionalError(loc, "'kiln.conv2d' expects a static HWIO kernel "
                                  "of rank 4, got ",
                             k);
  if (!dimsCompatible(in.getDimSize(3), k.getDimSize(2)))
    return emitOptionalError(loc, "'kiln.conv2d' input has ", in.getDimSize(3),
                             " channels but the kernel expects ", k.getDimSize(2));
  if (Value b = adaptor.getBias()) {
    auto bt = cast<RankedTensorType>(b.getType());
    if (bt.getRank() != 1 || !dimsCompatible(bt.getDimSize(0), k.getDimSize(3)))
      return emitOptionalError(loc, "'kiln.conv2d' bias must have shape (",
                               k.getDimSize(3), ") to match the kernel's filters, got ",
                               bt);
  }
  if (failed(sameElementType(loc, "conv2d", {adaptor.getInput(), adaptor.getKernel(),
                                             adaptor.getBias()})) ||
      failed(checkPositivePair(loc, "conv2d", "strides", adaptor.getStrides())))
    return failure();
  SmallVector<int64_t> shape;
  if (failed(inferWindowShape(loc, "conv2d", in.getShape(), k.getDimSize(0),
                              k.getDimSize(1), adaptor.getStrides(),
                              adaptor.getPadding(), k.getDimSize(3), shape)))
    return failure();
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

LogicalResult MaxPool2DOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  if (in.getRank() != 4)
    return emitOptionalError(loc, "'kiln.max_pool2d' expects an NHWC input of "
                                  "rank 4, got ",
                             in);
  if (failed(checkPositivePair(loc, "max_pool2d", "pool_size",
                               adaptor.getPoolSize())) ||
      failed(checkPositivePair(loc, "max_pool2d", "strides", adaptor.getStrides())))
    return failure();
  SmallVector<int64_t> shape;
  if (failed(inferWindowShape(loc, "max_pool2d", in.getShape(),
                              adaptor.getPoolSize()[0], adaptor.getPoolSize()[1],
                              adaptor.getStrides(), adaptor.getPadding(),
                              in.getDimSize(3), shape)))
    return failure();
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise arithmetic
//===----------------------------------------------------------------------===//

static LogicalResult inferBroadcast(StringRef op, std::optional<Location> loc,
                                    Value lhs, Value rhs,
                                    SmallVectorImpl<Type> &results) {
  auto a = cast<RankedTensorType>(lhs.getType());
  auto b = cast<RankedTensorType>(rhs.getType());
  if (failed(sameElementType(loc, op, {lhs, rhs})))
    return failure();
  auto shape = broadcastShapes(a.getShape(), b.getShape());
  if (!shape)
    return emitOptionalError(loc, "'kiln.", op, "' operands are not "
                                  "broadcast-compatible: ",
                             a, " and ", b);
  results.push_back(RankedTensorType::get(*shape, a.getElementType()));
  return success();
}

#define KILN_BINARY_INFER(OP, NAME)                                            \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> loc, \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &results) {         \
    return inferBroadcast(NAME, loc, adaptor.getLhs(), adaptor.getRhs(),       \
                          results);                                            \
  }
KILN_BINARY_INFER(AddOp, "add")
KILN_BINARY_INFER(SubOp, "sub")
KILN_BINARY_INFER(MulOp, "mul")
KILN_BINARY_INFER(DivOp, "div")
KILN_BINARY_INFER(MaximumOp, "maximum")
KILN_BINARY_INFER(MinimumOp, "minimum")
KILN_BINARY_INFER(EqualOp, "equal")
KILN_BINARY_INFER(NotEqualOp, "not_equal")
KILN_BINARY_INFER(GreaterOp, "greater")
KILN_BINARY_INFER(GreaterEqualOp, "greater_equal")
KILN_BINARY_INFER(LessOp, "less")
KILN_BINARY_INFER(LessEqualOp, "less_equal")
#undef KILN_BINARY_INFER

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

LogicalResult ReverseOp::verify() {
  int64_t rank = getInput().getType().getRank();
  int64_t axis = getAxis();
  if (axis < -rank || axis >= rank)
    return emitOpError("axis ") << axis << " is out of range for rank " << rank;
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType();
  auto out = getResult().getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("cannot change the element type: ")
           << in.getElementType() << " vs " << out.getElementType();
  std::string error = reshapeError(in.getShape(), out.getShape());
  if (!error.empty())
    return emitOpError(error) << ": " << in << " -> " << out;
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  SmallVector<bool> seen(in.getRank(), false);
  bool ok = (int64_t)perm.size() == in.getRank();
  for (int64_t p : perm) {
    if (!ok || p < 0 || p >= in.getRank() || seen[p]) {
      ok = false;
      break;
    }
    seen[p] = true;
  }
  if (!ok)
    return emitOptionalError(loc, "'kiln.transpose' permutation [",
                             llvm::make_range(perm.begin(), perm.end()),
                             "] is not a permutation of the ", in.getRank(),
                             " dimensions of ", in);
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(in.getDimSize(p));
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

LogicalResult ConcatenateOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return emitOptionalError(loc, "'kiln.concatenate' needs at least one input");
  auto first = cast<RankedTensorType>(inputs.front().getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= first.getRank())
    return emitOptionalError(loc, "'kiln.concatenate' axis ", axis,
                             " is out of range for ", first);
  if (failed(sameElementType(loc, "concatenate", llvm::to_vector(inputs))))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : inputs) {
    auto t = cast<RankedTensorType>(v.getType());
    bool ok = t.getRank() == first.getRank();
    for (int64_t i = 0; ok && i < t.getRank(); ++i)
      if (i != axis) {
        ok = dimsCompatible(t.getDimSize(i), shape[i]);
        shape[i] = mergeDims(shape[i], t.getDimSize(i));
      }
    if (!ok)
      return emitOptionalError(loc, "'kiln.concatenate' inputs ", first, " and ",
                               t, " differ outside axis ", axis);
    if (ShapedType::isDynamic(t.getDimSize(axis)) || ShapedType::isDynamic(shape[axis]))
      shape[axis] = ShapedType::kDynamic;
    else
      shape[axis] += t.getDimSize(axis);
  }
  results.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

static LogicalResult inferReduce(StringRef op, std::optional<Location> loc,
                                 Value input, ArrayRef<int64_t> axes,
                                 bool keepdims, SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(input.getType());
  SmallVector<bool> reduced(in.getRank(), false);
  if (axes.empty())
    return emitOptionalError(loc, "'kiln.", op, "' needs at least one axis");
  for (int64_t a : axes) {
    auto axis = normalizeAxis(a, in.getRank());
    if (!axis)
      return emitOptionalError(loc, "'kiln.", op, "' axis ", a,
                               " is out of range for ", in);
    if (reduced[*axis])
      return emitOptionalError(loc, "'kiln.", op, "' axis ", a, " is repeated");
    reduced[*axis] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < in.getRank(); ++i) {
    if (!reduced[i])
      shape.push_back(in.getDimSize(i));
    else if (keepdims)
      shape.push_back(1);
  }
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

#define KILN_REDUCE_INFER(OP, NAME)                                            \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> loc, \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &results) {         \
    return inferReduce(NAME, loc, adaptor.getInput(), adaptor.getAxes(),       \
                       adaptor.getKeepdims(), results);                        \
  }
KILN_REDUCE_INFER(ReduceSumOp, "reduce_sum")
KILN_REDUCE_INFER(ReduceMeanOp, "reduce_mean")
KILN_REDUCE_INFER(ReduceMaxOp, "reduce_max")
#undef KILN_REDUCE_INFER

LogicalResult ArgmaxOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), in.getRank());
  if (!axis || in.getRank() == 0)
    return emitOptionalError(loc, "'kiln.argmax' axis ", int64_t(adaptor.getAxis()),
                             " is out of range for ", in);
  SmallVector<int64_t> shape(in.getShape());
  shape.erase(shape.begin() + *axis);
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

#define KILN_UNARY_INFER(OP)                                                   \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location>,   \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &results) {         \
    results.push_back(adaptor.getInput().getType());                           \
    return success();                                                          \
  }
KILN_UNARY_INFER(ReluOp)
KILN_UNARY_INFER(SigmoidOp)
KILN_UNARY_INFER(TanhOp)
KILN_UNARY_INFER(ExpOp)
KILN_UNARY_INFER(LogOp)
KILN_UNARY_INFER(RsqrtOp)
#undef KILN_UNARY_INFER

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  if (!normalizeAxis(adaptor.getAxis(), in.getRank()) || in.getRank() == 0)
    return emitOptionalError(loc, "'kiln.softmax' axis ", int64_t(adaptor.getAxis()),
                             " is out of range for ", in);
  results.push_back(in);
  return success();
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

#define KILN_LOSS_INFER(OP, NAME)                                              \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> loc, \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &results) {         \
    return inferDenseLabelScalar(NAME, loc, adaptor.getYTrue(),                \
                                 adaptor.getYPred(), results);                 \
  }
KILN_LOSS_INFER(MseOp, "mse")
KILN_LOSS_INFER(MaeOp, "mae")
KILN_LOSS_INFER(BinaryCrossentropyOp, "binary_crossentropy")
KILN_LOSS_INFER(CategoricalCrossentropyOp, "categorical_crossentropy")
#undef KILN_LOSS_INFER

LogicalResult SparseCategoricalCrossentropyOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  return inferSparseLabelScalar("sparse_categorical_crossentropy", loc,
                                adaptor.getYTrue(), adaptor.getYPred(), results);
}

namespace kiln::detail {

LogicalResult sameElementType(std::optional<Location> loc, StringRef op,
                              ArrayRef<Value> values) {
  Type first;
  for (Value v : values) {
    if (!v)
      continue;
    Type et = cast<RankedTensorType>(v.getType()).getElementType();
    if (!first)
      first = et;
    else if (et != first)
      return emitOptionalError(loc, "'kiln.", op,
                               "' operands must share an element type, got ",
                               first, " and ", et);
  }
  return success();
}

LogicalResult checkPositivePair(std::optional<Location> loc, StringRef op,
                                StringRef name, ArrayRef<int64_t> values) {
  if (values.size() != 2 || values[0] <= 0 || values[1] <= 0)
    return emitOptionalError(loc, "'kiln.", op, "' expects ", name,
                             " to be two positive integers, got [",
                             llvm::make_range(values.begin(), values.end()),
                             "]");
  return success();
}

LogicalResult inferDenseLabelScalar(StringRef op, std::optional<Location> loc,
                                    Value yTrue, Value yPred,
                                    SmallVectorImpl<Type> &results) {
  auto t = cast<RankedTensorType>(yTrue.getType());
  auto p = cast<RankedTensorType>(yPred.getType());
  if (p.getRank() < 1 || !shapesCompatible(t.getShape(), p.getShape()))
    return emitOptionalError(loc, "'kiln.", op, "' y_true ", t,
                             " does not match y_pred ", p);
  if (failed(sameElementType(loc, op, {yTrue, yPred})))
    return failure();
  results.push_back(RankedTensorType::get({}, p.getElementType()));
  return success();
}

LogicalResult inferSparseLabelScalar(StringRef op, std::optional<Location> loc,
                                     Value labels, Value yPred,
                                     SmallVectorImpl<Type> &results) {
  auto t = cast<RankedTensorType>(labels.getType());
  auto p = cast<RankedTensorType>(yPred.getType());
  if (!sparseLabelsMatch(t.getShape(), p.getShape()))
    return emitOptionalError(loc, "'kiln.", op, "' labels ", t,
                             " must have y_pred's shape without its class "
                             "axis (optionally with a trailing 1); y_pred is ",
                             p);
  results.push_back(RankedTensorType::get({}, p.getElementType()));
  return success();
}

} // namespace kiln::detail

#define GET_OP_CLASSES
#include "dialects/Kiln/IR/KilnOps.cpp.inc"
