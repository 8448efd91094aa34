//===- VectorizeCopies.cpp - kiln-vectorize-copies ------------------------===//
#include "compiler/Codegen/CostModel.h"
#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

namespace kiln {
#define GEN_PASS_DEF_KILNVECTORIZECOPIESPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

/// Whether the innermost dimension of `type` is contiguous.
bool unitInnerStride(MemRefType type) {
  if (type.getRank() == 0)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  return strides.back() == 1;
}

/// Emits loops over `dst`'s shape calling `body(indices, mask-or-null, width)`
/// for every vector along the innermost dimension. With `threads` > 1 the
/// outermost loop is split into that many chunks by an scf.forall.
void emitVectorLoops(
    OpBuilder &b, Location loc, Value dst, int64_t width, int64_t threads,
    llvm::function_ref<void(OpBuilder &, Location, ValueRange, Value)> body) {
  auto type = cast<MemRefType>(dst.getType());
  int64_t rank = type.getRank();
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(memref::DimOp::create(b, loc, dst, d));
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value vw = arith::ConstantIndexOp::create(b, loc, width);
  std::function<void(OpBuilder &, int64_t, SmallVector<Value>)> nest =
      [&](OpBuilder &nb, int64_t d, SmallVector<Value> ivs) {
        if (d + 1 < rank) {
          scf::ForOp::create(nb, loc, c0, sizes[d], c1, ValueRange{},
                             [&](OpBuilder &bb, Location, Value iv,
                                 ValueRange) {
                               SmallVector<Value> next(ivs);
                               next.push_back(iv);
                               nest(bb, d + 1, next);
                               scf::YieldOp::create(bb, loc);
                             });
          return;
        }
        // n - n % width full vectors, then one masked vector.
        Value n = sizes[d];
        Value rem = arith::RemUIOp::create(nb, loc, n, vw);
        Value full = arith::SubIOp::create(nb, loc, n, rem);
        scf::ForOp::create(nb, loc, c0, full, vw, ValueRange{},
                           [&](OpBuilder &bb, Location, Value iv, ValueRange) {
                             SmallVector<Value> idx(ivs);
                             idx.push_back(iv);
                             body(bb, loc, idx, Value());
                             scf::YieldOp::create(bb, loc);
                           });
        SmallVector<Value> idx(ivs);
        idx.push_back(full);
        auto maskType = VectorType::get({width}, nb.getI1Type());
        Value mask = vector::CreateMaskOp::create(nb, loc, maskType,
                                                  ValueRange{rem});
        body(nb, loc, idx, mask);
      };
  if (threads <= 1 || rank < 2) {
    nest(b, 0, {});
    return;
  }
  // Chunk t covers rows [t * ceil(n / threads), min(n, (t + 1) * ...)).
  MLIRContext *ctx = b.getContext();
  AffineExpr t = getAffineDimExpr(0, ctx), n = getAffineSymbolExpr(0, ctx);
  AffineExpr chunk = (n + threads - 1).floorDiv(threads);
  scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(threads)}, ValueRange{},
      std::nullopt, [&](OpBuilder &fb, Location, ValueRange ivs) {
        Value lo = affine::AffineApplyOp::create(
            fb, loc, AffineMap::get(1, 1, t * chunk), {ivs[0], sizes[0]});
        Value hi = affine::AffineMinOp::create(
            fb, loc,
            AffineMap::get(1, 1, {(t + 1) * chunk, n}, ctx),
            ValueRange{ivs[0], sizes[0]});
        scf::ForOp::create(fb, loc, lo, hi, c1, ValueRange{},
                           [&](OpBuilder &bb, Location, Value iv, ValueRange) {
                             nest(bb, 1, {iv});
                             scf::YieldOp::create(bb, loc);
                           });
        scf::InParallelOp::create(fb, loc);
      });
}

