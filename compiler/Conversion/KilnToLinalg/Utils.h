//===- Utils.h - Builders shared by the kiln-to-linalg patterns -*- C++ -*-===//
//
// Internal to compiler/Conversion/KilnToLinalg. Every pattern builds its
// linalg.generic ops, tensor.empty destinations and index arithmetic through
// these helpers, so broadcasting maps, dynamic sizes and window padding are
// written once.
//
// Sizes are OpFoldResults: a static size stays an attribute and a dynamic one
// is a `tensor.dim` (or index arithmetic on it), so the IR only carries what
// is not known at compile time.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_CONVERSION_KILNTOLINALG_UTILS_H
#define KILN_COMPILER_CONVERSION_KILNTOLINALG_UTILS_H

#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln::lowering {

using mlir::AffineMap;
using mlir::Location;
using mlir::OpBuilder;
using mlir::OpFoldResult;
using mlir::RankedTensorType;
using mlir::Type;
using mlir::Value;
using mlir::ValueRange;
using Sizes = llvm::SmallVector<OpFoldResult>;

/// Body of a linalg.generic: receives the block arguments (inputs, then
/// outputs) and returns the values to yield, one per output.
using BodyFn = llvm::function_ref<llvm::SmallVector<Value>(
    OpBuilder &, Location, ValueRange)>;

//===----------------------------------------------------------------------===//
// Sizes, constants and index arithmetic
//===----------------------------------------------------------------------===//

/// The sizes of a ranked tensor: attributes where static, tensor.dim where not.
Sizes sizesOf(OpBuilder &b, Location loc, Value tensor);

/// `computed` with every size that `type` knows statically replaced by it, so
/// a tensor built from the result has exactly `type`.
Sizes sizesFor(RankedTensorType type, llvm::ArrayRef<OpFoldResult> computed);

/// The entries of `sizes` whose `mask` entry is `keep`.
Sizes selectSizes(llvm::ArrayRef<OpFoldResult> sizes, llvm::ArrayRef<bool> mask,
                  bool keep);

OpFoldResult addIndex(OpBuilder &b, Location loc, OpFoldResult a,
                      OpFoldResult c);
OpFoldResult subIndex(OpBuilder &b, Location loc, OpFoldResult a,
                      OpFoldResult c);
OpFoldResult mulIndex(OpBuilder &b, Location loc, OpFoldResult a,
                      OpFoldResult c);
OpFoldResult floorDivIndex(OpBuilder &b, Location loc, OpFoldResult a,
                           int64_t c);
OpFoldResult ceilDivIndex(OpBuilder &b, Location loc, OpFoldResult a,
                          int64_t c);
OpFoldResult maxIndex(OpBuilder &b, Location loc, OpFoldResult a, int64_t c);
OpFoldResult indexAttr(OpBuilder &b, int64_t v);

/// The product of `sizes` (1 when empty) converted to the float type `type`.
Value countAsFloat(OpBuilder &b, Location loc,
                   llvm::ArrayRef<OpFoldResult> sizes, Type type);

Value floatConstant(OpBuilder &b, Location loc, Type type, double value);
Value negInfinity(OpBuilder &b, Location loc, Type type);
Value i64Constant(OpBuilder &b, Location loc, int64_t value);

/// An integer or float class label converted to i64 (floats are truncated,
/// as Keras casts float labels).
Value labelToI64(OpBuilder &b, Location loc, Value label);

/// The `linalg.index` of loop `dim` as an i64 (inside a generic body).
Value loopIndexI64(OpBuilder &b, Location loc, unsigned dim);

/// `clip(x, lo, hi)` with arith.maximumf / arith.minimumf.
Value clampFloat(OpBuilder &b, Location loc, Value x, double lo, double hi);

/// `count + (cond ? 1 : 0)` in count's float type: one step of a counting
/// reduction.
Value addOneIf(OpBuilder &b, Location loc, Value count, Value cond);

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

Value emptyTensor(OpBuilder &b, Location loc,
                  llvm::ArrayRef<OpFoldResult> sizes, Type elementType);

/// tensor.empty + linalg.fill with the scalar `value`.
Value filledTensor(OpBuilder &b, Location loc,
                   llvm::ArrayRef<OpFoldResult> sizes, Value value);

/// `value` itself when it already has `type`, else a tensor.cast to it.
Value castTo(OpBuilder &b, Location loc, Value value, Type type);

/// tensor.expand_shape of `value` re-inserting the unit dimensions marked in
/// `unitDims` (keepdims of a reduction); the rank grows to unitDims.size().
Value insertUnitDims(OpBuilder &b, Location loc, Value value,
                     llvm::ArrayRef<bool> unitDims);

/// `value` zero-padded by `low`/`high` with the scalar `padValue`; `value`
/// itself when every amount is statically 0.
Value padTensor(OpBuilder &b, Location loc, Value value,
                llvm::ArrayRef<OpFoldResult> low,
                llvm::ArrayRef<OpFoldResult> high, Value padValue);

//===----------------------------------------------------------------------===//
// Indexing maps
//===----------------------------------------------------------------------===//

/// NumPy broadcasting map from a loop nest shaped `result` to an operand
/// shaped `operand`: trailing dimensions align, missing leading ones are
/// dropped and a static 1 facing anything else reads index 0.
AffineMap broadcastMap(mlir::MLIRContext *ctx, llvm::ArrayRef<int64_t> operand,
                       llvm::ArrayRef<int64_t> result);

