//===- Reductions.cpp - Reductions, softmax and their gradients -----------===//
//
// Every reduction is a linalg.generic whose reduced loops carry `reduction`
// iterators and whose output map drops them; keepdims re-inserts the unit
// dimensions with tensor.expand_shape afterwards, so the generic's output map
// stays a projected permutation (what tiling and vectorization want).
//
//   reduce_sum/max   one generic (init 0 / -inf, addf / maximumf)
//   reduce_mean      the sum, then one elementwise division by the number of
//                    reduced elements (tensor.dim products when dynamic)
//   reduce_like      a sum over the broadcast dimensions, then expand_shape
//   reduce_max_grad  count of positions equal to the max, then
//                    dx = x == max ? dy / count : 0
//   softmax          max, sum(exp(x - max)), exp(x - max) / sum: 3 generics
//   softmax_grad     s = sum(dy * y), then y * (dy - s)
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/Utils.h"
#include "dialects/Kiln/IR/ShapeInference.h"

using namespace mlir;

namespace kiln::lowering {
namespace {

enum class ReduceKind { sum, mean, max };

/// Sums (or takes the max of) `input` over the dims marked in `reduced`; the
/// result drops them.
Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<bool> reduced,
             ReduceKind kind) {
  Type et = cast<RankedTensorType>(input.getType()).getElementType();
  Sizes sizes = sizesOf(b, loc, input);
  AffineMap id = b.getMultiDimIdentityMap(reduced.size());
  bool isMax = kind == ReduceKind::max;
  Value init = isMax ? negInfinity(b, loc, et) : floatConstant(b, loc, et, 0.0);
  Value r = buildReduction(
                b, loc, sizes, reduced, input, id, init,
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  Value v =
                      isMax
                          ? arith::MaximumFOp::create(nb, nl, args[0], args[1])
                                .getResult()
                          : arith::AddFOp::create(nb, nl, args[0], args[1])
                                .getResult();
                  return SmallVector<Value>{v};
                })
                .front();
  if (kind != ReduceKind::mean)
    return r;
  Value count = countAsFloat(b, loc, selectSizes(sizes, reduced, true), et);
  Sizes kept = selectSizes(sizes, reduced, false);
  return buildMap(b, loc, kept, r, b.getMultiDimIdentityMap(kept.size()), et,
                  [&](OpBuilder &nb, Location nl, ValueRange args) {
                    return SmallVector<Value>{
                        arith::DivFOp::create(nb, nl, args[0], count)};
                  })
      .front();
}

template <typename OpTy, ReduceKind Kind>
struct ReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
    SmallVector<bool> mask = axesMask(op.getAxes(), rank);
    Value r = reduce(rewriter, loc, input, mask, Kind);
    if (op.getKeepdims())
      r = insertUnitDims(rewriter, loc, r, mask);
    rewriter.replaceOp(op, castTo(rewriter, loc, r, op.getResult().getType()));
    return success();
  }
};

struct ReduceLikeLowering : OpConversionPattern<ReduceLikeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReduceLikeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inType = cast<RankedTensorType>(input.getType());
    RankedTensorType type = op.getResult().getType();
    int64_t offset = inType.getRank() - type.getRank();
    // Reduce the leading dims `like` lacks and those where it has size 1.
    SmallVector<bool> reduced(inType.getRank(), false),
        unit(type.getRank(), false);
    for (int64_t i = 0; i < inType.getRank(); ++i) {
      if (i < offset) {
        reduced[i] = true;
        continue;
      }
      unit[i - offset] =
          type.getDimSize(i - offset) == 1 && inType.getDimSize(i) != 1;
      reduced[i] = unit[i - offset];
    }
    Value r = input;
    if (llvm::is_contained(reduced, true))
      r = reduce(rewriter, loc, input, reduced, ReduceKind::sum);
    if (llvm::is_contained(unit, true))
      r = insertUnitDims(rewriter, loc, r, unit);
    rewriter.replaceOp(op, castTo(rewriter, loc, r, type));
    return success();
  }
};

