//===- Layers.cpp - dense, matmul, conv2d and max_pool2d to linalg --------===//
//
// Layers lower to upstream named ops, so later tiling and vectorization see
// contractions and convolutions rather than anonymous generics:
//
//   dense       linalg.matmul into an init holding the broadcast bias (or 0);
//               inputs of rank > 2 are collapsed to 2-D and expanded back
//   matmul      linalg.matmul / linalg.batch_matmul, transposed operands
//               through explicit indexing_maps
//   conv2d      tensor.pad (same) + linalg.conv_2d_nhwc_hwcf into the bias
//   max_pool2d  tensor.pad with -inf (same) + linalg.pooling_nhwc_max
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/Utils.h"

using namespace mlir;

namespace kiln::lowering {
namespace {

/// A tensor of `sizes` holding `bias` (indexed by the last dimension)
/// broadcast along the others, or zeros when there is no bias.
Value biasInit(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
               Type elementType, Value bias) {
  if (!bias)
    return filledTensor(b, loc, sizes, floatConstant(b, loc, elementType, 0.0));
  MLIRContext *ctx = b.getContext();
  unsigned rank = sizes.size();
  AffineMap lastDim = AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx));
  return buildMap(b, loc, sizes, bias, lastDim, elementType,
                  [](OpBuilder &, Location, ValueRange args) {
                    return SmallVector<Value>{args[0]};
                  })
      .front();
}

struct DenseLowering : OpConversionPattern<DenseOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DenseOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    RankedTensorType type = op.getResult().getType();
    int64_t rank = type.getRank();
    Sizes inSizes = sizesOf(rewriter, loc, input);
    Sizes outSizes(ArrayRef<OpFoldResult>(inSizes).drop_back());
    outSizes.push_back(
        tensor::getMixedSize(rewriter, loc, adaptor.getKernel(), 1));
    outSizes = sizesFor(type, outSizes);

    // (..., K) -> (M, K) with M the product of the leading sizes.
    SmallVector<ReassociationIndices> groups;
    Value lhs = input;
    if (rank > 2) {
      groups = {llvm::to_vector(llvm::seq<int64_t>(0, rank - 1)), {rank - 1}};
      lhs = tensor::CollapseShapeOp::create(rewriter, loc, input, groups);
    }
    Sizes mmSizes = outSizes;
    if (rank > 2)
      mmSizes = {tensor::getMixedSize(rewriter, loc, lhs, 0), outSizes.back()};
    Value init = biasInit(rewriter, loc, mmSizes, type.getElementType(),
                          adaptor.getBias());
    Value mm =
        linalg::MatmulOp::create(rewriter, loc, init.getType(),
                                 ValueRange{lhs, adaptor.getKernel()}, init)
            .getResult(0);
    if (rank > 2)
      mm = tensor::ExpandShapeOp::create(rewriter, loc, type, mm, groups,
                                         outSizes);
    rewriter.replaceOp(op, castTo(rewriter, loc, mm, type));
    return success();
  }
};

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    RankedTensorType type = op.getResult().getType();
    int64_t rank = type.getRank();
    bool tl = op.getTransposeLhs(), tr = op.getTransposeRhs();
    Sizes sizes;
    if (rank == 3)
      sizes.push_back(tensor::getMixedSize(rewriter, loc, lhs, 0));
    sizes.push_back(
        tensor::getMixedSize(rewriter, loc, lhs, rank - (tl ? 1 : 2)));
    sizes.push_back(
        tensor::getMixedSize(rewriter, loc, rhs, rank - (tr ? 2 : 1)));
    Value init =
        filledTensor(rewriter, loc, sizesFor(type, sizes),
                     floatConstant(rewriter, loc, type.getElementType(), 0.0));

    // Loops (b,) m, n, k: lhs (b,) m, k or k, m; rhs (b,) k, n or n, k.
    MLIRContext *ctx = rewriter.getContext();
    unsigned nb = rank - 2;
    AffineExpr m = getAffineDimExpr(nb, ctx), n = getAffineDimExpr(nb + 1, ctx),
               k = getAffineDimExpr(nb + 2, ctx);
    auto map = [&](AffineExpr r0, AffineExpr r1) {
      SmallVector<AffineExpr> exprs;
      if (nb)
        exprs.push_back(getAffineDimExpr(0, ctx));
      exprs.append({r0, r1});
      return AffineMap::get(nb + 3, 0, exprs, ctx);
    };
    ArrayAttr maps = rewriter.getAffineMapArrayAttr(
        {tl ? map(k, m) : map(m, k), tr ? map(n, k) : map(k, n), map(m, n)});

    Value result;
    if (rank == 2) {
      auto mm = linalg::MatmulOp::create(rewriter, loc, init.getType(),
                                         ValueRange{lhs, rhs}, init);
      if (tl || tr)
        mm.setIndexingMapsAttr(maps);
      result = mm.getResult(0);
    } else {
      auto bmm = linalg::BatchMatmulOp::create(rewriter, loc, init.getType(),
                                               ValueRange{lhs, rhs}, init);
      if (tl || tr)
        bmm.setIndexingMapsAttr(maps);
      result = bmm.getResult(0);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The strides and unit dilations attributes of the 2-D window named ops.
std::pair<Attribute, Attribute> windowAttrs(OpBuilder &b,
                                            ArrayRef<int64_t> strides) {
  return {b.getI64TensorAttr(strides), b.getI64TensorAttr({1, 1})};
}

struct Conv2DLowering : OpConversionPattern<Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), kernel = adaptor.getKernel();
    RankedTensorType type = op.getResult().getType();
    Type et = type.getElementType();
    ArrayRef<int64_t> kshape =
        cast<RankedTensorType>(kernel.getType()).getShape();
    ArrayRef<int64_t> strides = op.getStrides();
    Sizes in = sizesOf(rewriter, loc, input);
    WindowDim h =
        windowDim(rewriter, loc, in[1], kshape[0], strides[0], op.getPadding());
    WindowDim w =
        windowDim(rewriter, loc, in[2], kshape[1], strides[1], op.getPadding());
    Value padded = padSpatial(rewriter, loc, input, h, w,
                              floatConstant(rewriter, loc, et, 0.0));
    Sizes out = sizesFor(
        type, {in[0], h.output, w.output, rewriter.getIndexAttr(kshape[3])});
    Value init = biasInit(rewriter, loc, out, et, adaptor.getBias());
    auto [s, d] = windowAttrs(rewriter, strides);
    auto conv = linalg::Conv2DNhwcHwcfOp::create(
        rewriter, loc, init.getType(), ValueRange{padded, kernel}, init, s, d);
    rewriter.replaceOp(op, conv.getResult(0));
    return success();
  }
};

