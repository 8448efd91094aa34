//===- Losses.cpp - Keras losses and their gradients ----------------------===//
//
// A loss is a sum over every element of y_pred of a per-element term (after
// at most two per-row reductions for normalizations or log-sum-exp), written
// as a linalg.generic whose loops are all reductions into a 0-d tensor, then
// divided by the number of elements (mse, mae, binary) or rows (categorical)
// in a loop-free generic. Sparse labels are compared against the class loop
// index (`linalg.index`), so no gather is needed.
//
// loss_grad is one elementwise generic over y_pred (after the same per-row
// statistics); `dloss` is read through a map with no results. For
// probabilities it is the exact derivative of the clipped Keras formula,
// including the normalization p / sum(p) of the categorical losses:
//   r = p / s, g_c = -y_c / r_c where eps <= r_c <= 1 - eps (else 0),
//   dL/dp_j = (g_j + sum_c y_c [eps <= r_c <= 1 - eps]) / (s * batch).
// From logits the gradients are (softmax(z) - y) / batch and
// (sigmoid(z) - y) / numel, as TensorFlow's fused kernels compute them.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/Utils.h"

using namespace mlir;

namespace kiln::lowering {
namespace {

/// Keras's backend epsilon, the clip of the cross-entropies: an op's
/// `epsilon` attribute, or this.
constexpr double kDefaultEpsilon = 1e-7;

template <typename OpTy> double epsilonOf(OpTy op) {
  std::optional<APFloat> eps = op.getEpsilon();
  return eps ? eps->convertToDouble() : kDefaultEpsilon;
}

/// Loop-nest facts shared by every loss over y_pred of rank R: loops are
/// y_pred's dims, the last one the class (feature) axis.
struct LossNest {
  LossNest(OpBuilder &b, Location loc, Value pred) {
    auto type = cast<RankedTensorType>(pred.getType());
    elementType = type.getElementType();
    rank = type.getRank();
    sizes = sizesOf(b, loc, pred);
    rowSizes = Sizes(ArrayRef<OpFoldResult>(sizes).drop_back());
    row = SmallVector<bool>(rank, false);
    row.back() = true;
    id = b.getMultiDimIdentityMap(rank);
    rowMap = projectionMap(b.getContext(), row);
    scalarMap = AffineMap::get(rank, 0, b.getContext());
  }

  Type elementType;
  int64_t rank;
  Sizes sizes, rowSizes;
  SmallVector<bool> row;
  AffineMap id, rowMap, scalarMap;
};

using TermFn = llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// sum over the loop nest `sizes` of term(elements of inputs), as a 0-d tensor.
Value sumAll(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
             ValueRange inputs, ArrayRef<AffineMap> maps, Type et,
             TermFn term) {
  SmallVector<bool> all(sizes.size(), true);
  return buildReduction(b, loc, sizes, all, inputs, maps,
                        floatConstant(b, loc, et, 0.0),
                        [&](OpBuilder &nb, Location nl, ValueRange args) {
                          Value t = term(nb, nl, args.drop_back());
                          return SmallVector<Value>{
                              arith::AddFOp::create(nb, nl, args.back(), t)};
                        })
      .front();
}

Value cst(OpBuilder &b, Location loc, Value like, double v) {
  return floatConstant(b, loc, like.getType(), v);
}

/// eps <= r <= 1 - eps: where the clip passes the gradient through.
Value unclipped(OpBuilder &b, Location loc, Value r, double eps) {
  Value lo = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, r,
                                   cst(b, loc, r, eps));
  Value hi = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, r,
                                   cst(b, loc, r, 1.0 - eps));
  return arith::AndIOp::create(b, loc, lo, hi);
}

/// Whether the class loop (loop `dim`) is at `label`.
Value isLabel(OpBuilder &b, Location loc, unsigned dim, Value label) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                               loopIndexI64(b, loc, dim),
                               labelToI64(b, loc, label));
}

Value select(OpBuilder &b, Location loc, Value cond, Value t, Value f) {
  return arith::SelectOp::create(b, loc, cond, t, f);
}

