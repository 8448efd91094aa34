//===- Metrics.cpp - Keras accuracy metrics -------------------------------===//
//
//   binary_accuracy       one all-reduction generic counting
//                         (p > threshold) == y, divided by the element count
//   categorical_accuracy  the row arg-maxes of y_true and of y_pred (first
//                         index on ties), then a count of equal arg-maxes
//                         divided by the row count
//   sparse_categorical_accuracy
//                         the arg-max of y_pred, then a count of rows whose
//                         label (cast to i64) equals it
//
// The arg-max is a max reduction, then a min-index reduction over the
// positions that hold the maximum (buildFirstArgMax): the first index wins
// whatever order the loops run in, and both reductions vectorize.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/Utils.h"

using namespace mlir;

namespace kiln::lowering {
namespace {

/// Row-wise first arg-max (as i64) of each of `inputs` along their last axis.
SmallVector<Value> rowArgMax(OpBuilder &b, Location loc, ValueRange inputs) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  int64_t rank = type.getRank();
  SmallVector<bool> lastAxis(rank, false);
  lastAxis.back() = true;
  Sizes rows = selectSizes(sizesOf(b, loc, inputs[0]), lastAxis,
                           /*keep=*/false);
  AffineMap id = b.getMultiDimIdentityMap(rank);
  AffineMap rowMap = projectionMap(b.getContext(), lastAxis);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  SmallVector<Value> indices;
  for (Value input : inputs) {
    Value none = i64Constant(b, loc, std::numeric_limits<int64_t>::max());
    Type et = cast<RankedTensorType>(input.getType()).getElementType();
    Value maxInit = filledTensor(b, loc, rows, negInfinity(b, loc, et));
    Value idxInit = filledTensor(b, loc, rows, none);
    indices.push_back(
        buildFirstArgMax(b, loc, input, id, rowMap, iterators, maxInit, idxInit,
                         none, [&](OpBuilder &nb, Location nl) {
                           return loopIndexI64(nb, nl, rank - 1);
                         })
            .second);
  }
  return indices;
}

/// mean over the loop nest `sizes` of [hit(elements)], as a 0-d tensor.
Value meanOfHits(
    OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, ValueRange inputs,
    ArrayRef<AffineMap> maps, Type et,
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange)> hit) {
  Value zero = floatConstant(b, loc, et, 0.0);
  SmallVector<bool> all(sizes.size(), true);
  Value count =
      buildReduction(b, loc, sizes, all, inputs, maps, zero,
                     [&](OpBuilder &nb, Location nl, ValueRange a) {
                       Value h = hit(nb, nl, a.drop_back());
                       Value one = floatConstant(nb, nl, et, 1.0);
                       Value inc =
                           arith::SelectOp::create(nb, nl, h, one, zero);
                       return SmallVector<Value>{
                           arith::AddFOp::create(nb, nl, a.back(), inc)};
                     })
          .front();
  return divideScalarTensor(b, loc, count, countAsFloat(b, loc, sizes, et));
}

struct BinaryAccuracyLowering : OpConversionPattern<BinaryAccuracyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BinaryAccuracyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value y = adaptor.getYTrue(), p = adaptor.getYPred();
    auto type = cast<RankedTensorType>(p.getType());
    Type et = type.getElementType();
    double threshold = op.getThreshold().convertToDouble();
    AffineMap id = rewriter.getMultiDimIdentityMap(type.getRank());
    Value r = meanOfHits(
        rewriter, loc, sizesOf(rewriter, loc, p), {y, p}, {id, id}, et,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value above =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, a[1],
                                    floatConstant(b, l, et, threshold));
          Value pred =
              arith::SelectOp::create(b, l, above, floatConstant(b, l, et, 1.0),
                                      floatConstant(b, l, et, 0.0));
          return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, pred,
                                       a[0]);
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, r, op.getResult().getType()));
    return success();
  }
};

struct CategoricalAccuracyLowering
    : OpConversionPattern<CategoricalAccuracyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CategoricalAccuracyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value y = adaptor.getYTrue(), p = adaptor.getYPred();
    auto type = cast<RankedTensorType>(p.getType());
    SmallVector<Value> idx = rowArgMax(rewriter, loc, {y, p});
    Sizes rows = sizesOf(rewriter, loc, idx[0]);
    AffineMap id = rewriter.getMultiDimIdentityMap(rows.size());
    Value r =
        meanOfHits(rewriter, loc, rows, idx, {id, id}, type.getElementType(),
                   [](OpBuilder &b, Location l, ValueRange a) -> Value {
                     return arith::CmpIOp::create(
                         b, l, arith::CmpIPredicate::eq, a[0], a[1]);
                   });
    rewriter.replaceOp(op, castTo(rewriter, loc, r, op.getResult().getType()));
    return success();
  }
};

struct SparseCategoricalAccuracyLowering
    : OpConversionPattern<SparseCategoricalAccuracyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SparseCategoricalAccuracyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value labels = adaptor.getYTrue(), p = adaptor.getYPred();
    auto type = cast<RankedTensorType>(p.getType());
    Value idx = rowArgMax(rewriter, loc, p).front();
    Sizes rows = sizesOf(rewriter, loc, idx);
    unsigned n = rows.size();
    AffineMap id = rewriter.getMultiDimIdentityMap(n);
    AffineMap labelMap = sparseLabelMap(ctx, n, labels, type.getRank());
    Value r = meanOfHits(rewriter, loc, rows, {labels, idx}, {labelMap, id},
                         type.getElementType(),
                         [](OpBuilder &b, Location l, ValueRange a) -> Value {
                           return arith::CmpIOp::create(
                               b, l, arith::CmpIPredicate::eq,
                               labelToI64(b, l, a[0]), a[1]);
                         });
    rewriter.replaceOp(op, castTo(rewriter, loc, r, op.getResult().getType()));
    return success();
  }
};

} // namespace

void populateMetricPatterns(RewritePatternSet &patterns) {
  patterns.add<BinaryAccuracyLowering, CategoricalAccuracyLowering,
               SparseCategoricalAccuracyLowering>(patterns.getContext());
}

} // namespace kiln::lowering
