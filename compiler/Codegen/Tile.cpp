//===- Tile.cpp - kiln-tile: tile and fuse linalg on tensors --------------===//
//
// Code generation on tensors is three passes: kiln-contiguous-b
// (ContiguousB.cpp) makes every kernel read contiguous rows of B; this one
// tiles, in two phases over each function (see Passes.td):
//   1. each contraction is tiled with its init and epilogue chain fused:
//      threads (scf.forall), then register tiles (scf.for, peeled), then K;
//   2. every other linalg op is tiled to one vector along its innermost loop;
// kiln-vectorize-tiles (VectorizeTiles.cpp) then vectorizes everything
// inside the tiles. This file holds the matching, phase 1 and the pass;
// the rest is in TileElementwise.cpp, TileCleanup.cpp and
// TileSupport.cpp (see TileSupport.h).
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/Kernels.h"
#include "compiler/Codegen/Passes.h"
#include "compiler/Codegen/Strategy.h"
#include "compiler/Codegen/TileMatmul.h"
#include "compiler/Codegen/TileSupport.h"


#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "kiln-tile"

namespace kiln {
#define GEN_PASS_DEF_KILNTILEPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

using namespace tile;

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// An elementwise op that can run in the epilogue of a tile: all loops
/// parallel, `use` read through the identity map, identity outputs.
bool isEpilogue(linalg::GenericOp g, OpOperand &use) {
  if (!g.hasPureTensorSemantics() || g.getNumLoops() < 2 ||
      g.getNumParallelLoops() != g.getNumLoops() || !g.isDpsInput(&use))
    return false;
  if (!g.getMatchingIndexingMap(&use).isIdentity())
    return false;
  for (OpOperand &init : g.getDpsInitsMutable())
    if (!g.getMatchingIndexingMap(&init).isIdentity())
      return false;
  return llvm::all_of(g.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isProjectedPermutation(); });
}

//===----------------------------------------------------------------------===//
// Phase 1: contraction groups
//===----------------------------------------------------------------------===//

struct Group {
  SmallVector<Operation *> ops; // producers first, root last
  Operation *root() const { return ops.back(); }
};

/// The contraction, its init producer when it is a fill or broadcast, and
/// the chain of elementwise consumers.
Group formGroup(Kernel mm) {
  Group g;
  Operation *init = mm.op.getDpsInitOperand(0)->get().getDefiningOp();
  int64_t rank =
      cast<ShapedType>(mm.op->getResult(0).getType()).getRank();
  if (init && isa<linalg::FillOp, linalg::GenericOp>(init) &&
      init->getNumResults() == 1 && init->hasOneUse()) {
    auto l = cast<linalg::LinalgOp>(init);
    if (l.getNumLoops() == rank && l.getNumReductionLoops() == 0)
      g.ops.push_back(init);
  }
  g.ops.push_back(mm.op);
  Operation *last = mm.op;
  // A fused producer's tile is a temporary: give it a tensor.empty of its
  // own, so that it never writes into another op's destination.
  if (g.ops.front() != mm.op) {
    OpOperand &dest = cast<linalg::LinalgOp>(g.ops.front()).getDpsInitsMutable()[0];
    if (auto empty = dest.get().getDefiningOp<tensor::EmptyOp>())
      if (!empty->hasOneUse()) {
        OpBuilder b(g.ops.front());
        dest.set(b.clone(*empty)->getResult(0));
      }
  }
  while (last->getNumResults() == 1) {
    linalg::GenericOp next;
    for (OpOperand &use : last->getResult(0).getUses()) {
      auto c = dyn_cast<linalg::GenericOp>(use.getOwner());
      if (!c || !isEpilogue(c, use) || c->hasAttr(kTiledAttr))
        continue;
      if (next && next != c) {
        next = nullptr;
        break;
      }
      next = c;
    }
    if (!next)
      break;
    // The fused loop replaces the consumer: any other user of the value must
    // come after it, to see the value the loop yields.
    bool usedBefore = llvm::any_of(last->getUsers(), [&](Operation *user) {
      return user != next &&
             (user->getBlock() != next->getBlock() ||
              user->isBeforeInBlock(next));
    });
    if (usedBefore)
      break;
    // Every other operand of the consumer must already be available where
    // the matmul is (the fused loop replaces the consumer).
    g.ops.push_back(next);
    last = next;
  }
  return g;
}


