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
//   top_k_categorical_accuracy, sparse_top_k_categorical_accuracy
//                         the target's score per row (a masked sum), the
//                         count of classes scoring strictly above it, then
//                         the fraction of rows where that count is below k
//   confusion_counts      one reduction over (row of the counts, threshold,
//                         element...) counting the elements whose label and
//                         prediction fit the row (tp, fp, tn, fn); top_k
//                         first counts, per element, the elements of its row
//                         that rank before it (higher, or equal at a lower
//                         index)
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
  SmallVector<Value> indices;
  for (Value input : inputs)
    indices.push_back(firstArgMaxAlong(
        b, loc, input, cast<RankedTensorType>(input.getType()).getRank() - 1));
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
                       return SmallVector<Value>{addOneIf(
                           nb, nl, a.back(), hit(nb, nl, a.drop_back()))};
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

/// Per row of `p` (all axes but the last): the number of classes scoring
/// strictly above the class `target` (an i64 per row) names, as f32.
Value classesAboveTarget(OpBuilder &b, Location loc, Value p, Value target) {
  auto type = cast<RankedTensorType>(p.getType());
  Type et = type.getElementType();
  int64_t rank = type.getRank();
  SmallVector<bool> lastAxis(rank, false);
  lastAxis.back() = true;
  Sizes sizes = sizesOf(b, loc, p);
  AffineMap id = b.getMultiDimIdentityMap(rank);
  AffineMap rowMap = projectionMap(b.getContext(), lastAxis);
  Value zero = floatConstant(b, loc, et, 0.0);
  // The target's score: the one class whose index is the target's.
  Value score =
      buildReduction(b, loc, sizes, lastAxis, {p, target}, {id, rowMap}, zero,
                     [&](OpBuilder &nb, Location nl, ValueRange a) {
                       Value here = arith::CmpIOp::create(
                           nb, nl, arith::CmpIPredicate::eq,
                           loopIndexI64(nb, nl, rank - 1), a[1]);
                       Value pick = arith::SelectOp::create(
                           nb, nl, here, a[0], floatConstant(nb, nl, et, 0.0));
                       return SmallVector<Value>{
                           arith::AddFOp::create(nb, nl, a[2], pick)};
                     })
          .front();
  return buildReduction(
             b, loc, sizes, lastAxis, {p, score}, {id, rowMap}, zero,
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               Value above = arith::CmpFOp::create(
                   nb, nl, arith::CmpFPredicate::OGT, a[0], a[1]);
               return SmallVector<Value>{addOneIf(nb, nl, a[2], above)};
             })
      .front();
}

/// The fraction of rows whose target has fewer than k classes above it.
Value topKAccuracy(OpBuilder &b, Location loc, Value p, Value target,
                   int64_t k) {
  Value above = classesAboveTarget(b, loc, p, target);
  auto type = cast<RankedTensorType>(above.getType());
  Type et = type.getElementType();
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  return meanOfHits(b, loc, sizesOf(b, loc, above), above, id, et,
                    [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                      return arith::CmpFOp::create(
                          nb, nl, arith::CmpFPredicate::OLT, a[0],
                          floatConstant(nb, nl, et, double(k)));
                    });
}

struct TopKCategoricalAccuracyLowering
    : OpConversionPattern<TopKCategoricalAccuracyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TopKCategoricalAccuracyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value target = rowArgMax(rewriter, loc, adaptor.getYTrue()).front();
    Value r = topKAccuracy(rewriter, loc, adaptor.getYPred(), target,
                           int64_t(op.getK()));
    rewriter.replaceOp(op, castTo(rewriter, loc, r, op.getResult().getType()));
    return success();
  }
};

struct SparseTopKCategoricalAccuracyLowering
    : OpConversionPattern<SparseTopKCategoricalAccuracyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SparseTopKCategoricalAccuracyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value labels = adaptor.getYTrue(), p = adaptor.getYPred();
    auto type = cast<RankedTensorType>(p.getType());
    // The labels as one i64 per row of y_pred.
    SmallVector<bool> lastAxis(type.getRank(), false);
    lastAxis.back() = true;
    Sizes rows = selectSizes(sizesOf(rewriter, loc, p), lastAxis,
                             /*keep=*/false);
    AffineMap labelMap = sparseLabelMap(rewriter.getContext(), rows.size(),
                                        labels, type.getRank());
    Value target =
        buildMap(rewriter, loc, rows, labels, labelMap, rewriter.getI64Type(),
                 [](OpBuilder &nb, Location nl, ValueRange a) {
                   return SmallVector<Value>{labelToI64(nb, nl, a[0])};
                 })
            .front();
    Value r = topKAccuracy(rewriter, loc, p, target, int64_t(op.getK()));
    rewriter.replaceOp(op, castTo(rewriter, loc, r, op.getResult().getType()));
    return success();
  }
};

