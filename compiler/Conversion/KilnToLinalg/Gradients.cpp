//===- Gradients.cpp - Adjoints of the window ops -------------------------===//
//
// conv2d_input_grad: the transposed convolution. dy is placed, dilated by
//   the stride, into a zero tensor of size (N, H + KH - 1, W + KW - 1, Cout)
//   at offset KH - 1 - pad_before (tensor.pad when the stride is 1, else a
//   strided tensor.insert_slice into a zero fill), then convolved at stride 1
//   by linalg.conv_2d_nhwc_hwcf with the kernel flipped in H and W and its
//   channels swapped (a small generic: k'[i, j, co, ci] = k[KH-1-i, KW-1-j,
//   ci, co]). Row h of the result then sums dy[oh] * k[h + pad - oh * s].
// conv2d_kernel_grad: one linalg.generic over (kh, kw, ci, co | n, oh, ow)
//   with three reduction loops reading the (padded) input at
//   (n, oh * sh + kh, ow * sw + kw, ci) and dy at (n, oh, ow, co).
// max_pool2d_grad: two reductions over (n, oh, ow, c | kh, kw) find each
//   window's first (row-major) arg-max in the -inf-padded input (the
//   maximum, then the lowest offset holding it); then, for each of the
//   KH x KW window offsets, dy is added where the arg-max is that offset into
//   the strided slice of a zero tensor of the padded input's size
//   (extract_slice / generic / insert_slice), so overlapping windows add up;
//   the padding is cut off at the end and never receives anything.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

namespace kiln::lowering {
namespace {

struct Conv2DInputGradLowering : OpConversionPattern<Conv2DInputGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2DInputGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value dy = adaptor.getDy(), kernel = adaptor.getKernel();
    RankedTensorType type = op.getResult().getType();
    if (ShapedType::isDynamic(type.getDimSize(1)) ||
        ShapedType::isDynamic(type.getDimSize(2)))
      return op.emitOpError(
          "needs a static input height and width to be lowered: dy does not "
          "determine them when strides exceed 1");
    Type et = type.getElementType();
    ArrayRef<int64_t> k = cast<RankedTensorType>(kernel.getType()).getShape();
    ArrayRef<int64_t> strides = op.getStrides();
    Sizes dySizes = sizesOf(rewriter, loc, dy);
    Value zero = floatConstant(rewriter, loc, et, 0.0);

    // dy dilated and padded: rows low + oh * s of a (H + KH - 1)-row tensor.
    int64_t size[2], low[2];
    for (int i = 0; i < 2; ++i) {
      WindowDim d = windowDim(rewriter, loc,
                              rewriter.getIndexAttr(type.getDimSize(1 + i)),
                              k[i], strides[i], op.getPadding());
      size[i] = type.getDimSize(1 + i) + k[i] - 1;
      low[i] = k[i] - 1 - *getConstantIntValue(d.padBefore);
    }
    Sizes fullSizes = {dySizes[0], rewriter.getIndexAttr(size[0]),
                       rewriter.getIndexAttr(size[1]), dySizes[3]};
    Value spread;
    if (strides[0] == 1 && strides[1] == 1) {
      OpFoldResult z = rewriter.getIndexAttr(0);
      Sizes lowSizes = {z, rewriter.getIndexAttr(low[0]),
                        rewriter.getIndexAttr(low[1]), z};
      Sizes high = {z, z, z, z};
      for (int i = 0; i < 2; ++i)
        high[1 + i] =
            subIndex(rewriter, loc, rewriter.getIndexAttr(size[i] - low[i]),
                     dySizes[1 + i]);
      spread = padTensor(rewriter, loc, dy, lowSizes, high, zero);
    } else {
      Value zeros = filledTensor(rewriter, loc, fullSizes, zero);
      spread = tensor::InsertSliceOp::create(
          rewriter, loc, dy, zeros,
          Sizes{rewriter.getIndexAttr(0), rewriter.getIndexAttr(low[0]),
                rewriter.getIndexAttr(low[1]), rewriter.getIndexAttr(0)},
          dySizes,
          Sizes{rewriter.getIndexAttr(1), rewriter.getIndexAttr(strides[0]),
                rewriter.getIndexAttr(strides[1]), rewriter.getIndexAttr(1)});
    }

