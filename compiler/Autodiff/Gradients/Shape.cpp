//===- Shape.cpp - Gradients of reshape and transpose ---------------------===//
#include "compiler/Autodiff/Gradients/Gradients.h"

using namespace mlir;

namespace kiln::grad {
namespace {

/// The adjoint is reshaped back: the element order is unchanged.
struct ReshapeGradient
    : GradientOpInterface::ExternalModel<ReshapeGradient, ReshapeOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto reshape = cast<ReshapeOp>(op);
    Type inputType = reshape.getInput().getType();
    dxs.push_back(ReshapeOp::create(b, op->getLoc(), inputType, dys[0]));
    return success();
  }
};

/// The adjoint is transposed by the inverse permutation.
struct TransposeGradient
    : GradientOpInterface::ExternalModel<TransposeGradient, TransposeOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto transpose = cast<TransposeOp>(op);
    ArrayRef<int64_t> perm = transpose.getPermutation();
    SmallVector<int64_t> inverse(perm.size());
    for (auto [i, p] : llvm::enumerate(perm))
      inverse[p] = static_cast<int64_t>(i);
    Location loc = op->getLoc();
    Value dx = TransposeOp::create(b, loc, dys[0], inverse);
    dxs.push_back(castTo(b, loc, dx, transpose.getInput().getType()));
    return success();
  }
};

} // namespace

void registerShapeGradients(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, KilnDialect *) {
    ReshapeOp::attachInterface<ReshapeGradient>(*ctx);
    TransposeOp::attachInterface<TransposeGradient>(*ctx);
  });
}

} // namespace kiln::grad
