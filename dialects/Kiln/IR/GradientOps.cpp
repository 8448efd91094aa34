//===- GradientOps.cpp - Type inference and verifiers of gradient ops -----===//
#include "dialects/Kiln/IR/KilnOps.h"
#include "dialects/Kiln/IR/OpChecks.h"
#include "dialects/Kiln/IR/ShapeInference.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::detail;

//===----------------------------------------------------------------------===//
// Broadcasting
//===----------------------------------------------------------------------===//

LogicalResult BroadcastLikeOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  auto like = cast<RankedTensorType>(adaptor.getLike().getType());
  auto shape = broadcastShapes(in.getShape(), like.getShape());
  if (!shape || !shapesCompatible(*shape, like.getShape()))
    return emitOptionalError(loc, "'kiln.broadcast_like' cannot broadcast ", in,
                             " to the shape of ", like);
  results.push_back(RankedTensorType::get(like.getShape(), in.getElementType()));
  return success();
}

LogicalResult ReduceLikeOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  auto like = cast<RankedTensorType>(adaptor.getLike().getType());
  auto shape = broadcastShapes(in.getShape(), like.getShape());
  if (like.getRank() > in.getRank() || !shape ||
      !shapesCompatible(*shape, in.getShape()))
    return emitOptionalError(loc, "'kiln.reduce_like' cannot reduce ", in,
                             " to the shape of ", like,
                             ": it is not a broadcast of it");
  results.push_back(RankedTensorType::get(like.getShape(), in.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Activations and reductions
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxGradOp::verify() {
  if (!normalizeAxis(getAxis(), getDy().getType().getRank()))
    return emitOpError("axis ") << getAxis() << " is out of range for "
                                << getDy().getType();
  return success();
}

LogicalResult ReduceMaxGradOp::inferReturnTypes(MLIRContext *ctx,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &results) {
  // dy and output must have the forward reduction's result shape.
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  SmallVector<bool> reduced(in.getRank(), false);
  for (int64_t a : adaptor.getAxes()) {
    auto axis = normalizeAxis(a, in.getRank());
    if (!axis || reduced[*axis])
      return emitOptionalError(loc, "'kiln.reduce_max_grad' axis ", a,
                               " is out of range or repeated for ", in);
    reduced[*axis] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < in.getRank(); ++i) {
    if (!reduced[i])
      shape.push_back(in.getDimSize(i));
    else if (adaptor.getKeepdims())
      shape.push_back(1);
  }
  for (Value v : {adaptor.getDy(), adaptor.getOutput()}) {
    auto t = cast<RankedTensorType>(v.getType());
    if (!shapesCompatible(t.getShape(), shape))
      return emitOptionalError(loc, "'kiln.reduce_max_grad' expects dy and "
                                    "output shaped as the reduction's result ",
                               formatShape(shape), ", got ", t);
  }
  results.push_back(in);
  return success();
}

//===----------------------------------------------------------------------===//
// Window ops
//===----------------------------------------------------------------------===//

/// Checks that a conv2d from `input` with `kernel` yields `output`'s shape.
static LogicalResult verifyConvShapes(Operation *op, RankedTensorType input,
                                      RankedTensorType kernel,
                                      RankedTensorType output,
                                      ArrayRef<int64_t> strides,
                                      Padding padding) {
  if (input.getRank() != 4 || kernel.getRank() != 4 || output.getRank() != 4 ||
      !kernel.hasStaticShape())
    return op->emitOpError("expects NHWC input and output and a static HWIO "
                           "kernel, got ")
           << input << ", " << kernel << ", " << output;
  if (failed(checkPositivePair(op->getLoc(), op->getName().stripDialect(),
                               "strides", strides)))
    return failure();
  bool ok = shapesCompatible({input.getDimSize(0)}, {output.getDimSize(0)}) &&
            shapesCompatible({input.getDimSize(3)}, {kernel.getDimSize(2)}) &&
            shapesCompatible({output.getDimSize(3)}, {kernel.getDimSize(3)});
  for (int i = 0; ok && i < 2; ++i)
    ok = shapesCompatible({windowOutputSize(input.getDimSize(1 + i),
                                            kernel.getDimSize(i), strides[i],
                                            padding)},
                          {output.getDimSize(1 + i)});
  if (!ok)
    return op->emitOpError("shapes do not form a conv2d: input ")
           << input << " with kernel " << kernel << " does not give " << output;
  return success();
}

LogicalResult Conv2DInputGradOp::verify() {
  return verifyConvShapes(*this, getResult().getType(), getKernel().getType(),
                          getDy().getType(), getStrides(), getPadding());
}

LogicalResult Conv2DKernelGradOp::verify() {
  return verifyConvShapes(*this, getInput().getType(), getResult().getType(),
                          getDy().getType(), getStrides(), getPadding());
}

LogicalResult MaxPool2DGradOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  auto dy = cast<RankedTensorType>(adaptor.getDy().getType());
  if (in.getRank() != 4)
    return emitOptionalError(loc, "'kiln.max_pool2d_grad' expects an NHWC "
                                  "input of rank 4, got ",
                             in);
  if (failed(checkPositivePair(loc, "max_pool2d_grad", "pool_size",
                               adaptor.getPoolSize())) ||
      failed(checkPositivePair(loc, "max_pool2d_grad", "strides",
                               adaptor.getStrides())))
    return failure();
  SmallVector<int64_t> pooled = {in.getDimSize(0)};
  for (int i = 0; i < 2; ++i)
    pooled.push_back(windowOutputSize(in.getDimSize(1 + i),
                                      adaptor.getPoolSize()[i],
                                      adaptor.getStrides()[i],
                                      adaptor.getPadding()));
  pooled.push_back(in.getDimSize(3));
  if (!shapesCompatible(dy.getShape(), pooled))
    return emitOptionalError(loc, "'kiln.max_pool2d_grad' dy ", dy,
                             " does not have the pooled shape ",
                             formatShape(pooled));
  results.push_back(in);
  return success();
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

LogicalResult LossGradOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  auto t = cast<RankedTensorType>(adaptor.getYTrue().getType());
  auto p = cast<RankedTensorType>(adaptor.getYPred().getType());
  bool sparse = adaptor.getKind() == LossKind::sparse_categorical_crossentropy;
  bool ok = sparse ? sparseLabelsMatch(t.getShape(), p.getShape())
                   : p.getRank() >= 1 && shapesCompatible(t.getShape(), p.getShape()) &&
                         isa<FloatType>(t.getElementType());
  if (!ok)
    return emitOptionalError(loc, "'kiln.loss_grad' y_true ", t,
                             " does not fit y_pred ", p, " for loss '",
                             stringifyLossKind(adaptor.getKind()), "'");
  if (adaptor.getFromLogits() && (adaptor.getKind() == LossKind::mse ||
                                  adaptor.getKind() == LossKind::mae))
    return emitOptionalError(loc, "'kiln.loss_grad' from_logits only applies "
                                  "to cross-entropy losses");
  results.push_back(p);
  return success();
}

//===----------------------------------------------------------------------===//
// Metrics
//===----------------------------------------------------------------------===//

LogicalResult BinaryAccuracyOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &results) {
  return inferDenseLabelScalar("binary_accuracy", loc, adaptor.getYTrue(),
                               adaptor.getYPred(), results);
}