/// Per-row sum of y_pred and, for sparse labels, of y_pred at the label.
std::pair<Value, Value> rowSumAndPick(OpBuilder &b, Location loc,
                                      const LossNest &n, Value pred,
                                      Value labels, Value pickInit, bool max) {
  AffineMap lmap = sparseLabelMap(b.getContext(), n.rank, labels, n.rank);
  Value zero = floatConstant(b, loc, n.elementType, 0.0);
  unsigned cls = n.rank - 1;
  auto r = buildReduction(
      b, loc, n.sizes, n.row, {pred, labels}, {n.id, lmap}, {pickInit, zero},
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value acc =
            max ? arith::MaximumFOp::create(nb, nl, a[2], a[0]).getResult()
                : arith::AddFOp::create(nb, nl, a[2], a[0]).getResult();
        Value hit = isLabel(nb, nl, cls, a[1]);
        Value pick = arith::AddFOp::create(nb, nl, a[3],
                                           select(nb, nl, hit, a[0], zero));
        return SmallVector<Value>{acc, pick};
      });
  return {r[0], r[1]};
}

/// Row sums of y_pred (categorical normalization).
Value rowSum(OpBuilder &b, Location loc, const LossNest &n, Value pred) {
  return buildReduction(b, loc, n.sizes, n.row, pred, n.id,
                        floatConstant(b, loc, n.elementType, 0.0),
                        [](OpBuilder &nb, Location nl, ValueRange a) {
                          return SmallVector<Value>{
                              arith::AddFOp::create(nb, nl, a[1], a[0])};
                        })
      .front();
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

Value lowerMse(OpBuilder &b, Location loc, Value y, Value p, bool, double) {
  LossNest n(b, loc, p);
  Value total = sumAll(b, loc, n.sizes, {y, p}, {n.id, n.id}, n.elementType,
                       [](OpBuilder &nb, Location nl, ValueRange a) {
                         Value d = arith::SubFOp::create(nb, nl, a[0], a[1]);
                         return arith::MulFOp::create(nb, nl, d, d).getResult();
                       });
  return divideScalarTensor(b, loc, total,
                            countAsFloat(b, loc, n.sizes, n.elementType));
}

Value lowerMae(OpBuilder &b, Location loc, Value y, Value p, bool, double) {
  LossNest n(b, loc, p);
  Value total = sumAll(b, loc, n.sizes, {y, p}, {n.id, n.id}, n.elementType,
                       [](OpBuilder &nb, Location nl, ValueRange a) {
                         Value d = arith::SubFOp::create(nb, nl, a[0], a[1]);
                         return math::AbsFOp::create(nb, nl, d).getResult();
                       });
  return divideScalarTensor(b, loc, total,
                            countAsFloat(b, loc, n.sizes, n.elementType));
}

Value lowerBinary(OpBuilder &b, Location loc, Value y, Value p, bool logits,
                  double eps) {
  LossNest n(b, loc, p);
  Value total = sumAll(
      b, loc, n.sizes, {y, p}, {n.id, n.id}, n.elementType,
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value t = a[0], z = a[1];
        if (logits) {
          // max(z, 0) - z * y + log(1 + exp(-|z|))
          Value relu =
              arith::MaximumFOp::create(nb, nl, z, cst(nb, nl, z, 0.0));
          Value zy = arith::MulFOp::create(nb, nl, z, t);
          Value negAbs =
              arith::NegFOp::create(nb, nl, math::AbsFOp::create(nb, nl, z));
          Value soft = math::Log1pOp::create(
              nb, nl, math::ExpOp::create(nb, nl, negAbs));
          return arith::AddFOp::create(
              nb, nl, arith::SubFOp::create(nb, nl, relu, zy), soft);
        }
        // -(y log(pc) + (1 - y) log(1 - pc)), pc = clip(p)
        Value pc = clampFloat(nb, nl, z, eps, 1.0 - eps);
        Value one = cst(nb, nl, z, 1.0);
        Value pos =
            arith::MulFOp::create(nb, nl, t, math::LogOp::create(nb, nl, pc));
        Value neg = arith::MulFOp::create(
            nb, nl, arith::SubFOp::create(nb, nl, one, t),
            math::LogOp::create(nb, nl,
                                arith::SubFOp::create(nb, nl, one, pc)));
        return arith::NegFOp::create(nb, nl,
                                     arith::AddFOp::create(nb, nl, pos, neg));
      });
  return divideScalarTensor(b, loc, total,
                            countAsFloat(b, loc, n.sizes, n.elementType));
}

