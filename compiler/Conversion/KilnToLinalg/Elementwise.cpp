//===- Elementwise.cpp - Elementwise kiln ops to linalg.generic -----------===//
//
// Broadcasting arithmetic, activations and activation gradients all become
// one all-parallel linalg.generic whose operands are read through NumPy
// broadcasting maps (Utils.h: broadcastMap); only the scalar body differs.
//
//   %y = kiln.add %a, %b : tensor<?x3xf32>, tensor<3xf32>
// becomes
//   %e = tensor.empty(%n) : tensor<?x3xf32>
//   %y = linalg.generic {indexing_maps = [(d0, d1) -> (d0, d1), (d0, d1) ->
//   (d1),
//                                         (d0, d1) -> (d0, d1)], ...}
//          ins(%a, %b) outs(%e) { arith.addf }
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/Utils.h"

using namespace mlir;

namespace kiln::lowering {
namespace {

using ScalarFn = Value (*)(OpBuilder &, Location, ValueRange);

/// Any kiln op whose result is a scalar function of its broadcast operands.
template <typename OpTy>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  ElementwiseLowering(MLIRContext *ctx, ScalarFn fn)
      : OpConversionPattern<OpTy>(ctx), fn(fn) {}

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    ValueRange operands = adaptor.getOperands();
    Value result = buildBroadcastMap(
        rewriter, loc, type, broadcastSizes(rewriter, loc, type, operands),
        operands, [&](OpBuilder &b, Location l, ValueRange args) {
          return SmallVector<Value>{fn(b, l, args.drop_back())};
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  ScalarFn fn;
};

/// broadcast_like reads only `like`'s sizes, never its elements.
struct BroadcastLikeLowering : OpConversionPattern<BroadcastLikeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BroadcastLikeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    Value result = buildBroadcastMap(
        rewriter, loc, type, sizesOf(rewriter, loc, adaptor.getLike()),
        adaptor.getInput(), [](OpBuilder &, Location, ValueRange args) {
          return SmallVector<Value>{args[0]};
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

Value one(OpBuilder &b, Location loc, Value like) {
  return floatConstant(b, loc, like.getType(), 1.0);
}

template <typename ArithOp>
Value binary(OpBuilder &b, Location loc, ValueRange a) {
  return ArithOp::create(b, loc, a[0], a[1]);
}

template <typename MathOp>
Value unary(OpBuilder &b, Location loc, ValueRange a) {
  return MathOp::create(b, loc, a[0]);
}

/// 1.0 where `lhs Predicate rhs` holds, else 0.0 (ordered: NaN compares
/// false, except for not_equal, which is unordered as NumPy's `!=`).
template <arith::CmpFPredicate Predicate>
Value compare(OpBuilder &b, Location loc, ValueRange a) {
  Value holds = arith::CmpFOp::create(b, loc, Predicate, a[0], a[1]);
  return arith::UIToFPOp::create(b, loc, a[0].getType(), holds);
}

Value relu(OpBuilder &b, Location loc, ValueRange a) {
  return arith::MaximumFOp::create(b, loc, a[0],
                                   floatConstant(b, loc, a[0].getType(), 0.0));
}

Value sigmoid(OpBuilder &b, Location loc, ValueRange a) {
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, a[0]));
  Value d = arith::AddFOp::create(b, loc, one(b, loc, a[0]), e);
  return arith::DivFOp::create(b, loc, one(b, loc, a[0]), d);
}

// Gradients: a[0] is dy, a[1] the activation's result y.
Value reluGrad(OpBuilder &b, Location loc, ValueRange a) {
  Value zero = floatConstant(b, loc, a[0].getType(), 0.0);
  Value pos =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[1], zero);
  return arith::SelectOp::create(b, loc, pos, a[0], zero);
}

Value sigmoidGrad(OpBuilder &b, Location loc, ValueRange a) {
  Value rest = arith::SubFOp::create(b, loc, one(b, loc, a[1]), a[1]);
  Value d = arith::MulFOp::create(b, loc, a[1], rest);
  return arith::MulFOp::create(b, loc, a[0], d);
}

Value tanhGrad(OpBuilder &b, Location loc, ValueRange a) {
  Value sq = arith::MulFOp::create(b, loc, a[1], a[1]);
  Value d = arith::SubFOp::create(b, loc, one(b, loc, a[1]), sq);
  return arith::MulFOp::create(b, loc, a[0], d);
}

// hard_sigmoid and its adjoint (a[0] is dy, a[1] the result y): scalar
// functions of their operands and the op's slope.
Value hardSigmoid(OpBuilder &b, Location loc, ValueRange a, double slope) {
  Type t = a[0].getType();
  Value y = arith::AddFOp::create(
      b, loc, arith::MulFOp::create(b, loc, a[0], floatConstant(b, loc, t, slope)),
      floatConstant(b, loc, t, 0.5));
  return clampFloat(b, loc, y, 0.0, 1.0);
}

Value hardSigmoidGrad(OpBuilder &b, Location loc, ValueRange a, double slope) {
  Type t = a[0].getType();
  Value zero = floatConstant(b, loc, t, 0.0);
  Value above =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[1], zero);
  Value below = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, a[1],
                                      floatConstant(b, loc, t, 1.0));
  Value inside = arith::AndIOp::create(b, loc, above, below);
  Value scaled =
      arith::MulFOp::create(b, loc, a[0], floatConstant(b, loc, t, slope));
  return arith::SelectOp::create(b, loc, inside, scaled, zero);
}