/// Tile sizes of `op`'s loops: `m` and `n` at the loops that index the
/// first init's dimensions 0 and 1, zero elsewhere.
SmallVector<OpFoldResult> tileOfOutput(OpBuilder &b, linalg::LinalgOp op,
                                       OpFoldResult m, OpFoldResult n,
                                       int64_t others = 0) {
  SmallVector<OpFoldResult> sizes(op.getNumLoops(), b.getIndexAttr(0));
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  unsigned rank = out.getNumResults();
  for (unsigned r = 0; r + 2 < rank; ++r)
    sizes[out.getDimPosition(r)] = b.getIndexAttr(others);
  sizes[out.getDimPosition(rank - 2)] = m;
  sizes[out.getDimPosition(rank - 1)] = n;
  return sizes;
}

/// Tile sizes of `op`'s loops for a chunk of `size` along output dim `dim`.
SmallVector<OpFoldResult> tileOfOutputDim(OpBuilder &b, linalg::LinalgOp op,
                                          unsigned dim, OpFoldResult size) {
  SmallVector<OpFoldResult> sizes(op.getNumLoops(), b.getIndexAttr(0));
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  sizes[out.getDimPosition(dim)] = size;
  return sizes;
}

/// Re-tiles the group inside `rows` (the partial row tile after peeling) one
/// row at a time: in each column loop, the op whose tile the loop inserts
/// is tiled by one row with the other ops fused.
void retileRowByRow(RewriterBase &rewriter, scf::ForOp rows) {
  SmallVector<scf::ForOp> cols;
  for (Operation &op : *rows.getBody())
    if (auto f = dyn_cast<scf::ForOp>(op))
      cols.push_back(f);
  for (scf::ForOp col : cols) {
    auto yield = cast<scf::YieldOp>(col.getBody()->getTerminator());
    if (yield.getNumOperands() == 0)
      continue;
    auto insert = yield.getOperand(0).getDefiningOp<tensor::InsertSliceOp>();
    auto root = insert ? insert.getSource().getDefiningOp<linalg::LinalgOp>()
                       : nullptr;
    if (!root || root->getNumResults() == 0)
      continue;
    llvm::SmallPtrSet<Operation *, 8> members;
    for (Operation &op : *col.getBody())
      if (isa<linalg::LinalgOp>(op))
        members.insert(&op);
    SmallVector<OpFoldResult> sizes =
        tileOfOutput(rewriter, root, rewriter.getIndexAttr(1),
                     rewriter.getIndexAttr(0));
    if (failed(tileAndFuse(rewriter, root, sizes, members, /*forall=*/false)))
      continue;
    resolveDimsAndErase(col);
  }
}

/// Tiles the reduction loops of a windowed kernel's tile to 1 and turns it
/// into the contraction (or elementwise reduction) of a column and a row:
/// generalized, its unit loops dropped but for the innermost reduction.
void tileWindowReductions(RewriterBase &rewriter, linalg::LinalgOp op) {
  auto kernel = matchWindowed(op);
  if (!kernel)
    return;
  SmallVector<OpFoldResult> sizes(op.getNumLoops(), rewriter.getIndexAttr(0));
  for (unsigned d : kernel->reductions)
    sizes[d] = rewriter.getIndexAttr(1);
  scf::SCFTilingOptions options;
  options.setTileSizes(sizes);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return;
  rewriter.replaceOp(op, tiled->replacements);
  auto inner = cast<linalg::LinalgOp>(tiled->tiledOps.back());
  linalg::GenericOp generic = dyn_cast<linalg::GenericOp>(inner.getOperation());
  if (!generic) {
    rewriter.setInsertionPoint(inner);
    FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rewriter, inner);
    if (failed(g))
      return;
    generic = *g;
  }
  unsigned keep = kernel->reductions.back();
  linalg::ControlDropUnitDims control;
  control.rankReductionStrategy =
      linalg::ControlDropUnitDims::RankReductionStrategy::ExtractInsertSlice;
  control.controlFn = [&](Operation *o) {
    SmallVector<unsigned> dims;
    for (unsigned d = 0; d < cast<linalg::LinalgOp>(o).getNumLoops(); ++d)
      if (d != keep)
        dims.push_back(d);
    return dims;
  };
  rewriter.setInsertionPoint(generic);
  FailureOr<linalg::DropUnitDimsResult> dropped =
      linalg::dropUnitDims(rewriter, generic, control);
  if (succeeded(dropped))
    rewriter.replaceOp(generic, dropped->replacements);
}

