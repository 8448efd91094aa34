//===- Losses.cpp - Gradients of the Keras losses -------------------------===//
//
// Every loss differentiates into one kiln.loss_grad of the matching kind,
// which applies the clipping, normalization and batch averaging of the
// forward loss. Cross-entropies keep their from_logits flag: after the
// autodiff pass has folded `crossentropy(softmax(z))` into
// `crossentropy(z) from_logits`, the gradient is the stable
// `(softmax(z) - y) / batch`.
//
//===----------------------------------------------------------------------===//
#include "compiler/Autodiff/Gradients/Gradients.h"

using namespace mlir;

namespace kiln::grad {
namespace {

/// dy_pred = loss_grad(y_true, y_pred, dloss). mse and mae depend on
/// `y_pred - y_true` only, so y_true's adjoint is the negation (kept only if
/// y_true is active); cross-entropy labels get none.
template <typename OpTy, LossKind Kind>
struct LossGradient
    : GradientOpInterface::ExternalModel<LossGradient<OpTy, Kind>, OpTy> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto loss = cast<OpTy>(op);
    Location loc = op->getLoc();
    bool fromLogits = false;
    FloatAttr epsilon;
    if constexpr (Kind != LossKind::mse && Kind != LossKind::mae) {
      fromLogits = loss.getFromLogits();
      epsilon = loss.getEpsilonAttr(); // the loss's clip is its gradient's
    }
    Value yTrue = loss.getYTrue(), yPred = loss.getYPred();
    Value dpred = LossGradOp::create(b, loc, yTrue, yPred, dys[0], Kind,
                                     fromLogits, epsilon);
    Value dtrue;
    if constexpr (Kind == LossKind::mse || Kind == LossKind::mae)
      dtrue = castTo(b, loc, negate(b, loc, dpred), yTrue.getType());
    dxs.push_back(dtrue);
    dxs.push_back(castTo(b, loc, dpred, yPred.getType()));
    return success();
  }
};

} // namespace

void registerLossGradients(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, KilnDialect *) {
    MseOp::attachInterface<LossGradient<MseOp, LossKind::mse>>(*ctx);
    MaeOp::attachInterface<LossGradient<MaeOp, LossKind::mae>>(*ctx);
    BinaryCrossentropyOp::attachInterface<
        LossGradient<BinaryCrossentropyOp, LossKind::binary_crossentropy>>(
        *ctx);
    CategoricalCrossentropyOp::attachInterface<LossGradient<
        CategoricalCrossentropyOp, LossKind::categorical_crossentropy>>(*ctx);
    SparseCategoricalCrossentropyOp::attachInterface<
        LossGradient<SparseCategoricalCrossentropyOp,
                     LossKind::sparse_categorical_crossentropy>>(*ctx);
  });
}

} // namespace kiln::grad
