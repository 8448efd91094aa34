//===- Utils.cpp - Builders shared by the kiln-to-linalg patterns ---------===//
#include "compiler/Conversion/KilnToLinalg/Utils.h"
#include "dialects/Kiln/IR/ShapeInference.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

namespace kiln::lowering {

//===----------------------------------------------------------------------===//
// Sizes, constants and index arithmetic
//===----------------------------------------------------------------------===//

Sizes sizesOf(OpBuilder &b, Location loc, Value tensor) {
  return tensor::getMixedSizes(b, loc, tensor);
}

Sizes sizesFor(RankedTensorType type, ArrayRef<OpFoldResult> computed) {
  Sizes sizes(computed);
  for (auto [i, d] : llvm::enumerate(type.getShape()))
    if (!ShapedType::isDynamic(d))
      sizes[i] = IntegerAttr::get(IndexType::get(type.getContext()), d);
  return sizes;
}

Sizes selectSizes(ArrayRef<OpFoldResult> sizes, ArrayRef<bool> mask,
                  bool keep) {
  Sizes out;
  for (auto [s, m] : llvm::zip_equal(sizes, mask))
    if (m == keep)
      out.push_back(s);
  return out;
}

OpFoldResult indexAttr(OpBuilder &b, int64_t v) { return b.getIndexAttr(v); }

/// Applies `fold` when both operands are static, else emits `OpTy`.
template <typename OpTy>
static OpFoldResult
indexBinary(OpBuilder &b, Location loc, OpFoldResult a, OpFoldResult c,
            llvm::function_ref<int64_t(int64_t, int64_t)> fold) {
  std::optional<int64_t> x = getConstantIntValue(a), y = getConstantIntValue(c);
  if (x && y)
    return b.getIndexAttr(fold(*x, *y));
  return OpTy::create(b, loc, getValueOrCreateConstantIndexOp(b, loc, a),
                      getValueOrCreateConstantIndexOp(b, loc, c))
      .getResult();
}

OpFoldResult addIndex(OpBuilder &b, Location loc, OpFoldResult a,
                      OpFoldResult c) {
  if (isConstantIntValue(c, 0))
    return a;
  return indexBinary<arith::AddIOp>(b, loc, a, c,
                                    [](int64_t x, int64_t y) { return x + y; });
}

OpFoldResult subIndex(OpBuilder &b, Location loc, OpFoldResult a,
                      OpFoldResult c) {
  if (isConstantIntValue(c, 0))
    return a;
  return indexBinary<arith::SubIOp>(b, loc, a, c,
                                    [](int64_t x, int64_t y) { return x - y; });
}

OpFoldResult mulIndex(OpBuilder &b, Location loc, OpFoldResult a,
                      OpFoldResult c) {
  if (isConstantIntValue(c, 1))
    return a;
  if (isConstantIntValue(a, 1))
    return c;
  return indexBinary<arith::MulIOp>(b, loc, a, c,
                                    [](int64_t x, int64_t y) { return x * y; });
}

OpFoldResult floorDivIndex(OpBuilder &b, Location loc, OpFoldResult a,
                           int64_t c) {
  if (c == 1)
    return a;
  return indexBinary<arith::FloorDivSIOp>(
      b, loc, a, b.getIndexAttr(c), [](int64_t x, int64_t y) {
        return x >= 0 ? x / y : -((-x + y - 1) / y);
      });
}

OpFoldResult ceilDivIndex(OpBuilder &b, Location loc, OpFoldResult a,
                          int64_t c) {
  if (c == 1)
    return a;
  return indexBinary<arith::CeilDivSIOp>(
      b, loc, a, b.getIndexAttr(c), [](int64_t x, int64_t y) {
        return x >= 0 ? (x + y - 1) / y : -(-x / y);
      });
}

OpFoldResult maxIndex(OpBuilder &b, Location loc, OpFoldResult a, int64_t c) {
  return indexBinary<arith::MaxSIOp>(
      b, loc, a, b.getIndexAttr(c),
      [](int64_t x, int64_t y) { return std::max(x, y); });
}

Value countAsFloat(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Type type) {
  OpFoldResult count = b.getIndexAttr(1);
  for (OpFoldResult s : sizes)
    count = mulIndex(b, loc, count, s);
  if (std::optional<int64_t> c = getConstantIntValue(count))
    return floatConstant(b, loc, type, static_cast<double>(*c));
  Value i64 =
      arith::IndexCastOp::create(b, loc, b.getI64Type(), cast<Value>(count));
  return arith::SIToFPOp::create(b, loc, type, i64);
}

Value floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value negInfinity(OpBuilder &b, Location loc, Type type) {
  auto ft = cast<FloatType>(type);
  return arith::ConstantOp::create(
      b, loc,
      b.getFloatAttr(ft, APFloat::getInf(ft.getFloatSemantics(), true)));
}

Value i64Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(value));
}