LogicalResult tileContractionGroup(TileContext &ctx, Kernel mm,
                                   const Tiling &tiling);

/// Splits `mm` into `scf.if rows >= kMinPackedRows` with a copy of the op in
/// each branch, tiled with and without packed B. `mm` is erased, so a copy
/// that cannot be tiled is warned about here.
void versionByRows(TileContext &ctx, Kernel mm, Tiling tiling) {
  RewriterBase &rewriter = ctx.rewriter;
  Operation *op = mm.op.getOperation();
  Location loc = op->getLoc();
  rewriter.setInsertionPoint(op);
  AffineMap outMap = mm.op.getMatchingIndexingMap(mm.op.getDpsInitOperand(0));
  Value rows = tensor::DimOp::create(rewriter, loc, mm.op.getDpsInits()[0],
                                     outMap.getNumResults() - 2);
  Value big = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::sge, rows,
      arith::ConstantIndexOp::create(rewriter, loc, kMinPackedRows));
  auto branch = scf::IfOp::create(rewriter, loc, op->getResultTypes(), big,
                                  /*withElseRegion=*/true);
  Operation *copies[2];
  Block *blocks[2] = {branch.thenBlock(), branch.elseBlock()};
  for (int i = 0; i < 2; ++i) {
    rewriter.setInsertionPointToStart(blocks[i]);
    copies[i] = rewriter.clone(*op);
    scf::YieldOp::create(rewriter, loc, copies[i]->getResults());
  }
  rewriter.replaceOp(op, branch.getResults());
  for (int i = 0; i < 2; ++i) {
    Kernel copy = mm;
    copy.op = cast<linalg::LinalgOp>(copies[i]);
    tiling.packB = i == 0 ? PackB::always : PackB::never;
    if (failed(tileContractionGroup(ctx, copy, tiling)))
      copies[i]->emitWarning("kiln-tile: could not tile this contraction");
  }
}