/// Per element of `p`: how many elements of its row (the last axis) rank
/// before it, higher or equal at a lower index (top_k's order), as f32.
Value rankInRow(OpBuilder &b, Location loc, Value p) {
  auto type = cast<RankedTensorType>(p.getType());
  Type et = type.getElementType();
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  // Loops (rows..., j, i): element j of the row against element i.
  Sizes sizes = sizesOf(b, loc, p);
  sizes.push_back(sizes.back());
  SmallVector<bool> reduced(rank + 1, false);
  reduced.back() = true;
  SmallVector<bool> dropI(rank + 1, false), dropJ(rank + 1, false);
  dropI.back() = true;
  dropJ[rank - 1] = true;
  return buildReduction(
             b, loc, sizes, reduced, {p, p},
             {projectionMap(ctx, dropI), projectionMap(ctx, dropJ)},
             floatConstant(b, loc, et, 0.0),
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               Value j = linalg::IndexOp::create(nb, nl, rank - 1);
               Value i = linalg::IndexOp::create(nb, nl, rank);
               Value higher = arith::CmpFOp::create(
                   nb, nl, arith::CmpFPredicate::OGT, a[1], a[0]);
               Value equal = arith::CmpFOp::create(
                   nb, nl, arith::CmpFPredicate::OEQ, a[1], a[0]);
               Value lower = arith::CmpIOp::create(
                   nb, nl, arith::CmpIPredicate::ult, i, j);
               Value before = arith::OrIOp::create(
                   nb, nl, higher, arith::AndIOp::create(nb, nl, equal, lower));
               return SmallVector<Value>{addOneIf(nb, nl, a[2], before)};
             })
      .front();
}

struct ConfusionCountsLowering : OpConversionPattern<ConfusionCountsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConfusionCountsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    OpBuilder &b = rewriter;
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    Value y = adaptor.getYTrue(), p = adaptor.getYPred();
    auto type = cast<RankedTensorType>(p.getType());
    Type et = type.getElementType();
    ArrayRef<float> thresholds = op.getThresholds();
    auto thresholdType =
        RankedTensorType::get({int64_t(thresholds.size())}, et);
    SmallVector<Attribute> values;
    for (float t : thresholds)
      values.push_back(b.getFloatAttr(et, t));
    Value thresholdTensor = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(thresholdType, values));

    // Loops (q, t, elements...): q picks the count, t the threshold; with
    // class_id the last axis is fixed at that class.
    std::optional<uint64_t> classId = op.getClassId();
    Sizes elementSizes = sizesOf(b, loc, p);
    if (classId)
      elementSizes.pop_back();
    unsigned loops = 2 + elementSizes.size();
    SmallVector<AffineExpr> element;
    for (unsigned d = 2; d < loops; ++d)
      element.push_back(getAffineDimExpr(d, ctx));
    if (classId)
      element.push_back(getAffineConstantExpr(int64_t(*classId), ctx));
    AffineMap elementMap = AffineMap::get(loops, 0, element, ctx);
    AffineMap thresholdMap =
        AffineMap::get(loops, 0, {getAffineDimExpr(1, ctx)}, ctx);

    SmallVector<Value> inputs = {thresholdTensor, y, p};
    SmallVector<AffineMap> maps = {thresholdMap, elementMap, elementMap};
    std::optional<uint64_t> topK = op.getTopK();
    if (topK) {
      inputs.push_back(rankInRow(b, loc, p));
      maps.push_back(elementMap);
    }
    Sizes loopSizes = {b.getIndexAttr(4), b.getIndexAttr(thresholds.size())};
    loopSizes.append(elementSizes);
    SmallVector<bool> reduced(loops, true);
    reduced[0] = reduced[1] = false;
    Value counts =
        buildReduction(
            b, loc, loopSizes, reduced, inputs, maps,
            floatConstant(b, loc, et, 0.0),
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value zero = floatConstant(nb, nl, et, 0.0);
              Value label = arith::CmpFOp::create(
                  nb, nl, arith::CmpFPredicate::UNE, a[1], zero);
              Value positive = arith::CmpFOp::create(
                  nb, nl, arith::CmpFPredicate::OGT, a[2], a[0]);
              if (topK)
                positive = arith::AndIOp::create(
                    nb, nl, positive,
                    arith::CmpFOp::create(
                        nb, nl, arith::CmpFPredicate::OLT, a[3],
                        floatConstant(nb, nl, et, double(*topK))));
              // q: 0 tp (label, positive), 1 fp (!label, positive),
              // 2 tn (!label, !positive), 3 fn (label, !positive).
              Value q = linalg::IndexOp::create(nb, nl, 0);
              auto qIs = [&](int64_t v) {
                return arith::CmpIOp::create(
                    nb, nl, arith::CmpIPredicate::eq, q,
                    arith::ConstantIndexOp::create(nb, nl, v));
              };
              Value wantLabel = arith::OrIOp::create(nb, nl, qIs(0), qIs(3));
              Value wantPositive = arith::CmpIOp::create(
                  nb, nl, arith::CmpIPredicate::ult, q,
                  arith::ConstantIndexOp::create(nb, nl, 2));
              Value fits = arith::AndIOp::create(
                  nb, nl,
                  arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                        label, wantLabel),
                  arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                        positive, wantPositive));
              return SmallVector<Value>{addOneIf(nb, nl, a.back(), fits)};
            })
            .front();
    rewriter.replaceOp(op, castTo(rewriter, loc, counts, op.getType()));
    return success();
  }
};

} // namespace

void populateMetricPatterns(RewritePatternSet &patterns) {
  patterns.add<BinaryAccuracyLowering, CategoricalAccuracyLowering,
               SparseCategoricalAccuracyLowering,
               TopKCategoricalAccuracyLowering,
               SparseTopKCategoricalAccuracyLowering, ConfusionCountsLowering>(
      patterns.getContext());
}

} // namespace kiln::lowering