/// `(d0, ..., dn-1) -> (the dims not marked in dropped)`.
AffineMap projectionMap(mlir::MLIRContext *ctx, llvm::ArrayRef<bool> dropped);

/// `(d0, ..., dn-1) -> (...)` reading marked dims at 0 (a keepdims operand).
AffineMap unitDimMap(mlir::MLIRContext *ctx, llvm::ArrayRef<bool> unit);

/// Sizes of the broadcast of `operands` to `result`: dynamic result sizes
/// come from the first operand with a non-unit size there.
Sizes broadcastSizes(OpBuilder &b, Location loc, RankedTensorType result,
                     ValueRange operands);

/// Map from a loop nest with `loops` dims, the first predRank - 1 of which
/// are y_pred's rows, to sparse labels shaped (rows...) or (rows..., 1).
AffineMap sparseLabelMap(mlir::MLIRContext *ctx, unsigned loops, Value labels,
                         int64_t predRank);

/// A rank-long mask with the (possibly negative) `axes` set.
llvm::SmallVector<bool> axesMask(llvm::ArrayRef<int64_t> axes, int64_t rank);

//===----------------------------------------------------------------------===//
// linalg.generic builders
//===----------------------------------------------------------------------===//

/// A linalg.generic with the given operands, maps and iterators.
llvm::SmallVector<Value>
buildGeneric(OpBuilder &b, Location loc, ValueRange inputs,
             llvm::ArrayRef<AffineMap> inputMaps, ValueRange inits,
             llvm::ArrayRef<AffineMap> outputMaps,
             llvm::ArrayRef<mlir::utils::IteratorType> iterators, BodyFn body);

/// An all-parallel generic over `sizes` writing fresh tensors of the element
/// types `resultTypes` with identity maps.
llvm::SmallVector<Value> buildMap(OpBuilder &b, Location loc,
                                  llvm::ArrayRef<OpFoldResult> sizes,
                                  ValueRange inputs,
                                  llvm::ArrayRef<AffineMap> inputMaps,
                                  mlir::TypeRange resultTypes, BodyFn body);

/// An elementwise op producing `resultType` from NumPy-broadcast `inputs`.
Value buildBroadcastMap(OpBuilder &b, Location loc, RankedTensorType resultType,
                        llvm::ArrayRef<OpFoldResult> sizes, ValueRange inputs,
                        BodyFn body);

/// A generic over the loop nest `loopSizes` whose loops marked in `reduced`
/// are reductions. Each result drops the reduced dimensions and starts from
/// the matching scalar of `initValues`; the body gets the inputs' elements
/// followed by the accumulators.
llvm::SmallVector<Value> buildReduction(OpBuilder &b, Location loc,
                                        llvm::ArrayRef<OpFoldResult> loopSizes,
                                        llvm::ArrayRef<bool> reduced,
                                        ValueRange inputs,
                                        llvm::ArrayRef<AffineMap> inputMaps,
                                        ValueRange initValues, BodyFn body);

/// The first arg-max over the reduction loops of `iterators`: the maximum of
/// the first input's elements, then the lowest `index` (i64, computed in the
/// body from the loop indices) among the positions that hold it, as two
/// single-result reductions with plain combiners (maxnumf, minsi) that
/// vectorize. `maxInit` is filled with -inf and `idxInit` with `none`, the
/// index that means "no maximum". NaN is never taken and ties keep the
/// lowest index whatever order the loops run in. Returns (max, index).
std::pair<Value, Value>
buildFirstArgMax(OpBuilder &b, Location loc, ValueRange inputs,
                 llvm::ArrayRef<AffineMap> inputMaps, AffineMap outputMap,
                 llvm::ArrayRef<mlir::utils::IteratorType> iterators,
                 Value maxInit, Value idxInit, Value none,
                 llvm::function_ref<Value(OpBuilder &, Location)> index);

/// The first arg-max of `input` along `axis` (in [0, rank)), as an i64
/// tensor without that axis; INT64_MAX where every element is NaN.
Value firstArgMaxAlong(OpBuilder &b, Location loc, Value input, int64_t axis);

/// A 0-d tensor divided by the scalar `divisor` (a generic without loops).
Value divideScalarTensor(OpBuilder &b, Location loc, Value scalarTensor,
                         Value divisor);

/// Numerically stable softmax statistics of `x` along `axis`: the maximum and
/// sum(exp(x - max)), both shaped as `x` without `axis`.
std::pair<Value, Value> softmaxStatistics(OpBuilder &b, Location loc, Value x,
                                          int64_t axis);

//===----------------------------------------------------------------------===//
// Windows (conv2d, max_pool2d and their gradients)
//===----------------------------------------------------------------------===//

/// One spatial dimension of a window op: input and output sizes and the
/// padding before/after, from ShapeInference's rules (mirrored in index
/// arithmetic when the input size is dynamic).
struct WindowDim {
  OpFoldResult input, output, padBefore, padAfter;
  int64_t window, stride;
};

WindowDim windowDim(OpBuilder &b, Location loc, OpFoldResult input,
                    int64_t window, int64_t stride, Padding padding);

/// Pads the H and W dimensions of an NHWC tensor as `h` and `w` say.
Value padSpatial(OpBuilder &b, Location loc, Value nhwc, const WindowDim &h,
                 const WindowDim &w, Value padValue);

} // namespace kiln::lowering

#endif // KILN_COMPILER_CONVERSION_KILNTOLINALG_UTILS_H
