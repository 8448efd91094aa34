//===- Elementwise.cpp - Gradients of broadcasting arithmetic -------------===//
//
// Each operand's adjoint is computed on the (broadcast) result's shape and
// then summed back to the operand's own shape with kiln.reduce_like, which is
// skipped when the operand already has the result's type.
//
//===----------------------------------------------------------------------===//
#include "compiler/Autodiff/Gradients/Gradients.h"

using namespace mlir;

namespace kiln::grad {
namespace {

/// d(a + b) = (dy, dy); d(a - b) = (dy, -dy).
template <typename OpTy>
struct AddSubGradient
    : GradientOpInterface::ExternalModel<AddSubGradient<OpTy>, OpTy> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto binary = cast<OpTy>(op);
    Location loc = op->getLoc();
    Value dy = dys[0];
    dxs.push_back(reduceToOperand(b, loc, dy, binary.getLhs()));
    Value drhs = reduceToOperand(b, loc, dy, binary.getRhs());
    // Negating after the reduction touches the smaller tensor.
    dxs.push_back(std::is_same_v<OpTy, SubOp> ? negate(b, loc, drhs) : drhs);
    return success();
  }
};

/// d(a * b) = (dy * b, dy * a).
struct MulGradient : GradientOpInterface::ExternalModel<MulGradient, MulOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto mul = cast<MulOp>(op);
    Location loc = op->getLoc();
    Value dy = dys[0], lhs = mul.getLhs(), rhs = mul.getRhs();
    dxs.push_back(reduceToOperand(b, loc, MulOp::create(b, loc, dy, rhs), lhs));
    dxs.push_back(reduceToOperand(b, loc, MulOp::create(b, loc, dy, lhs), rhs));
    return success();
  }
};

/// d(a / b) = (dy / b, -dy * a / b^2).
struct DivGradient : GradientOpInterface::ExternalModel<DivGradient, DivOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto div = cast<DivOp>(op);
    Location loc = op->getLoc();
    Value dy = dys[0], lhs = div.getLhs(), rhs = div.getRhs();
    dxs.push_back(reduceToOperand(b, loc, DivOp::create(b, loc, dy, rhs), lhs));
    Value num = MulOp::create(b, loc, dy, lhs);
    Value den = MulOp::create(b, loc, rhs, rhs);
    Value quotient = DivOp::create(b, loc, num, den);
    dxs.push_back(negate(b, loc, reduceToOperand(b, loc, quotient, rhs)));
    return success();
  }
};

/// d max(a, b) = (dy where a >= b, dy where a < b); d min(a, b) = (dy where
/// a <= b, dy where a > b): a tie sends the adjoint to the left operand, as
/// the result is the left operand there.
template <typename OpTy, typename LeftWinsOp, typename RightWinsOp>
struct ExtremumGradient
    : GradientOpInterface::ExternalModel<
          ExtremumGradient<OpTy, LeftWinsOp, RightWinsOp>, OpTy> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto binary = cast<OpTy>(op);
    Location loc = op->getLoc();
    Value dy = dys[0], lhs = binary.getLhs(), rhs = binary.getRhs();
    Value left = LeftWinsOp::create(b, loc, lhs, rhs);
    Value right = RightWinsOp::create(b, loc, lhs, rhs);
    dxs.push_back(reduceToOperand(b, loc, MulOp::create(b, loc, dy, left), lhs));
    dxs.push_back(reduceToOperand(b, loc, MulOp::create(b, loc, dy, right), rhs));
    return success();
  }
};

} // namespace

void registerElementwiseGradients(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, KilnDialect *) {
    AddOp::attachInterface<AddSubGradient<AddOp>>(*ctx);
    SubOp::attachInterface<AddSubGradient<SubOp>>(*ctx);
    MulOp::attachInterface<MulGradient>(*ctx);
    DivOp::attachInterface<DivGradient>(*ctx);
    MaximumOp::attachInterface<
        ExtremumGradient<MaximumOp, GreaterEqualOp, LessOp>>(*ctx);
    MinimumOp::attachInterface<
        ExtremumGradient<MinimumOp, LessEqualOp, GreaterOp>>(*ctx);
  });
}

} // namespace kiln::grad