    // k'[i, j, co, ci] = k[KH-1-i, KW-1-j, ci, co].
    AffineExpr d0, d1, d2, d3;
    bindDims(ctx, d0, d1, d2, d3);
    AffineMap flip =
        AffineMap::get(4, 0, {k[0] - 1 - d0, k[1] - 1 - d1, d3, d2}, ctx);
    Sizes flippedSizes = {
        rewriter.getIndexAttr(k[0]), rewriter.getIndexAttr(k[1]),
        rewriter.getIndexAttr(k[3]), rewriter.getIndexAttr(k[2])};
    Value flipped = buildMap(rewriter, loc, flippedSizes, kernel, flip, et,
                             [](OpBuilder &, Location, ValueRange a) {
                               return SmallVector<Value>{a[0]};
                             })
                        .front();

    Sizes out =
        sizesFor(type, {dySizes[0], rewriter.getIndexAttr(0),
                        rewriter.getIndexAttr(0), rewriter.getIndexAttr(k[2])});
    Value init = filledTensor(rewriter, loc, out, zero);
    auto conv = linalg::Conv2DNhwcHwcfOp::create(
        rewriter, loc, init.getType(), ValueRange{spread, flipped}, init,
        rewriter.getI64TensorAttr({1, 1}), rewriter.getI64TensorAttr({1, 1}));
    rewriter.replaceOp(op, castTo(rewriter, loc, conv.getResult(0), type));
    return success();
  }
};

struct Conv2DKernelGradLowering : OpConversionPattern<Conv2DKernelGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2DKernelGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput(), dy = adaptor.getDy();
    RankedTensorType type = op.getResult().getType();
    Type et = type.getElementType();
    ArrayRef<int64_t> strides = op.getStrides();
    Sizes in = sizesOf(rewriter, loc, x);
    WindowDim h = windowDim(rewriter, loc, in[1], type.getDimSize(0),
                            strides[0], op.getPadding());
    WindowDim w = windowDim(rewriter, loc, in[2], type.getDimSize(1),
                            strides[1], op.getPadding());
    Value zero = floatConstant(rewriter, loc, et, 0.0);
    Value padded = padSpatial(rewriter, loc, x, h, w, zero);

    // Loops: kh, kw, ci, co (parallel) | n, oh, ow (reduction).
    AffineExpr kh, kw, ci, co, n, oh, ow;
    bindDims(ctx, kh, kw, ci, co, n, oh, ow);
    AffineMap xMap = AffineMap::get(
        7, 0, {n, oh * strides[0] + kh, ow * strides[1] + kw, ci}, ctx);
    AffineMap dyMap = AffineMap::get(7, 0, {n, oh, ow, co}, ctx);
    AffineMap outMap = AffineMap::get(7, 0, {kh, kw, ci, co}, ctx);
    auto par = utils::IteratorType::parallel,
         red = utils::IteratorType::reduction;
    Sizes out;
    for (int64_t d : type.getShape())
      out.push_back(rewriter.getIndexAttr(d));
    Value init = filledTensor(rewriter, loc, out, zero);
    Value dk = buildGeneric(rewriter, loc, {padded, dy}, {xMap, dyMap}, init,
                            outMap, {par, par, par, par, red, red, red},
                            [](OpBuilder &b, Location l, ValueRange a) {
                              Value m = arith::MulFOp::create(b, l, a[0], a[1]);
                              return SmallVector<Value>{
                                  arith::AddFOp::create(b, l, a[2], m)};
                            })
                   .front();
    rewriter.replaceOp(op, dk);
    return success();
  }
};

