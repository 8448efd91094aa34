//===- Activations.cpp - Gradients of activations and pointwise math ------===//
//
// relu, sigmoid, hard_sigmoid, tanh, softmax, exp and rsqrt read their
// result, whose derivative is a function of it, so the forward value is
// reused instead of recomputed and the activation's input has no user but
// the activation.
//
//===----------------------------------------------------------------------===//
#include "compiler/Autodiff/Gradients/Gradients.h"

using namespace mlir;

namespace kiln::grad {
namespace {

/// relu_grad(dy, y), sigmoid_grad(dy, y), tanh_grad(dy, y).
template <typename OpTy, typename GradOpTy>
struct ActivationGradient
    : GradientOpInterface::ExternalModel<ActivationGradient<OpTy, GradOpTy>,
                                         OpTy> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto act = cast<OpTy>(op);
    dxs.push_back(GradOpTy::create(b, op->getLoc(), dys[0], act.getResult()));
    return success();
  }
};

/// softmax_grad(dy, y) = y * (dy - sum(dy * y)) along the softmax's axis.
struct SoftmaxGradient
    : GradientOpInterface::ExternalModel<SoftmaxGradient, SoftmaxOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto softmax = cast<SoftmaxOp>(op);
    dxs.push_back(SoftmaxGradOp::create(
        b, op->getLoc(), dys[0], softmax.getResult(), softmax.getAxisAttr()));
    return success();
  }
};

/// d exp(x) = dy * exp(x), reusing the result.
struct ExpGradient : GradientOpInterface::ExternalModel<ExpGradient, ExpOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto exp = cast<ExpOp>(op);
    dxs.push_back(MulOp::create(b, op->getLoc(), dys[0], exp.getResult()));
    return success();
  }
};

/// d log(x) = dy / x.
struct LogGradient : GradientOpInterface::ExternalModel<LogGradient, LogOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto log = cast<LogOp>(op);
    dxs.push_back(DivOp::create(b, op->getLoc(), dys[0], log.getInput()));
    return success();
  }
};

/// hard_sigmoid_grad(dy, y): the slope where y is inside (0, 1).
struct HardSigmoidGradient
    : GradientOpInterface::ExternalModel<HardSigmoidGradient, HardSigmoidOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto hs = cast<HardSigmoidOp>(op);
    dxs.push_back(HardSigmoidGradOp::create(b, op->getLoc(), dys[0],
                                            hs.getResult(), hs.getSlopeAttr()));
    return success();
  }
};

/// d rsqrt(x) = -dy y^3 / 2, reusing the result y.
struct RsqrtGradient
    : GradientOpInterface::ExternalModel<RsqrtGradient, RsqrtOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    Location loc = op->getLoc();
    Value y = cast<RsqrtOp>(op).getResult();
    Value y3 = MulOp::create(b, loc, MulOp::create(b, loc, y, y), y);
    Value half = scalarConstant(
        b, loc, cast<RankedTensorType>(y.getType()).getElementType(), -0.5);
    dxs.push_back(MulOp::create(b, loc, dys[0], MulOp::create(b, loc, y3, half)));
    return success();
  }
};

/// Dropout is linear with a mask that (step, seed) fixes: its adjoint is the
/// same dropout of dy. The step counter has no adjoint.
struct DropoutGradient
    : GradientOpInterface::ExternalModel<DropoutGradient, DropoutOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto dropout = cast<DropoutOp>(op);
    dxs.push_back(DropoutOp::create(b, op->getLoc(), dys[0],
                                    dropout.getStep(), dropout.getRateAttr(),
                                    dropout.getSeedAttr()));
    dxs.push_back(Value());
    return success();
  }
};

} // namespace

void registerActivationGradients(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, KilnDialect *) {
    ReluOp::attachInterface<ActivationGradient<ReluOp, ReluGradOp>>(*ctx);
    SigmoidOp::attachInterface<ActivationGradient<SigmoidOp, SigmoidGradOp>>(
        *ctx);
    TanhOp::attachInterface<ActivationGradient<TanhOp, TanhGradOp>>(*ctx);
    SoftmaxOp::attachInterface<SoftmaxGradient>(*ctx);
    ExpOp::attachInterface<ExpGradient>(*ctx);
    LogOp::attachInterface<LogGradient>(*ctx);
    RsqrtOp::attachInterface<RsqrtGradient>(*ctx);
    HardSigmoidOp::attachInterface<HardSigmoidGradient>(*ctx);
    DropoutOp::attachInterface<DropoutGradient>(*ctx);
  });
}

} // namespace kiln::grad