Value labelToI64(OpBuilder &b, Location loc, Value label) {
  Type t = label.getType();
  Type i64 = b.getI64Type();
  if (isa<FloatType>(t))
    return arith::FPToSIOp::create(b, loc, i64, label);
  if (t.getIntOrFloatBitWidth() < 64)
    return arith::ExtSIOp::create(b, loc, i64, label);
  return label;
}

Value loopIndexI64(OpBuilder &b, Location loc, unsigned dim) {
  Value i = linalg::IndexOp::create(b, loc, dim);
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), i);
}

Value addOneIf(OpBuilder &b, Location loc, Value count, Value cond) {
  Type t = count.getType();
  Value inc = arith::SelectOp::create(b, loc, cond, floatConstant(b, loc, t, 1.0),
                                      floatConstant(b, loc, t, 0.0));
  return arith::AddFOp::create(b, loc, count, inc);
}

Value clampFloat(OpBuilder &b, Location loc, Value x, double lo, double hi) {
  Type t = x.getType();
  Value l = arith::MaximumFOp::create(b, loc, x, floatConstant(b, loc, t, lo));
  return arith::MinimumFOp::create(b, loc, l, floatConstant(b, loc, t, hi));
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType) {
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Value value) {
  Value empty = emptyTensor(b, loc, sizes, value.getType());
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{empty})
      .getResult(0);
}

Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

Value insertUnitDims(OpBuilder &b, Location loc, Value value,
                     ArrayRef<bool> unitDims) {
  auto type = cast<RankedTensorType>(value.getType());
  Sizes inner = sizesOf(b, loc, value);
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices leading;
  Sizes outSizes;
  SmallVector<int64_t> outShape;
  int64_t next = 0;
  for (auto [i, unit] : llvm::enumerate(unitDims)) {
    if (unit) {
      outSizes.push_back(b.getIndexAttr(1));
      outShape.push_back(1);
      if (groups.empty())
        leading.push_back(i);
      else
        groups.back().push_back(i);
      continue;
    }
    ReassociationIndices group = leading;
    leading.clear();
    group.push_back(i);
    groups.push_back(group);
    outSizes.push_back(inner[next]);
    outShape.push_back(type.getDimSize(next++));
  }
  // A rank-0 source expands with an empty reassociation.
  auto outType = RankedTensorType::get(outShape, type.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, outType, value, groups,
                                       outSizes);
}

Value padTensor(OpBuilder &b, Location loc, Value value,
                ArrayRef<OpFoldResult> low, ArrayRef<OpFoldResult> high,
                Value padValue) {
  auto isZero = [](OpFoldResult r) { return isConstantIntValue(r, 0); };
  if (llvm::all_of(low, isZero) && llvm::all_of(high, isZero))
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  for (auto [d, l, h] : llvm::zip_equal(type.getShape(), low, high)) {
    std::optional<int64_t> lc = getConstantIntValue(l),
                           hc = getConstantIntValue(h);
    shape.push_back(ShapedType::isDynamic(d) || !lc || !hc
                        ? ShapedType::kDynamic
                        : d + *lc + *hc);
  }
  auto padType = RankedTensorType::get(shape, type.getElementType());
  return tensor::PadOp::create(b, loc, padType, value, low, high, padValue);
}

