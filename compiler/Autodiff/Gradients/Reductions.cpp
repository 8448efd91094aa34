//===- Reductions.cpp - Gradients of reduce_sum, reduce_mean, reduce_max --===//
//
// Sum and mean spread the adjoint back over the reduced axes with
// kiln.broadcast_like (mean first divides it by the reduced element count,
// read from tensor.dim when a reduced size is dynamic); max routes it to the
// maxima with kiln.reduce_max_grad.
//
//===----------------------------------------------------------------------===//
#include "compiler/Autodiff/Gradients/Gradients.h"

using namespace mlir;

namespace kiln::grad {
namespace {

/// d sum(x) = broadcast(dy); d mean(x) = broadcast(dy / count).
template <typename OpTy>
struct ReduceSumMeanGradient
    : GradientOpInterface::ExternalModel<ReduceSumMeanGradient<OpTy>, OpTy> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto reduce = cast<OpTy>(op);
    Location loc = op->getLoc();
    Value x = reduce.getInput(), dy = dys[0];
    if constexpr (std::is_same_v<OpTy, ReduceMeanOp>)
      dy = DivOp::create(b, loc, dy, reducedCount(b, loc, x, reduce.getAxes()));
    Value dx =
        broadcastReduced(b, loc, dy, x, reduce.getAxes(), reduce.getKeepdims());
    dxs.push_back(castTo(b, loc, dx, x.getType()));
    return success();
  }
};

/// dy shared among the positions holding the maximum.
struct ReduceMaxGradient
    : GradientOpInterface::ExternalModel<ReduceMaxGradient, ReduceMaxOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto reduce = cast<ReduceMaxOp>(op);
    Location loc = op->getLoc();
    Value dx = ReduceMaxGradOp::create(b, loc, dys[0], reduce.getInput(),
                                       reduce.getResult(), reduce.getAxesAttr(),
                                       reduce.getKeepdimsAttr());
    dxs.push_back(castTo(b, loc, dx, reduce.getInput().getType()));
    return success();
  }
};

} // namespace

void registerReductionGradients(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, KilnDialect *) {
    ReduceSumOp::attachInterface<ReduceSumMeanGradient<ReduceSumOp>>(*ctx);
    ReduceMeanOp::attachInterface<ReduceSumMeanGradient<ReduceMeanOp>>(*ctx);
    ReduceMaxOp::attachInterface<ReduceMaxGradient>(*ctx);
  });
}

} // namespace kiln::grad
