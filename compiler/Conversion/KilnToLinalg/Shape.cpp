//===- Shape.cpp - kiln.reshape, transpose, reverse, concatenate ----------===//
//
// reshape reinterprets row-major elements: it collapses the input to 1-D and
// expands that to the result (canonicalization merges the pair into a single
// collapse or expand where one suffices). transpose is linalg.transpose.
// reverse is a parallel generic over the result reading the input with
// tensor.extract at the mirrored index (affine maps cannot say n - 1 - i
// for a dynamic n).
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

namespace kiln::lowering {
namespace {

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inType = cast<RankedTensorType>(input.getType());
    RankedTensorType outType = op.getResult().getType();
    if (inType.getRank() == 0) {
      // Only all-ones shapes hold one element.
      rewriter.replaceOp(
          op, insertUnitDims(rewriter, loc, input,
                             SmallVector<bool>(outType.getRank(), true)));
      return success();
    }

    // Collapse to 1-D.
    Value flat = input;
    if (inType.getRank() != 1) {
      ReassociationIndices all =
          llvm::to_vector(llvm::seq<int64_t>(0, inType.getRank()));
      flat = tensor::CollapseShapeOp::create(
          rewriter, loc, input, ArrayRef<ReassociationIndices>{all});
    }
    if (outType.getRank() == 0) {
      rewriter.replaceOp(op, tensor::CollapseShapeOp::create(
                                 rewriter, loc, outType, flat,
                                 ArrayRef<ReassociationIndices>{}));
      return success();
    }
    if (outType.getRank() == 1) {
      rewriter.replaceOp(op, castTo(rewriter, loc, flat, outType));
      return success();
    }

    // Expand to the result; its one dynamic size is total / static product.
    int64_t staticCount = 1;
    for (int64_t d : outType.getShape())
      if (!ShapedType::isDynamic(d))
        staticCount *= d;
    Sizes outSizes;
    for (int64_t d : outType.getShape()) {
      if (!ShapedType::isDynamic(d)) {
        outSizes.push_back(rewriter.getIndexAttr(d));
        continue;
      }
      OpFoldResult total = tensor::getMixedSize(rewriter, loc, flat, 0);
      outSizes.push_back(floorDivIndex(rewriter, loc, total, staticCount));
    }
    ReassociationIndices all =
        llvm::to_vector(llvm::seq<int64_t>(0, outType.getRank()));
    rewriter.replaceOp(op, tensor::ExpandShapeOp::create(
                               rewriter, loc, outType, flat,
                               ArrayRef<ReassociationIndices>{all}, outSizes));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Sizes in = sizesOf(rewriter, loc, adaptor.getInput());
    Sizes out;
    for (int64_t p : op.getPermutation())
      out.push_back(in[p]);
    RankedTensorType type = op.getResult().getType();
    Value init =
        emptyTensor(rewriter, loc, sizesFor(type, out), type.getElementType());
    auto transpose = linalg::TransposeOp::create(
        rewriter, loc, adaptor.getInput(), init, op.getPermutation());
    rewriter.replaceOp(op, transpose.getResult());
    return success();
  }
};

/// Concatenation writes each input into its slice of an empty result.
struct ConcatenateLowering : OpConversionPattern<ConcatenateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatenateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis = op.getAxis();
    RankedTensorType type = op.getResult().getType();
    Sizes resultSizes = sizesOf(rewriter, loc, adaptor.getInputs().front());
    resultSizes[axis] = indexAttr(rewriter, 0);
    for (Value input : adaptor.getInputs())
      resultSizes[axis] = addIndex(rewriter, loc, resultSizes[axis],
                                   tensor::getMixedSize(rewriter, loc, input, axis));
    Value result = emptyTensor(rewriter, loc, sizesFor(type, resultSizes),
                               type.getElementType());
    OpFoldResult offset = indexAttr(rewriter, 0);
    for (Value input : adaptor.getInputs()) {
      Sizes sizes = sizesOf(rewriter, loc, input);
      Sizes offsets(type.getRank(), indexAttr(rewriter, 0));
      Sizes strides(type.getRank(), indexAttr(rewriter, 1));
      offsets[axis] = offset;
      result = tensor::InsertSliceOp::create(rewriter, loc, input, result,
                                             offsets, sizes, strides);
      offset = addIndex(rewriter, loc, offset, sizes[axis]);
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
    return success();
  }
};

struct ReverseLowering : OpConversionPattern<ReverseOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReverseOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    int64_t rank = type.getRank();
    // I64Attr reads back unsigned: -1 only after the cast.
    int64_t axis = static_cast<int64_t>(op.getAxis());
    if (axis < 0)
      axis += rank;
    Value last = arith::SubIOp::create(
        rewriter, loc, tensor::DimOp::create(rewriter, loc, input, axis),
        arith::ConstantIndexOp::create(rewriter, loc, 1));
    Value init = emptyTensor(rewriter, loc, sizesOf(rewriter, loc, input),
                             type.getElementType());
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init},
        ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx)}, iters,
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < rank; ++d)
            at.push_back(linalg::IndexOp::create(b, l, d));
          at[axis] = arith::SubIOp::create(b, l, last, at[axis]);
          linalg::YieldOp::create(b, l,
                                  tensor::ExtractOp::create(b, l, input, at).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateShapePatterns(RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, TransposeLowering, ReverseLowering,
               ConcatenateLowering>(patterns.getContext());
}

} // namespace kiln::lowering