//===----------------------------------------------------------------------===//
// Indexing maps
//===----------------------------------------------------------------------===//

AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> operand,
                       ArrayRef<int64_t> result) {
  int64_t offset = result.size() - operand.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, d] : llvm::enumerate(operand)) {
    int64_t r = result[offset + i];
    exprs.push_back(d == 1 && r != 1 ? getAffineConstantExpr(0, ctx)
                                     : getAffineDimExpr(offset + i, ctx));
  }
  return AffineMap::get(result.size(), 0, exprs, ctx);
}

AffineMap projectionMap(MLIRContext *ctx, ArrayRef<bool> dropped) {
  SmallVector<AffineExpr> exprs;
  for (auto [i, drop] : llvm::enumerate(dropped))
    if (!drop)
      exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(dropped.size(), 0, exprs, ctx);
}

AffineMap unitDimMap(MLIRContext *ctx, ArrayRef<bool> unit) {
  SmallVector<AffineExpr> exprs;
  for (auto [i, u] : llvm::enumerate(unit))
    exprs.push_back(u ? getAffineConstantExpr(0, ctx)
                      : getAffineDimExpr(i, ctx));
  return AffineMap::get(unit.size(), 0, exprs, ctx);
}

Sizes broadcastSizes(OpBuilder &b, Location loc, RankedTensorType result,
                     ValueRange operands) {
  Sizes sizes;
  int64_t rank = result.getRank();
  for (int64_t i = 0; i < rank; ++i) {
    int64_t d = result.getDimSize(i);
    if (!ShapedType::isDynamic(d)) {
      sizes.push_back(b.getIndexAttr(d));
      continue;
    }
    OpFoldResult size;
    for (Value v : operands) {
      auto t = cast<RankedTensorType>(v.getType());
      int64_t j = i - (rank - t.getRank());
      if (j >= 0 && t.getDimSize(j) != 1) {
        size = tensor::getMixedSize(b, loc, v, j);
        break;
      }
    }
    sizes.push_back(size ? size : b.getIndexAttr(1));
  }
  return sizes;
}

AffineMap sparseLabelMap(MLIRContext *ctx, unsigned loops, Value labels,
                         int64_t predRank) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < predRank - 1; ++i)
    exprs.push_back(getAffineDimExpr(i, ctx));
  if (cast<RankedTensorType>(labels.getType()).getRank() == predRank)
    exprs.push_back(getAffineConstantExpr(0, ctx));
  return AffineMap::get(loops, 0, exprs, ctx);
}

SmallVector<bool> axesMask(ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<bool> mask(rank, false);
  for (int64_t a : axes)
    mask[*normalizeAxis(a, rank)] = true;
  return mask;
}

//===----------------------------------------------------------------------===//
// linalg.generic builders
//===----------------------------------------------------------------------===//

SmallVector<Value> buildGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                                ArrayRef<AffineMap> inputMaps, ValueRange inits,
                                ArrayRef<AffineMap> outputMaps,
                                ArrayRef<utils::IteratorType> iterators,
                                BodyFn body) {
  SmallVector<AffineMap> maps(inputMaps);
  maps.append(outputMaps.begin(), outputMaps.end());
  auto op = linalg::GenericOp::create(
      b, loc, inits.getTypes(), inputs, inits, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, body(nb, nl, args));
      });
  return SmallVector<Value>(op.getResults());
}

SmallVector<Value> buildMap(OpBuilder &b, Location loc,
                            ArrayRef<OpFoldResult> sizes, ValueRange inputs,
                            ArrayRef<AffineMap> inputMaps,
                            TypeRange resultTypes, BodyFn body) {
  SmallVector<Value> inits;
  for (Type t : resultTypes)
    inits.push_back(emptyTensor(b, loc, sizes, t));
  SmallVector<AffineMap> outputMaps(resultTypes.size(),
                                    b.getMultiDimIdentityMap(sizes.size()));
  SmallVector<utils::IteratorType> iterators(sizes.size(),
                                             utils::IteratorType::parallel);
  return buildGeneric(b, loc, inputs, inputMaps, inits, outputMaps, iterators,
                      body);
}