/// The value a `linalg.map` with no inputs yields everywhere (bufferized
/// `tensor.pad` borders), materialized before `map`; null if it yields
/// anything else.
Value fillValueOf(OpBuilder &b, linalg::MapOp map) {
  if (!map.getInputs().empty())
    return Value();
  Block &body = map.getMapper().front();
  auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
  if (!yield || yield->getNumOperands() != 1)
    return Value();
  Value v = yield->getOperand(0);
  if (v.getParentRegion() != &map.getMapper())
    return v;
  if (auto cst = v.getDefiningOp<arith::ConstantOp>())
    return b.clone(*cst)->getResult(0);
  return Value();
}

/// A 1-D transfer along the innermost dimension, masked when `mask` is set.
Value read(OpBuilder &b, Location loc, VectorType type, Value src,
           ValueRange idx, Value pad, Value mask) {
  auto rank = cast<MemRefType>(src.getType()).getRank();
  AffineMap map = AffineMap::getMinorIdentityMap(rank, 1, b.getContext());
  return vector::TransferReadOp::create(b, loc, type, src, idx,
                                        AffineMapAttr::get(map), pad, mask,
                                        b.getBoolArrayAttr({true}))
      .getResult();
}

void write(OpBuilder &b, Location loc, Value v, Value dst, ValueRange idx,
           Value mask) {
  auto rank = cast<MemRefType>(dst.getType()).getRank();
  AffineMap map = AffineMap::getMinorIdentityMap(rank, 1, b.getContext());
  vector::TransferWriteOp::create(b, loc, v, dst, idx, AffineMapAttr::get(map),
                                  mask, b.getBoolArrayAttr({true}));
}

struct KilnVectorizeCopiesPass
    : public impl::KilnVectorizeCopiesPassBase<KilnVectorizeCopiesPass> {
  using KilnVectorizeCopiesPassBase::KilnVectorizeCopiesPassBase;

  void runOnOperation() override {
    FailureOr<CpuTarget> target =
        targetOf(getOperation(), "kiln-vectorize-copies");
    if (failed(target))
      return signalPassFailure();
    int64_t bits = target->vectorBits;
    int64_t parallel = target->threads;
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<linalg::CopyOp, linalg::FillOp, linalg::MapOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      auto l = cast<linalg::LinalgOp>(op);
      if (!l.hasPureBufferSemantics())
        continue;
      Value dst = l.getDpsInits()[0];
      auto dstType = dyn_cast<MemRefType>(dst.getType());
      if (!dstType || !unitInnerStride(dstType) ||
          !dstType.getElementType().isIntOrFloat())
        continue;
      Type et = dstType.getElementType();
      int64_t width = std::max<int64_t>(1, bits / et.getIntOrFloatBitWidth());
      auto vecType = VectorType::get({width}, et);
      OpBuilder b(op);
      Location loc = op->getLoc();
      // Large passes outside any loop go over all threads.
      int64_t elements = 1;
      for (int64_t d : dstType.getShape())
        elements *= ShapedType::isDynamic(d) ? 32 : d;
      int64_t chunks = 1;
      if (parallel > 1 && elements >= kMinParallelElements &&
          isa<func::FuncOp>(op->getParentOp()))
        chunks = parallel;
      if (auto copy = dyn_cast<linalg::CopyOp>(op)) {
        Value src = copy.getInputs()[0];
        auto srcType = dyn_cast<MemRefType>(src.getType());
        if (!srcType || !unitInnerStride(srcType) ||
            srcType.getElementType() != et)
          continue;
        Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(et));
        emitVectorLoops(b, loc, dst, width, chunks,
                        [&](OpBuilder &bb, Location l, ValueRange idx,
                            Value mask) {
                          Value v = read(bb, l, vecType, src, idx, pad, mask);
                          write(bb, l, v, dst, idx, mask);
                        });
      } else {
        Value value;
        if (auto fill = dyn_cast<linalg::FillOp>(op))
          value = fill.getInputs()[0];
        else
          value = fillValueOf(b, cast<linalg::MapOp>(op));
        if (!value || value.getType() != et)
          continue;
        Value splat = vector::BroadcastOp::create(b, loc, vecType, value);
        emitVectorLoops(b, loc, dst, width, chunks,
                        [&](OpBuilder &bb, Location l, ValueRange idx,
                            Value mask) { write(bb, l, splat, dst, idx, mask); });
      }
      op->erase();
    }
  }
};

} // namespace
} // namespace kiln
