//===- TileMatmul.cpp - kiln-tile's matmul matching and packing -----------===//
//
// Cache-blocked matmuls (B over half of L2) read packed operands: each
// kc x nc block of B once as nr-wide panels, each row tile of A once as a
// kc x mr tile. Both then stream contiguously through L1 whatever K and N
// are; at power-of-two sizes the unpacked rows alias in L1 and cross a page
// every k step.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/TileMatmul.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace kiln::tile {

std::optional<Matmul> matchMatmul(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op->getNumResults() != 1 ||
      op.getNumDpsInputs() != 2 || !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1 || !dims->batch.empty() || op.getNumLoops() != 3)
    return std::nullopt;
  if (!cast<ShapedType>(op->getResult(0).getType()).getElementType().isF32())
    return std::nullopt;
  Matmul mm{op, dims->m[0], dims->n[0], dims->k[0], false};
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (out.getNumResults() != 2 || out.getDimPosition(0) != mm.m ||
      out.getDimPosition(1) != mm.n)
    return std::nullopt;
  AffineMap b = op.getMatchingIndexingMap(op.getDpsInputOperand(1));
  if (!b.isProjectedPermutation() || b.getNumResults() != 2)
    return std::nullopt;
  mm.transposedB = b.getDimPosition(0) == mm.n;
  return mm;
}

/// Packs a cache block of B (kc x nc) into panels of `nr` columns stacked
/// as rows, [ceil(nc / nr) * kc][nr], so that a register tile reads its
/// kc x nr panel contiguously: no cache-set conflicts and no new page per k
/// step at power-of-two row lengths, and one stream the prefetchers follow.
/// The last panel is zero-padded (masked reads). Panels are 2-D slices of
/// a 2-D tensor, so that reading them needs no rank-reducing slice.
Value packB(RewriterBase &rewriter, Location loc, Value block, int64_t nr) {
  MLIRContext *ctx = rewriter.getContext();
  AffineExpr s0 = getAffineSymbolExpr(0, ctx), s1 = getAffineSymbolExpr(1, ctx);
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
  OpFoldResult kSize = tensor::getMixedSize(rewriter, loc, block, 0);
  OpFoldResult nSize = tensor::getMixedSize(rewriter, loc, block, 1);
  OpFoldResult panels = affine::makeComposedFoldedAffineApply(
      rewriter, loc, s0.ceilDiv(nr), {nSize});
  OpFoldResult rows = affine::makeComposedFoldedAffineApply(
      rewriter, loc, s0 * s1, {panels, kSize});
  Type f32 = rewriter.getF32Type();
  Value packed = tensor::EmptyOp::create(
      rewriter, loc, {rows, rewriter.getIndexAttr(nr)}, f32);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value pad =
      arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(0));
  Value kValue = getValueOrCreateConstantIndexOp(rewriter, loc, kSize);
  Value nValue = getValueOrCreateConstantIndexOp(rewriter, loc, nSize);
  auto vectorType = VectorType::get({nr}, f32);
  AffineMap row = AffineMap::get(2, 0, {d1}, ctx);
  auto outer = scf::ForOp::create(
      rewriter, loc, zero,
      getValueOrCreateConstantIndexOp(rewriter, loc, panels), one,
      ValueRange{packed},
      [&](OpBuilder &b, Location l, Value p, ValueRange args) {
        Value col = affine::makeComposedAffineApply(b, l, d0 * nr, {p});
        Value width = affine::makeComposedAffineApply(
            b, l, AffineMap::get(1, 1, {s0 - d0}, ctx), {col, nValue});
        Value mask = vector::CreateMaskOp::create(
            b, l, VectorType::get({nr}, b.getI1Type()), ValueRange{width});
        auto inner = scf::ForOp::create(
            b, l, zero, kValue, one, ValueRange{args[0]},
            [&](OpBuilder &b2, Location l2, Value k, ValueRange acc) {
              Value v = vector::TransferReadOp::create(
                  b2, l2, vectorType, block, ValueRange{k, col},
                  AffineMapAttr::get(row), pad, mask,
                  b2.getBoolArrayAttr({true}));
              Value r = affine::makeComposedAffineApply(
                  b2, l2, AffineMap::get(2, 1, {d0 * s0 + d1}, ctx),
                  {p, k, kValue});
              Value w = vector::TransferWriteOp::create(
                            b2, l2, v, acc[0], ValueRange{r, zero},
                            AffineMapAttr::get(row), b2.getBoolArrayAttr({true}))
                            ->getResult(0);
              scf::YieldOp::create(b2, l2, w);
            });
        scf::YieldOp::create(b, l, inner.getResult(0));
      });
  return outer.getResult(0);
}

/// Makes the matmuls inside `scope` read B's register-tile panels from
/// `packed` (see packB) instead of slices of `block`.
void readPackedB(RewriterBase &rewriter, Operation *scope, Value block,
                 Value packed, int64_t nr) {
  SmallVector<tensor::ExtractSliceOp> slices;
  scope->walk([&](linalg::LinalgOp op) {
    if (!matchMatmul(op))
      return;
    auto slice =
        op.getDpsInputOperand(1)->get().getDefiningOp<tensor::ExtractSliceOp>();
    if (slice && slice.getSource() == block && slice.hasUnitStride())
      slices.push_back(slice);
  });
  MLIRContext *ctx = rewriter.getContext();
  AffineExpr d0 = getAffineDimExpr(0, ctx);
  AffineExpr s0 = getAffineSymbolExpr(0, ctx), s1 = getAffineSymbolExpr(1, ctx);
  for (tensor::ExtractSliceOp slice : slices) {
    rewriter.setInsertionPoint(slice);
    Location loc = slice.getLoc();
    SmallVector<OpFoldResult> offsets = slice.getMixedOffsets();
    OpFoldResult kSize = tensor::getMixedSize(rewriter, loc, block, 0);
    // Column tiles start at multiples of nr (the loop steps by nr from 0,
    // and peeling keeps the partial tile's start): panel offset / nr.
    // Offsets are non-negative: an unsigned division, computed once per
    // tile, where an affine floordiv would be composed into every k step
    // and lowered with sign fix-ups.
    Value panel = arith::DivUIOp::create(
        rewriter, loc,
        getValueOrCreateConstantIndexOp(rewriter, loc, offsets[1]),
        arith::ConstantIndexOp::create(rewriter, loc, nr));
    OpFoldResult rowOffset = affine::makeComposedFoldedAffineApply(
        rewriter, loc, AffineMap::get(1, 2, {s0 * s1 + d0}, ctx),
        {offsets[0], panel, kSize});
    Value replacement = tensor::ExtractSliceOp::create(
        rewriter, loc, slice.getType(), packed,
        ArrayRef<OpFoldResult>{rowOffset, rewriter.getIndexAttr(0)},
        slice.getMixedSizes(), slice.getMixedStrides());
    rewriter.replaceOp(slice, replacement);
  }
}

} // namespace kiln::tile