LogicalResult CategoricalAccuracyOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  return inferDenseLabelScalar("categorical_accuracy", loc, adaptor.getYTrue(),
                               adaptor.getYPred(), results);
}

LogicalResult SparseCategoricalAccuracyOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  return inferSparseLabelScalar("sparse_categorical_accuracy", loc,
                                adaptor.getYTrue(), adaptor.getYPred(), results);
}

LogicalResult TopKCategoricalAccuracyOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  return inferDenseLabelScalar("top_k_categorical_accuracy", loc,
                               adaptor.getYTrue(), adaptor.getYPred(), results);
}

LogicalResult SparseTopKCategoricalAccuracyOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  return inferSparseLabelScalar("sparse_top_k_categorical_accuracy", loc,
                                adaptor.getYTrue(), adaptor.getYPred(), results);
}

LogicalResult ConfusionCountsOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  SmallVector<Type> scalar;
  if (failed(inferDenseLabelScalar("confusion_counts", loc, adaptor.getYTrue(),
                                   adaptor.getYPred(), scalar)))
    return failure();
  auto p = cast<RankedTensorType>(adaptor.getYPred().getType());
  ArrayRef<float> thresholds = adaptor.getThresholds();
  if (thresholds.empty())
    return emitOptionalError(loc, "'kiln.confusion_counts' needs at least one "
                                  "threshold");
  int64_t classes = p.getShape().back();
  if (std::optional<uint64_t> c = adaptor.getClassId();
      c && !ShapedType::isDynamic(classes) && int64_t(*c) >= classes)
    return emitOptionalError(loc, "'kiln.confusion_counts' class_id ", *c,
                             " is out of range for y_pred ", p);
  if (std::optional<uint64_t> k = adaptor.getTopK();
      k && !ShapedType::isDynamic(classes) && int64_t(*k) > classes)
    return emitOptionalError(loc, "'kiln.confusion_counts' top_k ", *k,
                             " exceeds the ", classes, " classes of y_pred ", p);
  results.push_back(RankedTensorType::get(
      {4, int64_t(thresholds.size())}, p.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// value_and_grad
//===----------------------------------------------------------------------===//

LogicalResult ValueAndGradOp::verifySymbolUses(SymbolTableCollection &tables) {
  auto fn = tables.lookupNearestSymbolFrom<func::FuncOp>(*this, getCalleeAttr());
  if (!fn)
    return emitOpError("'") << getCallee() << "' does not name a func.func";
  FunctionType type = fn.getFunctionType();
  if (TypeRange(type.getInputs()) != TypeRange(getArgs().getTypes()))
    return emitOpError("argument types do not match @") << getCallee();
  if (type.getNumResults() == 0 ||
      !isa<RankedTensorType>(type.getResult(0)) ||
      cast<RankedTensorType>(type.getResult(0)).getRank() != 0)
    return emitOpError("@") << getCallee()
                            << " must return a 0-d loss tensor first";
  SmallVector<Type> expected(type.getResults());
  for (unsigned i = 0; i < type.getNumInputs(); ++i)
    if (fn.getArgAttr(i, "kiln.trainable"))
      expected.push_back(type.getInput(i));
  if (TypeRange(expected) != TypeRange(getResults().getTypes()))
    return emitOpError("results must be @")
           << getCallee()
           << "'s results followed by one gradient per kiln.trainable "
              "argument, of the argument's type";
  return success();
}