Value buildBroadcastMap(OpBuilder &b, Location loc, RankedTensorType resultType,
                        ArrayRef<OpFoldResult> sizes, ValueRange inputs,
                        BodyFn body) {
  SmallVector<AffineMap> maps;
  for (Value v : inputs)
    maps.push_back(broadcastMap(b.getContext(),
                                cast<RankedTensorType>(v.getType()).getShape(),
                                resultType.getShape()));
  return buildMap(b, loc, sizesFor(resultType, sizes), inputs, maps,
                  resultType.getElementType(), body)
      .front();
}

SmallVector<Value> buildReduction(OpBuilder &b, Location loc,
                                  ArrayRef<OpFoldResult> loopSizes,
                                  ArrayRef<bool> reduced, ValueRange inputs,
                                  ArrayRef<AffineMap> inputMaps,
                                  ValueRange initValues, BodyFn body) {
  Sizes kept = selectSizes(loopSizes, reduced, /*keep=*/false);
  SmallVector<Value> inits;
  for (Value init : initValues)
    inits.push_back(filledTensor(b, loc, kept, init));
  SmallVector<AffineMap> outputMaps(initValues.size(),
                                    projectionMap(b.getContext(), reduced));
  SmallVector<utils::IteratorType> iterators;
  for (bool r : reduced)
    iterators.push_back(r ? utils::IteratorType::reduction
                          : utils::IteratorType::parallel);
  return buildGeneric(b, loc, inputs, inputMaps, inits, outputMaps, iterators,
                      body);
}

std::pair<Value, Value>
buildFirstArgMax(OpBuilder &b, Location loc, ValueRange inputs,
                 ArrayRef<AffineMap> inputMaps, AffineMap outputMap,
                 ArrayRef<utils::IteratorType> iterators, Value maxInit,
                 Value idxInit, Value none,
                 function_ref<Value(OpBuilder &, Location)> index) {
  unsigned n = inputs.size();
  Value max = buildGeneric(b, loc, inputs, inputMaps, maxInit, outputMap,
                           iterators,
                           [&](OpBuilder &nb, Location nl, ValueRange a) {
                             return SmallVector<Value>{arith::MaxNumFOp::create(
                                 nb, nl, a[0], a[n])};
                           })
                  .front();
  SmallVector<Value> idxInputs(inputs);
  idxInputs.push_back(max);
  SmallVector<AffineMap> idxMaps(inputMaps);
  idxMaps.push_back(outputMap);
  Value idx =
      buildGeneric(b, loc, idxInputs, idxMaps, idxInit, outputMap, iterators,
                   [&](OpBuilder &nb, Location nl, ValueRange a) {
                     Value i = index(nb, nl);
                     Value eq = arith::CmpFOp::create(
                         nb, nl, arith::CmpFPredicate::OEQ, a[0], a[n]);
                     Value cand = arith::SelectOp::create(nb, nl, eq, i, none);
                     return SmallVector<Value>{
                         arith::MinSIOp::create(nb, nl, a[n + 1], cand)};
                   })
          .front();
  return {max, idx};
}

Value divideScalarTensor(OpBuilder &b, Location loc, Value scalarTensor,
                         Value divisor) {
  Type et = cast<RankedTensorType>(scalarTensor.getType()).getElementType();
  AffineMap scalarMap = AffineMap::get(b.getContext());
  return buildMap(b, loc, {}, scalarTensor, scalarMap, et,
                  [&](OpBuilder &nb, Location nl, ValueRange args) {
                    return SmallVector<Value>{
                        arith::DivFOp::create(nb, nl, args[0], divisor)};
                  })
      .front();
}