Value lowerCategorical(OpBuilder &b, Location loc, Value y, Value p,
                       bool logits, double eps) {
  LossNest n(b, loc, p);
  Value total;
  if (logits) {
    // -sum(y * (z - lse)) with lse = max + log(sum(exp(z - max))).
    auto [max, sum] = softmaxStatistics(b, loc, p, n.rank - 1);
    AffineMap rid = b.getMultiDimIdentityMap(n.rank - 1);
    Value lse =
        buildMap(b, loc, n.rowSizes, {max, sum}, {rid, rid}, n.elementType,
                 [](OpBuilder &nb, Location nl, ValueRange a) {
                   Value l = math::LogOp::create(nb, nl, a[1]);
                   return SmallVector<Value>{
                       arith::AddFOp::create(nb, nl, a[0], l)};
                 })
            .front();
    total = sumAll(b, loc, n.sizes, {y, p, lse}, {n.id, n.id, n.rowMap},
                   n.elementType, [](OpBuilder &nb, Location nl, ValueRange a) {
                     Value d = arith::SubFOp::create(nb, nl, a[2], a[1]);
                     return arith::MulFOp::create(nb, nl, a[0], d).getResult();
                   });
  } else {
    // -sum(y * log(clip(p / sum(p))))
    Value s = rowSum(b, loc, n, p);
    total =
        sumAll(b, loc, n.sizes, {y, p, s}, {n.id, n.id, n.rowMap},
               n.elementType, [eps](OpBuilder &nb, Location nl, ValueRange a) {
                 Value r = arith::DivFOp::create(nb, nl, a[1], a[2]);
                 Value l = math::LogOp::create(
                     nb, nl, clampFloat(nb, nl, r, eps, 1.0 - eps));
                 Value yl = arith::MulFOp::create(nb, nl, a[0], l);
                 return arith::NegFOp::create(nb, nl, yl).getResult();
               });
  }
  return divideScalarTensor(b, loc, total,
                            countAsFloat(b, loc, n.rowSizes, n.elementType));
}

Value lowerSparse(OpBuilder &b, Location loc, Value labels, Value p,
                  bool logits, double eps) {
  LossNest n(b, loc, p);
  AffineMap rid = b.getMultiDimIdentityMap(n.rank - 1);
  Value total;
  if (logits) {
    // lse - z[label]: the max and z[label] in one pass, then sum(exp(z - max)).
    auto [max, picked] = rowSumAndPick(
        b, loc, n, p, labels, negInfinity(b, loc, n.elementType), true);
    Value sum =
        buildReduction(b, loc, n.sizes, n.row, {p, max}, {n.id, n.rowMap},
                       floatConstant(b, loc, n.elementType, 0.0),
                       [](OpBuilder &nb, Location nl, ValueRange a) {
                         Value e = math::ExpOp::create(
                             nb, nl, arith::SubFOp::create(nb, nl, a[0], a[1]));
                         return SmallVector<Value>{
                             arith::AddFOp::create(nb, nl, a[2], e)};
                       })
            .front();
    total =
        sumAll(b, loc, n.rowSizes, {max, sum, picked}, {rid, rid, rid},
               n.elementType, [](OpBuilder &nb, Location nl, ValueRange a) {
                 Value lse = arith::AddFOp::create(
                     nb, nl, a[0], math::LogOp::create(nb, nl, a[1]));
                 return arith::SubFOp::create(nb, nl, lse, a[2]).getResult();
               });
  } else {
    // -log(clip(p[label] / sum(p)))
    auto [sum, picked] = rowSumAndPick(
        b, loc, n, p, labels, floatConstant(b, loc, n.elementType, 0.0), false);
    total =
        sumAll(b, loc, n.rowSizes, {sum, picked}, {rid, rid}, n.elementType,
               [eps](OpBuilder &nb, Location nl, ValueRange a) {
                 Value r = arith::DivFOp::create(nb, nl, a[1], a[0]);
                 Value l = math::LogOp::create(
                     nb, nl, clampFloat(nb, nl, r, eps, 1.0 - eps));
                 return arith::NegFOp::create(nb, nl, l).getResult();
               });
  }
  return divideScalarTensor(b, loc, total,
                            countAsFloat(b, loc, n.rowSizes, n.elementType));
}

using LossFn = Value (*)(OpBuilder &, Location, Value, Value, bool, double);

template <typename OpTy> struct LossLowering : OpConversionPattern<OpTy> {
  LossLowering(MLIRContext *ctx, LossFn fn)
      : OpConversionPattern<OpTy>(ctx), fn(fn) {}
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    bool logits = false;
    double eps = kDefaultEpsilon;
    if constexpr (!std::is_same_v<OpTy, MseOp> && !std::is_same_v<OpTy, MaeOp>) {
      logits = op.getFromLogits();
      eps = epsilonOf(op);
    }
    Value r = fn(rewriter, op.getLoc(), adaptor.getYTrue(), adaptor.getYPred(),
                 logits, eps);
    rewriter.replaceOp(
        op, castTo(rewriter, op.getLoc(), r, op.getResult().getType()));
    return success();
  }
  LossFn fn;
};

