//===- GradientUtils.cpp - Builders shared by the kiln op gradients -------===//
//
// Reshapes prefer kiln.reshape; where its rule (one dynamic dimension that
// keeps its run-time size) cannot express a flatten or an un-flatten, the
// builders fall back to tensor.collapse_shape / tensor.expand_shape, which
// bufferize to views.
//
//===----------------------------------------------------------------------===//
#include "compiler/Autodiff/Gradients/Gradients.h"
#include "dialects/Kiln/IR/ShapeInference.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace kiln::grad {

Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

Value reduceToOperand(OpBuilder &b, Location loc, Value adjoint,
                      Value operand) {
  if (adjoint.getType() == operand.getType())
    return adjoint;
  Value reduced = ReduceLikeOp::create(b, loc, adjoint, operand);
  return castTo(b, loc, reduced, operand.getType());
}

Value scalarConstant(OpBuilder &b, Location loc, Type elementType,
                     double value) {
  auto type = RankedTensorType::get({}, elementType);
  auto attr = DenseElementsAttr::get(type, b.getFloatAttr(elementType, value));
  return arith::ConstantOp::create(b, loc, type, attr);
}

Value negate(OpBuilder &b, Location loc, Value value) {
  Type et = cast<RankedTensorType>(value.getType()).getElementType();
  return SubOp::create(b, loc, scalarConstant(b, loc, et, 0.0), value);
}

bool isValidKilnReshape(RankedTensorType from, RankedTensorType to) {
  return from.getElementType() == to.getElementType() &&
         reshapeError(from.getShape(), to.getShape()).empty();
}

Value flattenLeading(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();
  if (rank == 2)
    return value;
  int64_t lead = 1;
  for (int64_t d : type.getShape().drop_back())
    lead = ShapedType::isDynamic(d) || ShapedType::isDynamic(lead)
               ? ShapedType::kDynamic
               : lead * d;
  auto flat = RankedTensorType::get({lead, type.getShape().back()},
                                    type.getElementType());
  if (isValidKilnReshape(type, flat))
    return ReshapeOp::create(b, loc, flat, value);
  ReassociationIndices leading =
      llvm::to_vector(llvm::seq<int64_t>(0, rank - 1));
  SmallVector<ReassociationIndices> groups = {leading, {rank - 1}};
  return tensor::CollapseShapeOp::create(b, loc, value, groups);
}

Value unflattenLike(OpBuilder &b, Location loc, Value value, Value like) {
  auto type = cast<RankedTensorType>(like.getType());
  int64_t rank = type.getRank();
  if (rank == 2)
    return castTo(b, loc, value, type);
  if (isValidKilnReshape(cast<RankedTensorType>(value.getType()), type))
    return ReshapeOp::create(b, loc, type, value);
  ReassociationIndices leading =
      llvm::to_vector(llvm::seq<int64_t>(0, rank - 1));
  SmallVector<ReassociationIndices> groups = {leading, {rank - 1}};
  return tensor::ExpandShapeOp::create(b, loc, type, value, groups,
                                       tensor::getMixedSizes(b, loc, like));
}

/// Marks the reduced dimensions of a rank-`rank` tensor.
static SmallVector<bool> reducedMask(ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<bool> reduced(rank, false);
  for (int64_t a : axes)
    reduced[*normalizeAxis(a, rank)] = true;
  return reduced;
}

Value broadcastReduced(OpBuilder &b, Location loc, Value dy, Value input,
                       ArrayRef<int64_t> axes, bool keepdims) {
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t rank = inType.getRank();
  SmallVector<bool> reduced = reducedMask(axes, rank);
  // NumPy broadcasting already puts a result without leading axes back in
  // place; only kept axes before a reduced one need the keepdims form.
  bool leadingOnly = true;
  for (int64_t i = 1; i < rank; ++i)
    leadingOnly &= !(reduced[i] && !reduced[i - 1]);
  if (!keepdims && !leadingOnly) {
    SmallVector<int64_t> keepShape;
    for (int64_t i = 0; i < rank; ++i)
      keepShape.push_back(reduced[i] ? 1 : inType.getDimSize(i));
    auto keepType = RankedTensorType::get(
        keepShape, cast<RankedTensorType>(dy.getType()).getElementType());
    if (isValidKilnReshape(cast<RankedTensorType>(dy.getType()), keepType)) {
      dy = ReshapeOp::create(b, loc, keepType, dy);
    } else {
      // Group each kept dimension with the unit dimensions that follow it;
      // leading unit dimensions join the first group.
      SmallVector<ReassociationIndices> groups;
      ReassociationIndices leadingUnits;
      SmallVector<OpFoldResult> sizes;
      for (int64_t i = 0; i < rank; ++i) {
        if (reduced[i]) {
          (groups.empty() ? leadingUnits : groups.back()).push_back(i);
          sizes.push_back(b.getIndexAttr(1));
          continue;
        }
        groups.push_back(groups.empty() ? leadingUnits
                                        : ReassociationIndices{});
        groups.back().push_back(i);
        if (inType.isDynamicDim(i))
          sizes.push_back(tensor::DimOp::create(b, loc, input, i).getResult());
        else
          sizes.push_back(b.getIndexAttr(inType.getDimSize(i)));
      }
      dy = tensor::ExpandShapeOp::create(b, loc, keepType, dy, groups, sizes);
    }
  }
  return BroadcastLikeOp::create(b, loc, dy, input);
}

Value reducedCount(OpBuilder &b, Location loc, Value input,
                   ArrayRef<int64_t> axes) {
  auto inType = cast<RankedTensorType>(input.getType());
  Type et = inType.getElementType();
  SmallVector<bool> reduced = reducedMask(axes, inType.getRank());
  int64_t staticCount = 1;
  Value dynamicCount;
  for (int64_t i = 0; i < inType.getRank(); ++i) {
    if (!reduced[i])
      continue;
    if (!inType.isDynamicDim(i)) {
      staticCount *= inType.getDimSize(i);
      continue;
    }
    Value dim = tensor::DimOp::create(b, loc, input, i);
    dynamicCount =
        dynamicCount ? arith::MulIOp::create(b, loc, dynamicCount, dim) : dim;
  }
  if (!dynamicCount)
    return scalarConstant(b, loc, et, static_cast<double>(staticCount));
  if (staticCount != 1)
    dynamicCount = arith::MulIOp::create(
        b, loc, dynamicCount,
        arith::ConstantIndexOp::create(b, loc, staticCount));
  Value asInt =
      arith::IndexCastOp::create(b, loc, b.getI64Type(), dynamicCount);
  Value asFloat = arith::SIToFPOp::create(b, loc, et, asInt);
  return tensor::FromElementsOp::create(b, loc, RankedTensorType::get({}, et),
                                        ValueRange{asFloat});
}

} // namespace kiln::grad