struct MaxPool2DLowering : OpConversionPattern<MaxPool2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaxPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    RankedTensorType type = op.getResult().getType();
    Type et = type.getElementType();
    ArrayRef<int64_t> pool = op.getPoolSize(), strides = op.getStrides();
    Sizes in = sizesOf(rewriter, loc, input);
    WindowDim h =
        windowDim(rewriter, loc, in[1], pool[0], strides[0], op.getPadding());
    WindowDim w =
        windowDim(rewriter, loc, in[2], pool[1], strides[1], op.getPadding());
    Value minusInf = negInfinity(rewriter, loc, et);
    Value padded = padSpatial(rewriter, loc, input, h, w, minusInf);
    Sizes out = sizesFor(type, {in[0], h.output, w.output, in[3]});
    Value init = filledTensor(rewriter, loc, out, minusInf);
    // The window operand only carries the pool's shape.
    Value window = tensor::EmptyOp::create(rewriter, loc, pool, et);
    auto [s, d] = windowAttrs(rewriter, strides);
    auto max = linalg::PoolingNhwcMaxOp::create(
        rewriter, loc, init.getType(), ValueRange{padded, window}, init, s, d);
    rewriter.replaceOp(op, max.getResult(0));
    return success();
  }
};

} // namespace

void populateLayerPatterns(RewritePatternSet &patterns) {
  patterns
      .add<DenseLowering, MatmulLowering, Conv2DLowering, MaxPool2DLowering>(
          patterns.getContext());
}

} // namespace kiln::lowering