/// The max-pool gradient when windows tile the input without overlap or
/// padding (strides equal to the pool size, static H and W): one pass over
/// dx. Each of the P x Q strided views of x holds one window position; an
/// all-parallel generic over (n, oh, kh, ow, kw, c) finds the window's first
/// arg-max and writes dy there and 0 elsewhere into an [N, OH, P, OW, Q, C]
/// tensor, which collapses to [N, OH * P, OW * Q, C] without a copy. Rows
/// and columns no window covers (valid padding of an odd size) get zeros.
/// Null when the windows do not tile the input.
Value nonOverlappingMaxPoolGrad(OpBuilder &b, Location loc, Value x, Value dy,
                                ArrayRef<int64_t> pool,
                                ArrayRef<int64_t> strides, const WindowDim &h,
                                const WindowDim &w) {
  auto xType = cast<RankedTensorType>(x.getType());
  std::optional<int64_t> oh = getConstantIntValue(h.output),
                         ow = getConstantIntValue(w.output);
  if (pool != strides || !oh || !ow || xType.isDynamicDim(1) ||
      xType.isDynamicDim(2) || xType.isDynamicDim(3) ||
      !isConstantIntValue(h.padBefore, 0) ||
      !isConstantIntValue(w.padBefore, 0) ||
      !isConstantIntValue(h.padAfter, 0) || !isConstantIntValue(w.padAfter, 0))
    return Value();
  MLIRContext *ctx = b.getContext();
  Type et = xType.getElementType();
  const int64_t p = pool[0], q = pool[1], c = xType.getDimSize(3);
  OpFoldResult n = sizesOf(b, loc, x)[0];
  SmallVector<Value> views;
  for (int64_t i = 0; i < p; ++i)
    for (int64_t j = 0; j < q; ++j)
      views.push_back(tensor::ExtractSliceOp::create(
          b, loc, x,
          Sizes{b.getIndexAttr(0), b.getIndexAttr(i), b.getIndexAttr(j),
                b.getIndexAttr(0)},
          Sizes{n, b.getIndexAttr(*oh), b.getIndexAttr(*ow), b.getIndexAttr(c)},
          Sizes{b.getIndexAttr(1), b.getIndexAttr(p), b.getIndexAttr(q),
                b.getIndexAttr(1)}));
  AffineExpr dn, doh, dkh, dow, dkw, dc;
  bindDims(ctx, dn, doh, dkh, dow, dkw, dc);
  AffineMap windowMap = AffineMap::get(6, 0, {dn, doh, dow, dc}, ctx);
  SmallVector<Value> inputs(views);
  inputs.push_back(dy);
  SmallVector<AffineMap> maps(inputs.size(), windowMap);
  Value init = emptyTensor(
      b, loc,
      Sizes{n, b.getIndexAttr(*oh), b.getIndexAttr(p), b.getIndexAttr(*ow),
            b.getIndexAttr(q), b.getIndexAttr(c)},
      et);
  const int64_t count = p * q;
  Value grad =
      buildGeneric(
          b, loc, inputs, maps, init, b.getMultiDimIdentityMap(6),
          SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location l, ValueRange a) {
            auto i32 = [&](int64_t v) {
              return arith::ConstantOp::create(nb, l, nb.getI32IntegerAttr(v))
                  .getResult();
            };
            // First arg-max, as the general lowering: strict > from -inf,
            // so a window of NaNs has none and gets no gradient.
            Value best = negInfinity(nb, l, et), bestIdx = i32(count);
            for (int64_t t = 0; t < count; ++t) {
              Value take = arith::CmpFOp::create(
                  nb, l, arith::CmpFPredicate::OGT, a[t], best);
              best = arith::SelectOp::create(nb, l, take, a[t], best);
              bestIdx = arith::SelectOp::create(nb, l, take, i32(t), bestIdx);
            }
            Value kh = linalg::IndexOp::create(nb, l, 2);
            Value kw = linalg::IndexOp::create(nb, l, 4);
            Value here = arith::IndexCastOp::create(
                nb, l, nb.getI32Type(),
                arith::AddIOp::create(
                    nb, l,
                    arith::MulIOp::create(
                        nb, l, kh, arith::ConstantIndexOp::create(nb, l, q)),
                    kw));
            Value hit = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                              bestIdx, here);
            return SmallVector<Value>{arith::SelectOp::create(
                nb, l, hit, a[count], floatConstant(nb, l, et, 0.0))};
          })
          .front();
  Value dx = tensor::CollapseShapeOp::create(
      b, loc, grad,
      SmallVector<ReassociationIndices>{{0}, {1, 2}, {3, 4}, {5}});
  int64_t coveredH = *oh * p, coveredW = *ow * q;
  if (coveredH == xType.getDimSize(1) && coveredW == xType.getDimSize(2))
    return dx;
  WindowDim hPad = h, wPad = w;
  hPad.padAfter = b.getIndexAttr(xType.getDimSize(1) - coveredH);
  wPad.padAfter = b.getIndexAttr(xType.getDimSize(2) - coveredW);
  return padSpatial(b, loc, dx, hPad, wPad, floatConstant(b, loc, et, 0.0));
}