std::pair<Value, Value> softmaxStatistics(OpBuilder &b, Location loc, Value x,
                                          int64_t axis) {
  auto type = cast<RankedTensorType>(x.getType());
  Type et = type.getElementType();
  MLIRContext *ctx = b.getContext();
  Sizes sizes = sizesOf(b, loc, x);
  SmallVector<bool> mask(type.getRank(), false);
  mask[axis] = true;
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  Value max =
      buildReduction(b, loc, sizes, mask, x, id, negInfinity(b, loc, et),
                     [](OpBuilder &nb, Location nl, ValueRange args) {
                       return SmallVector<Value>{
                           arith::MaximumFOp::create(nb, nl, args[0], args[1])};
                     })
          .front();
  Value sum = buildReduction(
                  b, loc, sizes, mask, {x, max}, {id, projectionMap(ctx, mask)},
                  floatConstant(b, loc, et, 0.0),
                  [](OpBuilder &nb, Location nl, ValueRange args) {
                    Value d = arith::SubFOp::create(nb, nl, args[0], args[1]);
                    Value e = math::ExpOp::create(nb, nl, d);
                    return SmallVector<Value>{
                        arith::AddFOp::create(nb, nl, args[2], e)};
                  })
                  .front();
  return {max, sum};
}

//===----------------------------------------------------------------------===//
// Windows
//===----------------------------------------------------------------------===//

WindowDim windowDim(OpBuilder &b, Location loc, OpFoldResult input,
                    int64_t window, int64_t stride, Padding padding) {
  WindowDim d{input, {}, {}, {}, window, stride};
  if (std::optional<int64_t> in = getConstantIntValue(input)) {
    auto [before, after] = windowPadding(*in, window, stride, padding);
    d.output = b.getIndexAttr(windowOutputSize(*in, window, stride, padding));
    d.padBefore = b.getIndexAttr(before);
    d.padAfter = b.getIndexAttr(after);
    return d;
  }
  // Dynamic size: the same rules as windowOutputSize/windowPadding, in IR.
  if (padding == Padding::valid) {
    d.output = addIndex(
        b, loc,
        floorDivIndex(b, loc, subIndex(b, loc, input, b.getIndexAttr(window)),
                      stride),
        b.getIndexAttr(1));
    d.padBefore = d.padAfter = b.getIndexAttr(0);
    return d;
  }
  d.output = ceilDivIndex(b, loc, input, stride);
  OpFoldResult span =
      addIndex(b, loc,
               mulIndex(b, loc, subIndex(b, loc, d.output, b.getIndexAttr(1)),
                        b.getIndexAttr(stride)),
               b.getIndexAttr(window));
  OpFoldResult total = maxIndex(b, loc, subIndex(b, loc, span, input), 0);
  d.padBefore = floorDivIndex(b, loc, total, 2);
  d.padAfter = subIndex(b, loc, total, d.padBefore);
  return d;
}

Value padSpatial(OpBuilder &b, Location loc, Value nhwc, const WindowDim &h,
                 const WindowDim &w, Value padValue) {
  OpFoldResult zero = b.getIndexAttr(0);
  return padTensor(b, loc, nhwc, {zero, h.padBefore, w.padBefore, zero},
                   {zero, h.padAfter, w.padAfter, zero}, padValue);
}

Value firstArgMaxAlong(OpBuilder &b, Location loc, Value input, int64_t axis) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<bool> reduced(rank, false);
  reduced[axis] = true;
  Sizes rest = selectSizes(sizesOf(b, loc, input), reduced, /*keep=*/false);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators[axis] = utils::IteratorType::reduction;
  Value none = i64Constant(b, loc, std::numeric_limits<int64_t>::max());
  Value maxInit =
      filledTensor(b, loc, rest, negInfinity(b, loc, type.getElementType()));
  Value idxInit = filledTensor(b, loc, rest, none);
  return buildFirstArgMax(b, loc, input, b.getMultiDimIdentityMap(rank),
                          projectionMap(b.getContext(), reduced), iterators,
                          maxInit, idxInit, none,
                          [&](OpBuilder &nb, Location nl) {
                            return loopIndexI64(nb, nl, axis);
                          })
      .second;
}

} // namespace kiln::lowering
