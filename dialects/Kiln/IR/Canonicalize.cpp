//===- Canonicalize.cpp - Canonicalization patterns of kiln ops -----------===//
//
// Cross-entropy of a softmax (sigmoid) becomes cross-entropy from logits:
// the loss is then computed as log-softmax, and its gradient is the stable
// `p - y` instead of a division by a probability that may underflow. Keras's
// TensorFlow backend makes the same substitution when y_pred comes straight
// from a softmax or sigmoid activation.
//
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnOps.h"
#include "dialects/Kiln/IR/ShapeInference.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace kiln;

namespace {

/// The input of `pred` when it is an ActOp activation over the last axis.
template <typename ActOp>
Value lastAxisActivationInput(Value pred) {
  auto act = pred.getDefiningOp<ActOp>();
  if (!act)
    return nullptr;
  if constexpr (std::is_same_v<ActOp, SoftmaxOp>) {
    auto rank = cast<RankedTensorType>(pred.getType()).getRank();
    if (normalizeAxis(act.getAxis(), rank) != rank - 1)
      return nullptr;
  }
  return act.getInput();
}

template <typename LossOp, typename ActOp>
struct FoldActivationIntoLoss : OpRewritePattern<LossOp> {
  using OpRewritePattern<LossOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LossOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getFromLogits())
      return failure();
    Value logits = lastAxisActivationInput<ActOp>(op.getYPred());
    if (!logits)
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      op.getYPredMutable().assign(logits);
      op.setFromLogits(true);
    });
    return success();
  }
};

} // namespace

void CategoricalCrossentropyOp::getCanonicalizationPatterns(
    RewritePatternSet &results, MLIRContext *ctx) {
  results.add<FoldActivationIntoLoss<CategoricalCrossentropyOp, SoftmaxOp>>(ctx);
}

void SparseCategoricalCrossentropyOp::getCanonicalizationPatterns(
    RewritePatternSet &results, MLIRContext *ctx) {
  results.add<FoldActivationIntoLoss<SparseCategoricalCrossentropyOp, SoftmaxOp>>(
      ctx);
}

void BinaryCrossentropyOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                       MLIRContext *ctx) {
  results.add<FoldActivationIntoLoss<BinaryCrossentropyOp, SigmoidOp>>(ctx);
}