struct MaxPool2DGradLowering : OpConversionPattern<MaxPool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaxPool2DGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput(), dy = adaptor.getDy();
    RankedTensorType type = op.getResult().getType();
    Type et = type.getElementType();
    ArrayRef<int64_t> pool = op.getPoolSize(), strides = op.getStrides();
    Sizes in = sizesOf(rewriter, loc, x);
    WindowDim h =
        windowDim(rewriter, loc, in[1], pool[0], strides[0], op.getPadding());
    WindowDim w =
        windowDim(rewriter, loc, in[2], pool[1], strides[1], op.getPadding());
    if (Value dx = nonOverlappingMaxPoolGrad(rewriter, loc, x, adaptor.getDy(),
                                             pool, strides, h, w)) {
      rewriter.replaceOp(op, castTo(rewriter, loc, dx, type));
      return success();
    }
    Value minusInf = negInfinity(rewriter, loc, et);
    Value padded = padSpatial(rewriter, loc, x, h, w, minusInf);
    Sizes dySizes = sizesOf(rewriter, loc, dy);

    // First arg-max of each window as kh * KW + kw.
    AffineExpr n, oh, ow, c, kh, kw;
    bindDims(ctx, n, oh, ow, c, kh, kw);
    AffineMap xMap = AffineMap::get(
        6, 0, {n, oh * strides[0] + kh, ow * strides[1] + kw, c}, ctx);
    AffineMap windowMap = AffineMap::get(6, 0, {kh, kw}, ctx);
    AffineMap outMap = AffineMap::get(6, 0, {n, oh, ow, c}, ctx);
    Value window = tensor::EmptyOp::create(rewriter, loc, pool, et);
    Value none = i64Constant(rewriter, loc, pool[0] * pool[1]);
    Value maxInit = filledTensor(rewriter, loc, dySizes, minusInf);
    Value idxInit = filledTensor(rewriter, loc, dySizes, none);
    auto par = utils::IteratorType::parallel,
         red = utils::IteratorType::reduction;
    int64_t poolW = pool[1];
    Value argmax =
        buildFirstArgMax(rewriter, loc, {padded, window}, {xMap, windowMap},
                         outMap, {par, par, par, par, red, red}, maxInit,
                         idxInit, none,
                         [&](OpBuilder &b, Location l) -> Value {
                           return arith::AddIOp::create(
                               b, l,
                               arith::MulIOp::create(b, l,
                                                     loopIndexI64(b, l, 4),
                                                     i64Constant(b, l, poolW)),
                               loopIndexI64(b, l, 5));
                         })
            .second;

    // Scatter-add dy into the strided slice of each window offset.
    Value zero = floatConstant(rewriter, loc, et, 0.0);
    Sizes paddedSizes = sizesOf(rewriter, loc, padded);
    Value dx = filledTensor(rewriter, loc, paddedSizes, zero);
    AffineMap id = rewriter.getMultiDimIdentityMap(4);
    Sizes sliceStrides = {
        rewriter.getIndexAttr(1), rewriter.getIndexAttr(strides[0]),
        rewriter.getIndexAttr(strides[1]), rewriter.getIndexAttr(1)};
    for (int64_t i = 0; i < pool[0]; ++i) {
      for (int64_t j = 0; j < pool[1]; ++j) {
        Sizes offsets = {rewriter.getIndexAttr(0), rewriter.getIndexAttr(i),
                         rewriter.getIndexAttr(j), rewriter.getIndexAttr(0)};
        Value slice = tensor::ExtractSliceOp::create(rewriter, loc, dx, offsets,
                                                     dySizes, sliceStrides);
        Value offset = i64Constant(rewriter, loc, i * pool[1] + j);
        Value updated =
            buildGeneric(rewriter, loc, {dy, argmax}, {id, id}, slice, id,
                         SmallVector<utils::IteratorType>(4, par),
                         [&](OpBuilder &b, Location l, ValueRange a) {
                           Value hit = arith::CmpIOp::create(
                               b, l, arith::CmpIPredicate::eq, a[1], offset);
                           Value add = arith::AddFOp::create(b, l, a[2], a[0]);
                           return SmallVector<Value>{
                               arith::SelectOp::create(b, l, hit, add, a[2])};
                         })
                .front();
        dx = tensor::InsertSliceOp::create(rewriter, loc, updated, dx, offsets,
                                           dySizes, sliceStrides);
      }
    }
    if (padded != x) {
      OpFoldResult z = rewriter.getIndexAttr(0), one = rewriter.getIndexAttr(1);
      dx = tensor::ExtractSliceOp::create(
          rewriter, loc, type, dx, Sizes{z, h.padBefore, w.padBefore, z},
          sizesFor(type, in), Sizes{one, one, one, one});
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, dx, type));
    return success();
  }
};

} // namespace

void populateWindowGradientPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DInputGradLowering, Conv2DKernelGradLowering,
               MaxPool2DGradLowering>(patterns.getContext());
}

} // namespace kiln::lowering
