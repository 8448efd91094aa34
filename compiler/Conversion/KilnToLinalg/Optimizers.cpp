//===- Optimizers.cpp - Keras 3 optimizer updates -------------------------===//
//
// Each update is ONE all-parallel linalg.generic that reads the gradient as
// its input and uses the parameter and its optimizer state as its outputs
// (destination-passing style: the body reads their old values from the
// output block arguments), so bufferization can update the runtime-owned
// buffers in place and every element is visited once:
//
//   %p1, %m1, %v1 = kiln.adam_update %p, %g, %m, %v, %it ...
// becomes (alpha computed from %it and the learning rate %lr, an f32 the
// step reads at run time, with scalar arith/math before the loop)
//   %r:3 = linalg.generic {iterator_types = ["parallel"]}
//            ins(%g) outs(%p, %m, %v) { ... linalg.yield %p1, %m1, %v1 }
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/Utils.h"

using namespace mlir;

namespace kiln::lowering {
namespace {

/// The update generic: the body gets (g, p, state...) and yields the new
/// (p, state...).
SmallVector<Value> buildUpdate(OpBuilder &b, Location loc, Value grad,
                               ValueRange outs, BodyFn body) {
  unsigned rank = cast<RankedTensorType>(grad.getType()).getRank();
  AffineMap id = b.getMultiDimIdentityMap(rank);
  SmallVector<AffineMap> outMaps(outs.size(), id);
  return buildGeneric(
      b, loc, grad, id, outs, outMaps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      body);
}

Value fc(OpBuilder &b, Location loc, Value like, double v) {
  return floatConstant(b, loc, like.getType(), v);
}

/// The learning rate operand in the parameter's element type, made before
/// the update generic (whose body reads it from above).
Value learningRate(OpBuilder &b, Location loc, Value lr, Value param) {
  auto et = cast<FloatType>(
      cast<RankedTensorType>(param.getType()).getElementType());
  unsigned from = cast<FloatType>(lr.getType()).getWidth();
  if (et.getWidth() < from)
    return arith::TruncFOp::create(b, loc, et, lr);
  if (et.getWidth() > from)
    return arith::ExtFOp::create(b, loc, et, lr);
  return lr;
}

Value mul(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
Value add(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
Value sub(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::SubFOp::create(b, loc, x, y);
}
Value div(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::DivFOp::create(b, loc, x, y);
}

struct SgdLowering : OpConversionPattern<SgdUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SgdUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value lr = learningRate(rewriter, op.getLoc(), adaptor.getLearningRate(),
                            adaptor.getParam());
    // p' = p - lr * g
    rewriter.replaceOp(
        op, buildUpdate(rewriter, op.getLoc(), adaptor.getGrad(),
                        adaptor.getParam(),
                        [&](OpBuilder &b, Location l, ValueRange a) {
                          Value g = a[0], p = a[1];
                          return SmallVector<Value>{
                              sub(b, l, p, mul(b, l, lr, g))};
                        }));
    return success();
  }
};

struct SgdMomentumLowering : OpConversionPattern<SgdMomentumUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SgdMomentumUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value lr = learningRate(rewriter, op.getLoc(), adaptor.getLearningRate(),
                            adaptor.getParam());
    double m = op.getMomentum().convertToDouble();
    bool nesterov = op.getNesterov();
    // v' = m v - lr g; p' = p + v' (or p + m v' - lr g with Nesterov)
    rewriter.replaceOp(
        op,
        buildUpdate(rewriter, op.getLoc(), adaptor.getGrad(),
                    {adaptor.getParam(), adaptor.getVelocity()},
                    [&](OpBuilder &b, Location l, ValueRange a) {
                      Value g = a[0], p = a[1], v = a[2];
                      Value lrg = mul(b, l, lr, g);
                      Value v1 = sub(b, l, mul(b, l, fc(b, l, v, m), v), lrg);
                      Value step =
                          nesterov
                              ? sub(b, l, mul(b, l, fc(b, l, v, m), v1), lrg)
                              : v1;
                      return SmallVector<Value>{add(b, l, p, step), v1};
                    }));
    return success();
  }
};

