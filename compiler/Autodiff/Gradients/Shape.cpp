//===- Shape.cpp - Gradients of reshape, transpose, concatenate ---------------------===//
#include "compiler/Autodiff/Gradients/Gradients.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

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

/// Reversing is its own adjoint.
struct ReverseGradient
    : GradientOpInterface::ExternalModel<ReverseGradient, ReverseOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto reverse = cast<ReverseOp>(op);
    dxs.push_back(ReverseOp::create(b, op->getLoc(), dys[0], reverse.getAxisAttr()));
    return success();
  }
};

/// Each input's adjoint is its slice of the result's adjoint.
struct ConcatenateGradient
    : GradientOpInterface::ExternalModel<ConcatenateGradient, ConcatenateOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto concat = cast<ConcatenateOp>(op);
    Location loc = op->getLoc();
    int64_t axis = concat.getAxis();
    OpFoldResult offset = b.getIndexAttr(0);
    for (Value input : concat.getInputs()) {
      auto type = cast<RankedTensorType>(input.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
      SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
      offsets[axis] = offset;
      Value slice = tensor::ExtractSliceOp::create(b, loc, type, dys[0], offsets,
                                                   sizes, strides);
      dxs.push_back(slice);
      AffineExpr d0, d1;
      bindSymbols(b.getContext(), d0, d1);
      offset = affine::makeComposedFoldedAffineApply(b, loc, d0 + d1,
                                                     {offset, sizes[axis]});
    }
    return success();
  }
};

} // namespace

void registerShapeGradients(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, KilnDialect *) {
    ReshapeOp::attachInterface<ReshapeGradient>(*ctx);
    TransposeOp::attachInterface<TransposeGradient>(*ctx);
    ReverseOp::attachInterface<ReverseGradient>(*ctx);
    ConcatenateOp::attachInterface<ConcatenateGradient>(*ctx);
  });
}

} // namespace kiln::grad
