//===- Regularization.cpp - kiln.dropout to linalg.generic ----------------===//
//
// Dropout's mask is a hash, not a stored random tensor: a 32-bit key mixed
// from the op's seed and the step counter once, then per element the
// indices folded in (h = (h + i_d) * golden ratio) and Murmur3's finalizer.
// Distinct positions give distinct hashes, the finalizer spreads them over
// 32 bits, and an element is kept when its hash is at least rate * 2^32.
// All integer arithmetic: the generic vectorizes like any elementwise op.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/Utils.h"

#include <cmath>

using namespace mlir;

namespace kiln::lowering {
namespace {

Value i32Constant(OpBuilder &b, Location loc, uint32_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI32Type(), int64_t(v));
}

/// Murmur3's 32-bit finalizer: a bijection with full avalanche.
Value fmix32(OpBuilder &b, Location loc, Value h) {
  auto xorShift = [&](Value v, unsigned s) {
    return arith::XOrIOp::create(
        b, loc, v, arith::ShRUIOp::create(b, loc, v, i32Constant(b, loc, s)));
  };
  h = xorShift(h, 16);
  h = arith::MulIOp::create(b, loc, h, i32Constant(b, loc, 0x85ebca6bu));
  h = xorShift(h, 13);
  h = arith::MulIOp::create(b, loc, h, i32Constant(b, loc, 0xc2b2ae35u));
  return xorShift(h, 16);
}

struct DropoutLowering : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto type = cast<RankedTensorType>(op.getResult().getType());
    Type i32 = b.getI32Type();
    double rate = op.getRate().convertToDouble();

    // key = fmix(fmix(seed) ^ step), computed once outside the generic.
    uint64_t seed = uint64_t(op.getSeed());
    Value step = tensor::ExtractOp::create(b, loc, adaptor.getStep(),
                                           ValueRange{});
    Value stepLo = arith::TruncIOp::create(b, loc, i32, step);
    Value stepHi = arith::TruncIOp::create(
        b, loc, i32,
        arith::ShRUIOp::create(b, loc, step, i64Constant(b, loc, 32)));
    Value key = fmix32(
        b, loc, i32Constant(b, loc, uint32_t(seed) ^ uint32_t(seed >> 32)));
    key = fmix32(b, loc, arith::XOrIOp::create(b, loc, key, stepLo));
    key = fmix32(b, loc, arith::XOrIOp::create(b, loc, key, stepHi));

    double threshold = std::ceil(rate * 4294967296.0);
    Value cut = i32Constant(b, loc, uint32_t(std::min(threshold, 4294967295.0)));
    Value scale = floatConstant(b, loc, type.getElementType(), 1.0 / (1.0 - rate));
    Value zero = floatConstant(b, loc, type.getElementType(), 0.0);
    int64_t rank = type.getRank();
    Value result = buildBroadcastMap(
        b, loc, type, sizesOf(b, loc, adaptor.getInput()), adaptor.getInput(),
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value h = key;
          for (int64_t d = 0; d < rank; ++d) {
            Value i = arith::IndexCastOp::create(
                nb, l, i32, linalg::IndexOp::create(nb, l, d));
            h = arith::MulIOp::create(nb, l, arith::AddIOp::create(nb, l, h, i),
                                      i32Constant(nb, l, 0x9e3779b1u));
          }
          h = fmix32(nb, l, h);
          Value keep =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::uge, h, cut);
          Value scaled = arith::MulFOp::create(nb, l, args[0], scale);
          return SmallVector<Value>{
              arith::SelectOp::create(nb, l, keep, scaled, zero)};
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateRegularizationPatterns(RewritePatternSet &patterns) {
  patterns.add<DropoutLowering>(patterns.getContext());
}

} // namespace kiln::lowering