LogicalResult tileContractionGroup(TileContext &ctx, Kernel mm,
                                   const Tiling &tiling) {
  RewriterBase &rewriter = ctx.rewriter;
  // A sum split over the threads into partials runs here as one thread's
  // part: its thread level is done.
  int64_t threads =
      tiling.split == ThreadSplit::reduction ? 1 : tiling.threads;
  std::optional<unsigned> batchLoop;
  if (tiling.imageByImage) {
    batchLoop = batchReduction(mm, mm.op.getStaticLoopRanges());
    if (!batchLoop)
      return rewriter.notifyMatchFailure(mm.op, "no batch loop to reduce "
                                                "image by image");
  }
  Group group = formGroup(mm);
  // A kernel reduced image by image cannot run its epilogue per tile.
  if (batchLoop)
    while (group.ops.back() != mm.op.getOperation())
      group.ops.pop_back();
  // Read before the kernel is tiled: mm.op is replaced then.
  SmallVector<int64_t> ranges = mm.op.getStaticLoopRanges();
  int64_t n = ranges[mm.n];
  bool dynamicRows = ShapedType::isDynamic(ranges[mm.m]);
  AffineMap outMap = mm.op.getMatchingIndexingMap(mm.op.getDpsInitOperand(0));
  unsigned outRank = outMap.getNumResults();
  // Cache blocks carry C through a loop over K: the matmul goes alone, its
  // init and epilogue become passes of their own (cheap beside a matmul
  // whose B outgrows L2).
  bool blocked = tiling.kc > 0;
  PackB pack = tiling.packB;
  if (blocked && pack == PackB::by_rows) {
    versionByRows(ctx, mm, tiling);
    return success();
  }
  if (blocked)
    group.ops.assign(1, mm.op.getOperation());
  Operation *root = group.root();
  Location loc = root->getLoc();
  auto rootOp = cast<linalg::LinalgOp>(root);

  llvm::SmallPtrSet<Operation *, 8> members(group.ops.begin(),
                                            group.ops.end());
  SmallVector<Operation *> current = group.ops;
  Operation *currentRoot = root;
  Operation *outermost = nullptr;

  // Threads: chunks of whole register tiles along M or N, or of the batch
  // (the outermost output dimension) for windowed kernels. One thread keeps
  // this level as a loop of one iteration when the rows are dynamic: one-shot
  // bufferization compares every read of a kernel's result with every write
  // inside it, and through nests of scf.for those comparisons are Presburger
  // problems (seconds for two Dense layers in a row); an scf.forall result
  // ends them. The loop runs sequentially on one thread.
  bool threadLevel =
      threads > 1 || (dynamicRows && tiling.split != ThreadSplit::reduction);
  if (threadLevel) {
    rewriter.setInsertionPoint(root);
    OpFoldResult zero = rewriter.getIndexAttr(0);
    SmallVector<OpFoldResult> sizes;
    AffineExpr s0 = getAffineSymbolExpr(0, rewriter.getContext());
    if (tiling.split == ThreadSplit::batch) {
      OpFoldResult size =
          tensor::getMixedSize(rewriter, loc, rootOp.getDpsInits()[0], 0);
      OpFoldResult chunk = affine::makeComposedFoldedAffineApply(
          rewriter, loc, (s0 + threads - 1).floorDiv(threads), {size});
      sizes = tileOfOutputDim(rewriter, rootOp, 0, chunk);
    } else if (tiling.split == ThreadSplit::columns) {
      int64_t nTiles = (n + tiling.nr - 1) / tiling.nr;
      OpFoldResult chunkN = rewriter.getIndexAttr(
          (nTiles + threads - 1) / threads * tiling.nr);
      sizes = tileOfOutput(rewriter, rootOp, zero, chunkN);
    } else {
      // ceil(M / (threads * mr)) * mr, at run time when M is dynamic.
      OpFoldResult size = tensor::getMixedSize(
          rewriter, loc, rootOp.getDpsInits()[0], outRank - 2);
      int64_t unit = threads * tiling.mr;
      OpFoldResult chunkM = affine::makeComposedFoldedAffineApply(
          rewriter, loc, (s0 + unit - 1).floorDiv(unit) * tiling.mr, {size});
      if (tiling.splitFromRows > 0)
        chunkM = chunkForRows(rewriter, loc, size, chunkM,
                              tiling.splitFromRows);
      sizes = tileOfOutput(rewriter, rootOp, chunkM, zero);
    }
    FailureOr<scf::SCFTileAndFuseResult> level =
        tileAndFuse(rewriter, root, sizes, members, /*forall=*/true);
    if (failed(level))
      return failure();
    outermost = level->loops.front();
    current = resolveDimsAndKeepMembers(*level, outermost);
    currentRoot = current.front();
    members.clear();
    members.insert(current.begin(), current.end());
  }

  // Cache blocks: N in chunks of nc, K of kc, so that a kc x nc block of B
  // stays in L2 while every row tile streams it, and the row tile's kc
  // columns of A stay in L1. With enough rows each block of B is packed
  // (packB) once for all the row tiles that read it.
  Value packedBlock, packed;
  if (blocked) {
    auto op = cast<linalg::LinalgOp>(currentRoot);
    std::optional<Matmul> info = matchMatmul(op);
    if (!info)
      return failure();
    SmallVector<OpFoldResult> sizes(op.getNumLoops(), rewriter.getIndexAttr(0));
    sizes[info->n] = rewriter.getIndexAttr(tiling.nc);
    sizes[info->k] = rewriter.getIndexAttr(tiling.kc);
    scf::SCFTilingOptions options;
    options.setTileSizes(sizes);
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> blocks = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(blocks) || blocks->loops.empty())
      return failure();
    rewriter.replaceOp(op, blocks->replacements);
    if (!outermost)
      outermost = blocks->loops.front();
    currentRoot = blocks->tiledOps.back();
    members.clear();
    members.insert(currentRoot);
    rewriter.setInsertionPoint(currentRoot);
    if (pack == PackB::always) {
      packedBlock =
          cast<linalg::LinalgOp>(currentRoot).getDpsInputOperand(1)->get();
      packed = packB(rewriter, loc, packedBlock, tiling.nr);
    }
  }

  // Image by image: a sequential loop over the batch reduction, the
  // output tile accumulating across it.
  if (batchLoop) {
    auto op = cast<linalg::LinalgOp>(currentRoot);
    SmallVector<OpFoldResult> sizes(op.getNumLoops(), rewriter.getIndexAttr(0));
    sizes[*batchLoop] = rewriter.getIndexAttr(1);
    scf::SCFTilingOptions options;
    options.setTileSizes(sizes);
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> images = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(images) || images->loops.empty())
      return failure();
    rewriter.replaceOp(op, images->replacements);
    if (!outermost)
      outermost = images->loops.front();
    currentRoot = images->tiledOps.back();
    members.clear();
    members.insert(currentRoot);
  }

  // Register tiles, fused; the other output dimensions one at a time. Rows
  // go outside columns: a row tile's kc-long pieces of A stay in L1 while
  // the panels of B stream from L2 (columns outside rows measured slower:
  // A, unpacked, then streams from beyond L2).
  auto curRootOp = cast<linalg::LinalgOp>(currentRoot);
  FailureOr<scf::SCFTileAndFuseResult> reg = tileAndFuse(
      rewriter, currentRoot,
      tileOfOutput(rewriter, curRootOp, rewriter.getIndexAttr(tiling.mr),
                   rewriter.getIndexAttr(tiling.nr), /*others=*/1),
      members, /*forall=*/false);
  if (failed(reg) || reg->loops.size() < 2)
    return failure();
  // Before any cleanup: until then the packing loop has no user.
  if (packed)
    readPackedB(rewriter, reg->loops.front()->getParentOp(), packedBlock,
                packed, tiling.nr);
  if (!outermost)
    outermost = reg->loops.front();
  resolveDimsAndErase(outermost->getParentOp());

  // Peel: rows, then columns in both row loops. The row and column loops
  // are the last two (loops follow the root's loop order, and the root's
  // output is read in order by the epilogue generics).
  SmallVector<scf::ForOp> rowLoops;
  unsigned rowIndex = reg->loops.size() - 2;
  if (auto rows = dyn_cast<scf::ForOp>(reg->loops[rowIndex].getOperation()))
    rowLoops = peel(rewriter, rows);
  for (scf::ForOp rows : rowLoops) {
    scf::ForOp cols;
    rows.getBody()->walk([&](scf::ForOp f) {
      if (f->getParentOp() == rows)
        cols = f;
    });
    if (cols)
      peel(rewriter, cols);
  }
  // The partial row tile (a ragged batch, or a batch of 1 in predict) goes
  // row by row: one row at full vector width beats mr masked rows.
  if (rowLoops.size() == 2 && tiling.mr > 1 && dynamicRows)
    retileRowByRow(rewriter, rowLoops[1]);

  // The loop nests of the group: the forall, or the outer loops, or the row
  // loops (the full tiles and the partial ones peeling put beside them).
  SmallVector<Operation *> nests;
  if (outermost != reg->loops.front().getOperation() || rowIndex > 0 ||
      rowLoops.empty())
    nests.push_back(outermost);
  else
    for (scf::ForOp f : rowLoops)
      nests.push_back(f);

  // K: one outer product per step, inside every (peeled) tile.
  SmallVector<linalg::LinalgOp> kernels;
  for (Operation *nest : nests)
    nest->walk([&](linalg::LinalgOp op) {
      if (matchMatmul(op) || (mm.windowed && matchWindowed(op)))
        kernels.push_back(op);
    });
  for (linalg::LinalgOp op : kernels) {
    if (mm.windowed) {
      tileWindowReductions(rewriter, op);
      continue;
    }
    auto info = matchMatmul(op);
    SmallVector<OpFoldResult> sizes(3, rewriter.getIndexAttr(0));
    sizes[info->k] = rewriter.getIndexAttr(1);
    scf::SCFTilingOptions kTiling;
    kTiling.setTileSizes(sizes);
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> kt =
        scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()),
                          kTiling);
    if (failed(kt))
      continue;
    rewriter.replaceOp(op, kt->replacements);
  }
  IntegerAttr kernel = rewriter.getI64IntegerAttr(ctx.nextKernel++);
  for (Operation *nest : nests) {
    nest->setAttr(kKernelAttr, kernel);
    // Inner loops too: folding a one-iteration outer loop (a static partial
    // tile) brings them to the top level.
    nest->walk([&](scf::ForOp f) { f->setAttr(kKernelAttr, kernel); });
    nest->walk([&](linalg::LinalgOp op) {
      op->setAttr(kTiledAttr, rewriter.getUnitAttr());
    });
  }
  return success();
}