/// An elementwise kiln op with a `slope` attribute, lowered as
/// ElementwiseLowering lowers the others.
template <typename OpTy>
struct SlopedElementwiseLowering : OpConversionPattern<OpTy> {
  using SlopedFn = Value (*)(OpBuilder &, Location, ValueRange, double);
  SlopedElementwiseLowering(MLIRContext *ctx, SlopedFn fn)
      : OpConversionPattern<OpTy>(ctx), fn(fn) {}

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    double slope = op.getSlope().convertToDouble();
    ValueRange operands = adaptor.getOperands();
    Value result = buildBroadcastMap(
        rewriter, loc, type, broadcastSizes(rewriter, loc, type, operands),
        operands, [&](OpBuilder &b, Location l, ValueRange args) {
          return SmallVector<Value>{fn(b, l, args.drop_back(), slope)};
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  SlopedFn fn;
};

} // namespace

void populateElementwisePatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ElementwiseLowering<AddOp>>(ctx, binary<arith::AddFOp>);
  patterns.add<ElementwiseLowering<SubOp>>(ctx, binary<arith::SubFOp>);
  patterns.add<ElementwiseLowering<MulOp>>(ctx, binary<arith::MulFOp>);
  patterns.add<ElementwiseLowering<DivOp>>(ctx, binary<arith::DivFOp>);
  patterns.add<ElementwiseLowering<MaximumOp>>(ctx, binary<arith::MaximumFOp>);
  patterns.add<ElementwiseLowering<MinimumOp>>(ctx, binary<arith::MinimumFOp>);
  using P = arith::CmpFPredicate;
  patterns.add<ElementwiseLowering<EqualOp>>(ctx, compare<P::OEQ>);
  patterns.add<ElementwiseLowering<NotEqualOp>>(ctx, compare<P::UNE>);
  patterns.add<ElementwiseLowering<GreaterOp>>(ctx, compare<P::OGT>);
  patterns.add<ElementwiseLowering<GreaterEqualOp>>(ctx, compare<P::OGE>);
  patterns.add<ElementwiseLowering<LessOp>>(ctx, compare<P::OLT>);
  patterns.add<ElementwiseLowering<LessEqualOp>>(ctx, compare<P::OLE>);
  patterns.add<ElementwiseLowering<ReluOp>>(ctx, relu);
  patterns.add<ElementwiseLowering<SigmoidOp>>(ctx, sigmoid);
  patterns.add<ElementwiseLowering<TanhOp>>(ctx, unary<math::TanhOp>);
  patterns.add<ElementwiseLowering<ExpOp>>(ctx, unary<math::ExpOp>);
  patterns.add<ElementwiseLowering<LogOp>>(ctx, unary<math::LogOp>);
  patterns.add<ElementwiseLowering<RsqrtOp>>(ctx, unary<math::RsqrtOp>);
  patterns.add<ElementwiseLowering<ReluGradOp>>(ctx, reluGrad);
  patterns.add<ElementwiseLowering<SigmoidGradOp>>(ctx, sigmoidGrad);
  patterns.add<ElementwiseLowering<TanhGradOp>>(ctx, tanhGrad);
  patterns.add<BroadcastLikeLowering>(ctx);
  patterns.add<SlopedElementwiseLowering<HardSigmoidOp>>(ctx, hardSigmoid);
  patterns.add<SlopedElementwiseLowering<HardSigmoidGradOp>>(ctx, hardSigmoidGrad);
}

} // namespace kiln::lowering
