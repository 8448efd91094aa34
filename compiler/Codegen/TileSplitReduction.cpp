//===- TileSplitReduction.cpp - reductions to small outputs over threads --===//
//
// A reduction whose output is too small to split over the threads (a bias
// gradient sums batch x 26 x 26 rows into 32 values, a convolution's kernel
// gradient into 3x3x1x32) ran on one thread while the others waited: on
// znver5 the CNN's train step spent 13% of its time there. Such a sum is
// split along its batch (or its largest reduction loop) into one partial
// result per thread, [threads][output...], summed into the op's init after
// the scf.forall. The partial ops are then tiled and vectorized like any
// other (windowed kernels included); only the merge, a pass over threads x
// the small output, is added. (Upstream's partial reduction tiling puts the
// threads innermost, [output...][threads]: each kernel then stored its
// vectors as strided scalars, and the step ran twice as slow.)
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/Kernels.h"
#include "compiler/Codegen/Strategy.h"
#include "compiler/Codegen/TileMatmul.h"
#include "compiler/Codegen/TileSupport.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;

namespace kiln::tile {

/// Splits `op` along reduction loop `dim` into `threads` partial results,
/// [threads][output...] so that each thread writes a contiguous slice, and
/// sums them into the op's init after the forall.
static LogicalResult splitOne(TileContext &ctx, linalg::LinalgOp op,
                              unsigned dim, int64_t threads) {
  RewriterBase &rewriter = ctx.rewriter;
  Location loc = op.getLoc();
  MLIRContext *mctx = rewriter.getContext();
  rewriter.setInsertionPoint(op);
  Value init = op.getDpsInitOperand(0)->get();
  auto outType = cast<RankedTensorType>(init.getType());
  SmallVector<OpFoldResult> outSizes =
      tensor::getMixedSizes(rewriter, loc, init);
  SmallVector<OpFoldResult> partialSizes = {rewriter.getIndexAttr(threads)};
  partialSizes.append(outSizes);
  Value zero = arith::ConstantOp::create(rewriter, loc,
                                         rewriter.getF32FloatAttr(0));
  Value empty = tensor::EmptyOp::create(rewriter, loc, partialSizes,
                                        outType.getElementType());
  Value partialInit =
      linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);

  SmallVector<Range> domain =
      cast<TilingInterface>(op.getOperation()).getIterationDomain(rewriter);
  AffineExpr d0 = getAffineDimExpr(0, mctx), s0 = getAffineSymbolExpr(0, mctx);
  OpFoldResult chunk = affine::makeComposedFoldedAffineApply(
      rewriter, loc, s0.ceilDiv(threads), {domain[dim].size});
  int64_t rank = outType.getRank();
  bool tiledOk = false;
  auto forall = scf::ForallOp::create(
      rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(threads)},
      ValueRange{partialInit}, std::nullopt,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value t = args[0], partial = args[1];
        OpFoldResult offset = affine::makeComposedFoldedAffineApply(
            b, l, AffineMap::get(1, 1, {d0 * s0}, mctx), {t, chunk});
        OpFoldResult size = affine::makeComposedFoldedAffineMin(
            b, l,
            AffineMap::get(1, 2, {s0, getAffineSymbolExpr(1, mctx) - d0},
                           mctx),
            {offset, chunk, domain[dim].size});
        SmallVector<OpFoldResult> offsets, sizes;
        for (unsigned d = 0; d < domain.size(); ++d) {
          offsets.push_back(d == dim ? offset : domain[d].offset);
          sizes.push_back(d == dim ? size : domain[d].size);
        }
        // This thread's slice of the partials, rank-reduced to the output.
        SmallVector<OpFoldResult> sliceOffsets(rank + 1, b.getIndexAttr(0));
        sliceOffsets[0] = t;
        SmallVector<OpFoldResult> sliceSizes = {b.getIndexAttr(1)};
        sliceSizes.append(outSizes);
        SmallVector<OpFoldResult> strides(rank + 1, b.getIndexAttr(1));
        Value mine = tensor::ExtractSliceOp::create(
            b, l, outType, partial, sliceOffsets, sliceSizes, strides);
        IRMapping map;
        map.map(init, mine);
        auto clone = cast<linalg::LinalgOp>(b.clone(*op, map));
        FailureOr<TilingResult> tiled =
            cast<TilingInterface>(clone.getOperation())
                .getTiledImplementation(b, offsets, sizes);
        Value result = mine;
        if (succeeded(tiled) && tiled->tiledOps.size() == 1) {
          tiledOk = true;
          result = tiled->tiledValues.front();
        }
        rewriter.eraseOp(clone);
        auto inParallel = scf::InParallelOp::create(b, l);
        b.setInsertionPointToStart(inParallel.getBody());
        tensor::ParallelInsertSliceOp::create(b, l, result, partial,
                                              sliceOffsets, sliceSizes,
                                              strides);
      });
  if (!tiledOk) {
    rewriter.eraseOp(forall);
    return failure();
  }
  // init + the partials, summed over the threads.
  rewriter.setInsertionPointAfter(forall);
  SmallVector<AffineExpr> outDims;
  for (int64_t d = 0; d < rank; ++d)
    outDims.push_back(getAffineDimExpr(d + 1, mctx));
  SmallVector<AffineExpr> partialDims = {getAffineDimExpr(0, mctx)};
  partialDims.append(outDims);
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank + 1, 0, partialDims, mctx),
      AffineMap::get(rank + 1, 0, outDims, mctx)};
  SmallVector<utils::IteratorType> iters(rank + 1,
                                         utils::IteratorType::parallel);
  iters[0] = utils::IteratorType::reduction;
  auto merge = linalg::GenericOp::create(
      rewriter, loc, outType, ValueRange{forall.getResult(0)},
      ValueRange{init}, maps, iters,
      [](OpBuilder &b, Location l, ValueRange args) {
        Value sum = arith::AddFOp::create(b, l, args[0], args[1]);
        linalg::YieldOp::create(b, l, sum);
      });
  rewriter.replaceOp(op, merge.getResults());
  forall->setAttr(kKernelAttr, rewriter.getI64IntegerAttr(ctx.nextKernel++));
  return success();
}

void splitReductionsOverThreads(TileContext &ctx, func::FuncOp func) {
  SmallVector<std::tuple<linalg::LinalgOp, unsigned, int64_t>> candidates;
  func.walk([&](linalg::LinalgOp op) {
    std::optional<Tiling> tiling = tilingOf(op);
    if (!tiling || tiling->split != ThreadSplit::reduction ||
        tiling->threads < 2 || op->hasAttr(kTiledAttr) || !isSum(op))
      return;
    if (std::optional<unsigned> d = splittableReduction(op, tiling->threads))
      candidates.push_back({op, *d, tiling->threads});
  });
  for (auto [op, dim, threads] : candidates)
    (void)splitOne(ctx, op, dim, threads);
}

} // namespace kiln::tile