struct KilnTilePass : public impl::KilnTilePassBase<KilnTilePass> {
  using KilnTilePassBase::KilnTilePassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    FailureOr<CpuTarget> found = targetOf(func, "kiln-tile");
    if (failed(found))
      return signalPassFailure();
    const CpuTarget &target = *found;
    IRRewriter rewriter(&getContext());

    // Phase 1, as kiln-select-tiling decided.
    bool missing = false;
    auto tilingFor = [&](Operation *op) -> std::optional<Tiling> {
      std::optional<Tiling> tiling = tilingOf(op);
      if (!tiling) {
        op->emitError("kiln-tile: this kernel has no #kiln.tiling: run "
                      "kiln-select-tiling first");
        missing = true;
      }
      return tiling;
    };
    SmallVector<Matmul> matmuls;
    func.walk([&](linalg::LinalgOp op) {
      if (auto mm = matchMatmul(op))
        matmuls.push_back(*mm);
    });
    TileContext ctx{rewriter, target};
    for (Matmul &mm : matmuls) {
      std::optional<Tiling> tiling = tilingFor(mm.op);
      if (!tiling)
        continue;
      if (mm.transposedB) {
        mm.op->emitError("kiln-tile: this contraction reads B transposed: run "
                         "kiln-contiguous-b first");
        missing = true;
        continue;
      }
      LLVM_DEBUG(llvm::dbgs() << "kiln-tile: matmul at " << mm.op->getLoc()
                              << "\n");
      if (failed(tileContractionGroup(ctx, kernelOf(mm), *tiling)))
        mm.op->emitWarning("kiln-tile: could not tile this contraction");
    }
    if (missing)
      return signalPassFailure();
    splitReductionsOverThreads(ctx, func);
    SmallVector<Kernel> windowed;
    func.walk([&](linalg::LinalgOp op) {
      if (!op->hasAttr(kTiledAttr))
        if (auto k = matchWindowed(op))
          windowed.push_back(*k);
    });
    for (Kernel &k : windowed) {
      std::optional<Tiling> tiling = tilingFor(k.op);
      if (!tiling)
        continue;
      LLVM_DEBUG(llvm::dbgs() << "kiln-tile: window at " << k.op->getLoc()
                              << "\n");
      if (failed(tileContractionGroup(ctx, k, *tiling)))
        k.op->emitWarning("kiln-tile: could not tile this window");
    }
    if (missing)
      return signalPassFailure();

    // Fusion groups, then phase 2 for what is left and what is inside
    // groups.
    tileFusionGroups(ctx, func);
    SmallVector<linalg::LinalgOp> rest;
    func.walk([&](linalg::LinalgOp op) {
      if (!op->hasAttr(kTiledAttr) && op.hasPureTensorSemantics())
        rest.push_back(op);
    });
    for (linalg::LinalgOp op : rest)
      tileForVectors(ctx, op);
    cleanup(func);

    // The tiling is carried out: it leaves with the marker.
    func.walk([&](Operation *op) {
      op->removeAttr(kTiledAttr);
      op->removeAttr(kTilingAttrName);
    });
  }
};

} // namespace
} // namespace kiln

