//===- Strategy.cpp - kiln-select-tiling: how each kernel is tiled --------===//
#include "compiler/Codegen/Strategy.h"
#include "compiler/Codegen/CostModel.h"
#include "compiler/Codegen/Kernels.h"
#include "compiler/Codegen/Passes.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "kiln-select-tiling"

namespace kiln {
#define GEN_PASS_DEF_KILNSELECTTILINGPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {

using tile::Kernel;

TilingAttr Tiling::toAttr(MLIRContext *context) const {
  return TilingAttr::get(context, threads, split, splitFromRows, mr, nr, kc,
                         nc, packB, imageByImage);
}

Tiling Tiling::fromAttr(TilingAttr attr) {
  Tiling t;
  t.threads = attr.getThreads();
  t.split = attr.getSplit();
  t.splitFromRows = attr.getSplitFromRows();
  t.mr = attr.getMr();
  t.nr = attr.getNr();
  t.kc = attr.getKc();
  t.nc = attr.getNc();
  t.packB = attr.getPackB();
  t.imageByImage = attr.getImageByImage();
  return t;
}

std::optional<Tiling> tilingOf(Operation *op) {
  if (auto attr = op->getAttrOfType<TilingAttr>(kTilingAttrName))
    return Tiling::fromAttr(attr);
  return std::nullopt;
}

/// The size a dynamic extent is assumed to have: the batch.
static int64_t assumed(int64_t size) {
  return ShapedType::isDynamic(size) ? kAssumedBatch : size;
}

Tiling chooseTiling(const CpuTarget &target, Kernel mm, ArrayRef<int64_t> ranges,
                    std::optional<unsigned> reductionSplit) {
  std::optional<unsigned> batchLoop = tile::batchReduction(mm, ranges);
  int64_t m = ranges[mm.m], n = ranges[mm.n], k = 1;
  for (unsigned d : mm.reductions)
    k = ShapedType::isDynamic(ranges[d]) || ShapedType::isDynamic(k)
            ? ShapedType::kDynamic
            : k * ranges[d];
  // The batch of a windowed op multiplies the work of its rows.
  AffineMap outMap = mm.op.getMatchingIndexingMap(mm.op.getDpsInitOperand(0));
  unsigned outRank = outMap.getNumResults();
  int64_t work = assumed(m);
  for (unsigned r = 0; r + 2 < outRank; ++r)
    work *= assumed(ranges[outMap.getDimPosition(r)]);
  ContractionTiles tiles =
      chooseContractionTiles(target, m, n, k, tile::aRowStride(mm));
  bool split = reductionSplit.has_value();
  // Windowed kernels repeat the rows' work over the other output dims.
  if (split)
    tiles.threads = 1;
  else if (mm.windowed && target.threads > 1 && tiles.threads == 1 &&
           work * n * assumed(k) >= kMinParallelWork)
    tiles.threads = target.threads;
  // A small matmul over a dynamic batch (the last dense layer, N = 10) is
  // split along the rows from enough rows on, decided at run time: four
  // times the static threshold, since its chunks take a few microseconds,
  // near the fork and join.
  int64_t minSplitRows = 0;
  if (!split && !mm.windowed && target.threads > 1 && tiles.threads == 1 &&
      ShapedType::isDynamic(m) && !ShapedType::isDynamic(n) &&
      !ShapedType::isDynamic(k)) {
    tiles.threads = target.threads;
    tiles.parallelDim = 0;
    minSplitRows = llvm::divideCeil(4 * kMinParallelWork, n * k);
  }
  if (mm.windowed) {
    // Rows are output positions: never more than there are. A strided
    // window (pooling) reads rows that are not contiguous: one at a time,
    // vectorized along the channels.
    if (!ShapedType::isDynamic(m))
      tiles.mr = std::min(tiles.mr, m);
    if (tile::isStridedAlong(mm.op, mm.m))
      tiles.mr = 1;
  }

  Tiling t;
  t.threads = tiles.threads;
  if (split) {
    t.threads = target.threads;
    t.split = ThreadSplit::reduction;
  } else if (mm.windowed && outRank > 2 &&
             ShapedType::isDynamic(ranges[outMap.getDimPosition(0)])) {
    t.split = ThreadSplit::batch;
  } else {
    t.split = tiles.parallelDim == 1 ? ThreadSplit::columns : ThreadSplit::rows;
  }
  if (t.threads == 1)
    t.split = ThreadSplit::rows;
  t.splitFromRows = minSplitRows;
  t.mr = tiles.mr;
  t.nr = tiles.nr;
  t.imageByImage = batchLoop.has_value();
  // Cache blocks carry C through a loop over K: only plain matmuls.
  if (!mm.windowed && !batchLoop && tiles.kc > 0) {
    t.kc = tiles.kc;
    t.nc = tiles.nc;
    if (ShapedType::isDynamic(m))
      t.packB = PackB::by_rows;
    else
      t.packB = m >= kMinPackedRows ? PackB::always : PackB::never;
  }
  return t;
}

namespace {

struct KilnSelectTilingPass
    : public impl::KilnSelectTilingPassBase<KilnSelectTilingPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    FailureOr<CpuTarget> target = targetOf(func, "kiln-select-tiling");
    if (failed(target))
      return signalPassFailure();
    MLIRContext *context = &getContext();
    func.walk([&](linalg::LinalgOp op) {
      // A tiling written by hand stays; only kernels at function level
      // (or a time step's) are roots.
      if (op->hasAttr(kTilingAttrName) || !tile::isKernelLevel(op) ||
          !op.hasPureTensorSemantics())
        return;
      std::optional<Tiling> tiling = choose(*target, op);
      if (!tiling)
        return;
      LLVM_DEBUG(llvm::dbgs() << "kiln-select-tiling: " << op->getName()
                              << " at " << op->getLoc() << ": "
                              << tiling->toAttr(context) << "\n");
      op->setAttr(kTilingAttrName, tiling->toAttr(context));
    });
  }

  std::optional<Tiling> choose(const CpuTarget &target, linalg::LinalgOp op) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (std::optional<tile::Matmul> mm = tile::matchMatmul(op))
      return chooseTiling(target, tile::kernelOf(*mm), ranges);
    // A sum into an output too small to split over the threads: partial
    // sums per thread along a reduction loop, which then has a dynamic
    // extent in each thread's part.
    std::optional<unsigned> split;
    if (target.threads > 1 && tile::isSum(op))
      split = tile::splittableReduction(op, target.threads);
    if (std::optional<Kernel> k = tile::matchWindowed(op)) {
      if (split)
        ranges[*split] = ShapedType::kDynamic;
      return chooseTiling(target, *k, ranges, split);
    }
    if (!split)
      return std::nullopt;
    Tiling t;
    t.threads = target.threads;
    t.split = ThreadSplit::reduction;
    return t;
  }
};

} // namespace
} // namespace kiln