//===----------------------------------------------------------------------===//
// loss_grad
//===----------------------------------------------------------------------===//

struct LossGradLowering : OpConversionPattern<LossGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LossGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    OpBuilder &b = rewriter;
    Location loc = op.getLoc();
    Value y = adaptor.getYTrue(), p = adaptor.getYPred(),
          dl = adaptor.getDloss();
    LossNest n(b, loc, p);
    Type et = n.elementType;
    RankedTensorType type = op.getResult().getType();
    Sizes sizes = sizesFor(type, n.sizes);
    bool logits = op.getFromLogits();
    double eps = epsilonOf(op);
    unsigned cls = n.rank - 1;
    // 1 / numel or 1 / batch, the Keras mean's factor.
    bool perRow = op.getKind() == LossKind::categorical_crossentropy ||
                  op.getKind() == LossKind::sparse_categorical_crossentropy;
    Value inv = arith::DivFOp::create(
        b, loc, floatConstant(b, loc, et, 1.0),
        countAsFloat(b, loc, perRow ? n.rowSizes : n.sizes, et));

    // One elementwise generic; `scaled(v)` is v * inv * dloss.
    auto emit = [&](ValueRange inputs, ArrayRef<AffineMap> maps, TermFn term) {
      SmallVector<Value> ins(inputs);
      ins.push_back(dl);
      SmallVector<AffineMap> allMaps(maps);
      allMaps.push_back(n.scalarMap);
      return buildMap(b, loc, sizes, ins, allMaps, et,
                      [&](OpBuilder &nb, Location nl, ValueRange a) {
                        Value g = term(nb, nl, a.drop_back(2));
                        Value s = arith::MulFOp::create(nb, nl, g, inv);
                        return SmallVector<Value>{
                            arith::MulFOp::create(nb, nl, s, a[a.size() - 2])};
                      })
          .front();
    };

    Value result;
    switch (op.getKind()) {
    case LossKind::mse:
      result = emit(
          {y, p}, {n.id, n.id}, [](OpBuilder &nb, Location nl, ValueRange a) {
            Value d = arith::SubFOp::create(nb, nl, a[1], a[0]);
            return arith::MulFOp::create(nb, nl, d, cst(nb, nl, d, 2.0))
                .getResult();
          });
      break;
    case LossKind::mae:
      result = emit(
          {y, p}, {n.id, n.id}, [](OpBuilder &nb, Location nl, ValueRange a) {
            Value d = arith::SubFOp::create(nb, nl, a[1], a[0]);
            Value zero = cst(nb, nl, d, 0.0);
            Value gt = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT,
                                             d, zero);
            Value lt = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLT,
                                             d, zero);
            Value neg = select(nb, nl, lt, cst(nb, nl, d, -1.0), zero);
            return select(nb, nl, gt, cst(nb, nl, d, 1.0), neg);
          });
      break;
    case LossKind::binary_crossentropy:
      result = emit(
          {y, p}, {n.id, n.id}, [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value t = a[0], z = a[1];
            Value one = cst(nb, nl, z, 1.0);
            if (logits) {
              Value e =
                  math::ExpOp::create(nb, nl, arith::NegFOp::create(nb, nl, z));
              Value sig = arith::DivFOp::create(
                  nb, nl, one, arith::AddFOp::create(nb, nl, one, e));
              return arith::SubFOp::create(nb, nl, sig, t).getResult();
            }
            Value pc = clampFloat(nb, nl, z, eps, 1.0 - eps);
            Value den = arith::MulFOp::create(
                nb, nl, pc, arith::SubFOp::create(nb, nl, one, pc));
            Value g = arith::DivFOp::create(
                nb, nl, arith::SubFOp::create(nb, nl, pc, t), den);
            return select(nb, nl, unclipped(nb, nl, z, eps), g, cst(nb, nl, z, 0.0));
          });
      break;
    case LossKind::categorical_crossentropy:
      result = logits ? softmaxMinusTarget(b, loc, n, emit, y, p, false)
                      : categoricalProbs(b, loc, n, emit, y, p, eps);
      break;
    case LossKind::sparse_categorical_crossentropy:
      result = logits ? softmaxMinusTarget(b, loc, n, emit, y, p, true)
                      : sparseProbs(b, loc, n, emit, y, p, cls, eps);
      break;
    }
    rewriter.replaceOp(op, result);
    return success();
  }

  using EmitFn =
      llvm::function_ref<Value(ValueRange, ArrayRef<AffineMap>, TermFn)>;

  /// softmax(z) - y, with y one-hot of the labels when `sparse`.
  static Value softmaxMinusTarget(OpBuilder &b, Location loc, const LossNest &n,
                                  EmitFn emit, Value y, Value z, bool sparse) {
    auto [max, sum] = softmaxStatistics(b, loc, z, n.rank - 1);
    AffineMap ymap =
        sparse ? sparseLabelMap(b.getContext(), n.rank, y, n.rank) : n.id;
    unsigned cls = n.rank - 1;
    return emit({y, z, max, sum}, {ymap, n.id, n.rowMap, n.rowMap},
                [&](OpBuilder &nb, Location nl, ValueRange a) {
                  Value e = math::ExpOp::create(
                      nb, nl, arith::SubFOp::create(nb, nl, a[1], a[2]));
                  Value sm = arith::DivFOp::create(nb, nl, e, a[3]);
                  Value t = a[0];
                  if (sparse)
                    t = select(nb, nl, isLabel(nb, nl, cls, a[0]),
                               cst(nb, nl, sm, 1.0), cst(nb, nl, sm, 0.0));
                  return arith::SubFOp::create(nb, nl, sm, t).getResult();
                });
  }

  /// Dense categorical on probabilities: (g_j + A) / s with
  /// g_j = -y_j / r_j where r_j is unclipped and A = sum_c y_c [r_c unclipped].
  static Value categoricalProbs(OpBuilder &b, Location loc, const LossNest &n,
                                EmitFn emit, Value y, Value p, double eps) {
    Value s = rowSum(b, loc, n, p);
    Value zero = floatConstant(b, loc, n.elementType, 0.0);
    Value active =
        buildReduction(
            b, loc, n.sizes, n.row, {y, p, s}, {n.id, n.id, n.rowMap}, zero,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value r = arith::DivFOp::create(nb, nl, a[1], a[2]);
              Value yy = select(nb, nl, unclipped(nb, nl, r, eps), a[0], zero);
              return SmallVector<Value>{
                  arith::AddFOp::create(nb, nl, a[3], yy)};
            })
            .front();
    return emit({y, p, s, active}, {n.id, n.id, n.rowMap, n.rowMap},
                [&](OpBuilder &nb, Location nl, ValueRange a) {
                  Value r = arith::DivFOp::create(nb, nl, a[1], a[2]);
                  Value g = arith::NegFOp::create(
                      nb, nl, arith::DivFOp::create(nb, nl, a[0], r));
                  g = select(nb, nl, unclipped(nb, nl, r, eps), g, zero);
                  Value num = arith::AddFOp::create(nb, nl, g, a[3]);
                  return arith::DivFOp::create(nb, nl, num, a[2]).getResult();
                });
  }

  /// Sparse categorical on probabilities: as categoricalProbs with y one-hot,
  /// so A is 1 when r[label] is unclipped and g is -1 / r[label] at the label.
  static Value sparseProbs(OpBuilder &b, Location loc, const LossNest &n,
                           EmitFn emit, Value labels, Value p, unsigned cls,
                           double eps) {
    Value zero = floatConstant(b, loc, n.elementType, 0.0);
    auto [sum, picked] = rowSumAndPick(b, loc, n, p, labels, zero, false);
    AffineMap lmap = sparseLabelMap(b.getContext(), n.rank, labels, n.rank);
    return emit(
        {labels, sum, picked}, {lmap, n.rowMap, n.rowMap},
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value one = cst(nb, nl, a[1], 1.0);
          Value r = arith::DivFOp::create(nb, nl, a[2], a[1]);
          Value on = unclipped(nb, nl, r, eps);
          Value hit =
              arith::AndIOp::create(nb, nl, on, isLabel(nb, nl, cls, a[0]));
          Value g = select(nb, nl, hit,
                           arith::NegFOp::create(
                               nb, nl, arith::DivFOp::create(nb, nl, one, r)),
                           zero);
          Value num =
              arith::AddFOp::create(nb, nl, g, select(nb, nl, on, one, zero));
          return arith::DivFOp::create(nb, nl, num, a[1]).getResult();
        });
  }
};

} // namespace

void populateLossPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<LossLowering<MseOp>>(ctx, lowerMse);
  patterns.add<LossLowering<MaeOp>>(ctx, lowerMae);
  patterns.add<LossLowering<BinaryCrossentropyOp>>(ctx, lowerBinary);
  patterns.add<LossLowering<CategoricalCrossentropyOp>>(ctx, lowerCategorical);
  patterns.add<LossLowering<SparseCategoricalCrossentropyOp>>(ctx, lowerSparse);
  patterns.add<LossGradLowering>(ctx);
}

} // namespace kiln::lowering