struct RmspropLowering : OpConversionPattern<RmspropUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RmspropUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value lr = learningRate(rewriter, op.getLoc(), adaptor.getLearningRate(),
                            adaptor.getParam());
    double rho = op.getRho().convertToDouble();
    double eps = op.getEpsilon().convertToDouble();
    // v' = rho v + (1 - rho) g^2; p' = p - lr g / sqrt(v' + eps)
    rewriter.replaceOp(
        op, buildUpdate(rewriter, op.getLoc(), adaptor.getGrad(),
                        {adaptor.getParam(), adaptor.getVelocity()},
                        [&](OpBuilder &b, Location l, ValueRange a) {
                          Value g = a[0], p = a[1], v = a[2];
                          Value v1 = add(b, l, mul(b, l, fc(b, l, v, rho), v),
                                         mul(b, l, fc(b, l, g, 1.0 - rho),
                                             mul(b, l, g, g)));
                          Value den = math::SqrtOp::create(
                              b, l, add(b, l, v1, fc(b, l, v, eps)));
                          Value inc =
                              div(b, l, mul(b, l, lr, g), den);
                          return SmallVector<Value>{sub(b, l, p, inc), v1};
                        }));
    return success();
  }
};

struct AdamLowering : OpConversionPattern<AdamUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AdamUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Type et = op.getParam().getType().getElementType();
    Value lr = learningRate(rewriter, op.getLoc(), adaptor.getLearningRate(),
                            adaptor.getParam());
    double beta1 = op.getBeta_1().convertToDouble();
    double beta2 = op.getBeta_2().convertToDouble();
    double eps = op.getEpsilon().convertToDouble();
    // t = iterations + 1; alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)
    Value next = arith::AddIOp::create(b, loc, adaptor.getIterations(),
                                       i64Constant(b, loc, 1));
    Value t = arith::SIToFPOp::create(b, loc, et, next);
    Value one = floatConstant(b, loc, et, 1.0);
    Value b1t =
        math::PowFOp::create(b, loc, floatConstant(b, loc, et, beta1), t);
    Value b2t =
        math::PowFOp::create(b, loc, floatConstant(b, loc, et, beta2), t);
    Value alpha = div(b, loc,
                      mul(b, loc, lr, math::SqrtOp::create(b, loc, sub(b, loc, one, b2t))),
                      sub(b, loc, one, b1t));
    // m' = m + (g - m)(1 - beta_1); v' = v + (g^2 - v)(1 - beta_2);
    // p' = p - m' alpha / (sqrt(v') + eps)
    rewriter.replaceOp(
        op,
        buildUpdate(
            b, loc, adaptor.getGrad(),
            {adaptor.getParam(), adaptor.getMomentum(), adaptor.getVelocity()},
            [&](OpBuilder &nb, Location l, ValueRange a) {
              Value g = a[0], p = a[1], m = a[2], v = a[3];
              Value m1 =
                  add(nb, l, m,
                      mul(nb, l, sub(nb, l, g, m), fc(nb, l, g, 1.0 - beta1)));
              Value v1 = add(nb, l, v,
                             mul(nb, l, sub(nb, l, mul(nb, l, g, g), v),
                                 fc(nb, l, g, 1.0 - beta2)));
              Value den = add(nb, l, math::SqrtOp::create(nb, l, v1),
                              fc(nb, l, g, eps));
              Value step = div(nb, l, mul(nb, l, m1, alpha), den);
              return SmallVector<Value>{sub(nb, l, p, step), m1, v1};
            }));
    return success();
  }
};

struct AdagradLowering : OpConversionPattern<AdagradUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AdagradUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value lr = learningRate(rewriter, op.getLoc(), adaptor.getLearningRate(),
                            adaptor.getParam());
    double eps = op.getEpsilon().convertToDouble();
    // acc' = acc + g^2; p' = p - lr g / sqrt(acc' + eps)
    rewriter.replaceOp(
        op, buildUpdate(rewriter, op.getLoc(), adaptor.getGrad(),
                        {adaptor.getParam(), adaptor.getAccumulator()},
                        [&](OpBuilder &b, Location l, ValueRange a) {
                          Value g = a[0], p = a[1], acc = a[2];
                          Value acc1 = add(b, l, acc, mul(b, l, g, g));
                          Value den = math::SqrtOp::create(
                              b, l, add(b, l, acc1, fc(b, l, g, eps)));
                          Value inc =
                              div(b, l, mul(b, l, lr, g), den);
                          return SmallVector<Value>{sub(b, l, p, inc), acc1};
                        }));
    return success();
  }
};

} // namespace

void populateOptimizerPatterns(RewritePatternSet &patterns) {
  patterns.add<SgdLowering, SgdMomentumLowering, RmspropLowering, AdamLowering,
               AdagradLowering>(patterns.getContext());
}

} // namespace kiln::lowering