struct ReduceMaxGradLowering : OpConversionPattern<ReduceMaxGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReduceMaxGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput(), max = adaptor.getOutput(),
          dy = adaptor.getDy();
    auto type = cast<RankedTensorType>(x.getType());
    Type et = type.getElementType();
    SmallVector<bool> mask = axesMask(op.getAxes(), type.getRank());
    // dy and max are shaped as the reduction's result, with or without the
    // unit dims; both read the same element for every reduced position.
    AffineMap resultMap =
        op.getKeepdims() ? unitDimMap(ctx, mask) : projectionMap(ctx, mask);
    AffineMap id = rewriter.getMultiDimIdentityMap(type.getRank());
    Sizes sizes = sizesOf(rewriter, loc, x);
    Value zero = floatConstant(rewriter, loc, et, 0.0);
    Value count =
        buildReduction(
            rewriter, loc, sizes, mask, {x, max}, {id, resultMap}, zero,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value eq = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                               args[0], args[1]);
              return SmallVector<Value>{addOneIf(b, l, args[2], eq)};
            })
            .front();
    Value dx =
        buildMap(rewriter, loc, sizesFor(type, sizes), {dy, x, max, count},
                 {resultMap, id, resultMap, projectionMap(ctx, mask)}, et,
                 [&](OpBuilder &b, Location l, ValueRange args) {
                   Value eq = arith::CmpFOp::create(
                       b, l, arith::CmpFPredicate::OEQ, args[1], args[2]);
                   Value share = arith::DivFOp::create(b, l, args[0], args[3]);
                   return SmallVector<Value>{
                       arith::SelectOp::create(b, l, eq, share, zero)};
                 })
            .front();
    rewriter.replaceOp(op, dx);
    return success();
  }
};

struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t axis = *normalizeAxis(op.getAxis(), type.getRank());
    auto [max, sum] = softmaxStatistics(rewriter, loc, x, axis);
    SmallVector<bool> mask(type.getRank(), false);
    mask[axis] = true;
    AffineMap row = projectionMap(rewriter.getContext(), mask);
    Value y =
        buildMap(rewriter, loc, sizesOf(rewriter, loc, x), {x, max, sum},
                 {rewriter.getMultiDimIdentityMap(type.getRank()), row, row},
                 type.getElementType(),
                 [](OpBuilder &b, Location l, ValueRange args) {
                   Value d = arith::SubFOp::create(b, l, args[0], args[1]);
                   Value e = math::ExpOp::create(b, l, d);
                   return SmallVector<Value>{
                       arith::DivFOp::create(b, l, e, args[2])};
                 })
            .front();
    rewriter.replaceOp(op, castTo(rewriter, loc, y, op.getResult().getType()));
    return success();
  }
};

struct SoftmaxGradLowering : OpConversionPattern<SoftmaxGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value dy = adaptor.getDy(), y = adaptor.getOutput();
    auto type = cast<RankedTensorType>(y.getType());
    Type et = type.getElementType();
    SmallVector<bool> mask(type.getRank(), false);
    mask[*normalizeAxis(op.getAxis(), type.getRank())] = true;
    AffineMap id = rewriter.getMultiDimIdentityMap(type.getRank());
    Sizes sizes = sizesOf(rewriter, loc, y);
    Value s = buildReduction(rewriter, loc, sizes, mask, {dy, y}, {id, id},
                             floatConstant(rewriter, loc, et, 0.0),
                             [](OpBuilder &b, Location l, ValueRange args) {
                               Value p = arith::MulFOp::create(b, l, args[0],
                                                               args[1]);
                               return SmallVector<Value>{
                                   arith::AddFOp::create(b, l, args[2], p)};
                             })
                  .front();
    Value dx =
        buildMap(rewriter, loc, sizes, {dy, y, s},
                 {id, id, projectionMap(rewriter.getContext(), mask)}, et,
                 [](OpBuilder &b, Location l, ValueRange args) {
                   Value d = arith::SubFOp::create(b, l, args[0], args[2]);
                   return SmallVector<Value>{
                       arith::MulFOp::create(b, l, args[1], d)};
                 })
            .front();
    rewriter.replaceOp(op, dx);
    return success();
  }
};

} // namespace

/// The first arg-max's i64 index converted to the input's float type.
struct ArgmaxLowering : OpConversionPattern<ArgmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ArgmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    int64_t axis = *normalizeAxis(op.getAxis(), type.getRank() + 1);
    Value index = firstArgMaxAlong(rewriter, loc, x, axis);
    AffineMap id = rewriter.getMultiDimIdentityMap(type.getRank());
    Value result =
        buildMap(rewriter, loc, sizesOf(rewriter, loc, index), index, id,
                 type.getElementType(),
                 [&](OpBuilder &b, Location l, ValueRange args) {
                   return SmallVector<Value>{arith::SIToFPOp::create(
                       b, l, type.getElementType(), args[0])};
                 })
            .front();
    rewriter.replaceOp(op, result);
    return success();
  }
};

void populateReductionPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<ReduceSumOp, ReduceKind::sum>,
               ReduceLowering<ReduceMeanOp, ReduceKind::mean>,
               ReduceLowering<ReduceMaxOp, ReduceKind::max>, ReduceLikeLowering,
               ReduceMaxGradLowering, ArgmaxLowering, SoftmaxLowering, SoftmaxGradLowering>(
      patterns.getContext());
}

} // namespace kiln::lowering
