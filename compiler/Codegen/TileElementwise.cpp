//===- TileElementwise.cpp - kiln-tile phases 2b and 3 ----------------------===//
#include "compiler/Codegen/Kernels.h"
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
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

using namespace mlir;

namespace kiln::tile {
namespace {

/// Splits the first loop of `root` (with the fusable `members`) over the
/// threads with an scf.forall, when it is parallel and the pass is large.
/// Returns the forall and the tiled members (root first), or nothing.
std::optional<std::pair<Operation *, SmallVector<Operation *>>>
splitForThreads(TileContext &ctx, linalg::LinalgOp root,
                llvm::SmallPtrSetImpl<Operation *> &members) {
  RewriterBase &rewriter = ctx.rewriter;
  int64_t threads = ctx.target.threads;
  if (threads <= 1 || root.getNumLoops() == 0 ||
      root.getIteratorTypesArray()[0] != utils::IteratorType::parallel ||
      !isKernelLevel(root))
    return std::nullopt;
  SmallVector<int64_t> ranges = root.getStaticLoopRanges();
  int64_t perRow = 1;
  for (int64_t r : ArrayRef(ranges).drop_front())
    perRow *= ShapedType::isDynamic(r) ? kAssumedBatch : r;
  bool dynamicRows = ShapedType::isDynamic(ranges[0]);
  if (!dynamicRows &&
      (ranges[0] * perRow < kMinParallelElements || ranges[0] < threads))
    return std::nullopt;
  Location loc = root.getLoc();
  rewriter.setInsertionPoint(root);
  SmallVector<Range> domain =
      cast<TilingInterface>(root.getOperation()).getIterationDomain(rewriter);
  AffineExpr s0 = getAffineSymbolExpr(0, rewriter.getContext());
  OpFoldResult chunk = affine::makeComposedFoldedAffineApply(
      rewriter, loc, (s0 + threads - 1).floorDiv(threads), {domain[0].size});
  if (dynamicRows)
    chunk = chunkForRows(rewriter, loc, domain[0].size, chunk,
                         llvm::divideCeil(kMinParallelElements, perRow));
  SmallVector<OpFoldResult> sizes(root.getNumLoops(), rewriter.getIndexAttr(0));
  sizes[0] = chunk;
  FailureOr<scf::SCFTileAndFuseResult> result =
      tileAndFuse(rewriter, root, sizes, members, /*forall=*/true);
  if (failed(result) || result->loops.empty())
    return std::nullopt;
  Operation *forall = result->loops.front();
  return std::make_pair(forall, resolveDimsAndKeepMembers(*result, forall));
}

//===----------------------------------------------------------------------===//
// Phase 2b: fusion groups of the other ops
//===----------------------------------------------------------------------===//

/// The loop of `producer` that produces dimension `pos` of its first
/// result, when that loop is parallel.
std::optional<unsigned> producerLoopFor(linalg::LinalgOp producer,
                                        unsigned pos) {
  if (producer->getNumResults() == 0)
    return std::nullopt;
  AffineMap out =
      producer.getMatchingIndexingMap(producer.getDpsInitOperand(0));
  if (pos >= out.getNumResults())
    return std::nullopt;
  auto dim = dyn_cast<AffineDimExpr>(out.getResult(pos));
  if (!dim || producer.getIteratorTypesArray()[dim.getPosition()] !=
                  utils::IteratorType::parallel)
    return std::nullopt;
  // Every result must be produced along that loop at the same position.
  for (OpOperand &init : producer.getDpsInitsMutable()) {
    AffineMap m = producer.getMatchingIndexingMap(&init);
    if (pos >= m.getNumResults() || m.getResult(pos) != out.getResult(pos))
      return std::nullopt;
  }
  return dim.getPosition();
}

} // namespace

/// Groups an op with the producers it can compute tile by tile: the root's
/// first parallel loop is tiled, and a producer joins when the member that
/// reads it indexes it by that loop and the producer computes that
/// dimension in a parallel loop (so no tile is computed twice), and its
/// other users come after the root. The softmax statistics, cross-entropy
/// gradient and accuracy over rows, or the bias gradient (a column sum) and
/// the bias update over columns, each become one pass.
void tileFusionGroups(TileContext &ctx, func::FuncOp func) {
  RewriterBase &rewriter = ctx.rewriter;
  SmallVector<linalg::LinalgOp> candidates;
  for (Operation &op : func.getBody().front())
    if (auto l = dyn_cast<linalg::LinalgOp>(op))
      if (!l->hasAttr(kTiledAttr) && l.hasPureTensorSemantics() &&
          l->getNumResults() > 0 && l.getNumLoops() > 0)
        candidates.push_back(l);
  llvm::DenseSet<Operation *> grouped;
  for (linalg::LinalgOp root : llvm::reverse(candidates)) {
    if (grouped.contains(root))
      continue;
    SmallVector<utils::IteratorType> iters = root.getIteratorTypesArray();
    if (iters[0] != utils::IteratorType::parallel)
      continue;
    // Members and the loop of each that the tiling splits.
    llvm::MapVector<Operation *, unsigned> tiledLoop;
    tiledLoop[root] = 0;
    SmallVector<Operation *> worklist = {root};
    while (!worklist.empty()) {
      auto member = cast<linalg::LinalgOp>(worklist.pop_back_val());
      unsigned loop = tiledLoop[member];
      for (OpOperand &operand : member->getOpOperands()) {
        auto producer = operand.get().getDefiningOp<linalg::LinalgOp>();
        if (!producer || producer->getBlock() != root->getBlock() ||
            producer->hasAttr(kTiledAttr) || grouped.contains(producer) ||
            !producer.hasPureTensorSemantics() || matchMatmul(producer) ||
            producer.getNumLoops() == 0)
          continue;
        AffineMap map = member.getMatchingIndexingMap(&operand);
        std::optional<unsigned> pos =
            map.getResultPosition(getAffineDimExpr(loop, rewriter.getContext()));
        if (!pos)
          continue;
        std::optional<unsigned> ploop = producerLoopFor(producer, *pos);
        if (!ploop)
          continue;
        auto it = tiledLoop.find(producer);
        if (it != tiledLoop.end()) {
          if (it->second != *ploop)
            tiledLoop.erase(it); // inconsistent: keep it out
          continue;
        }
        // Other users must come after the root (the loop yields the value).
        bool late = llvm::all_of(producer->getUsers(), [&](Operation *u) {
          Operation *a = root->getBlock()->findAncestorOpInBlock(*u);
          return a && (tiledLoop.count(a) || root->isBeforeInBlock(a) ||
                       a == root.getOperation());
        });
        if (!late)
          continue;
        tiledLoop[producer] = *ploop;
        worklist.push_back(producer);
      }
    }
    if (tiledLoop.size() < 2)
      continue;
    llvm::SmallPtrSet<Operation *, 8> members;
    for (auto &[op, loop] : tiledLoop)
      members.insert(op);
    // Rows in blocks of 8; a contiguous (innermost) loop in vectors.
    SmallVector<int64_t> ranges = root.getStaticLoopRanges();
    bool innermost = root.getNumLoops() == 1;
    int64_t tile = innermost ? 2 * ctx.target.lanes() : 8;
    if (!ShapedType::isDynamic(ranges[0]) && ranges[0] <= tile)
      continue;
    for (Operation *op : members)
      grouped.insert(op);
    // Large passes split over the threads first.
    Operation *forall = nullptr;
    linalg::LinalgOp inner = root;
    if (auto split = splitForThreads(ctx, root, members)) {
      forall = split->first;
      inner = cast<linalg::LinalgOp>(split->second.front());
      members.clear();
      members.insert(split->second.begin(), split->second.end());
    }
    SmallVector<OpFoldResult> sizes(inner.getNumLoops(),
                                    rewriter.getIndexAttr(0));
    sizes[0] = rewriter.getIndexAttr(tile);
    FailureOr<scf::SCFTileAndFuseResult> result =
        tileAndFuse(rewriter, inner, sizes, members, /*forall=*/false);
    if (failed(result) || result->loops.empty())
      continue;
    // Peeled: full tiles are static, so their temporaries are small static
    // buffers, hoisted out of the loops after bufferization.
    SmallVector<Operation *> nests = {result->loops.front()};
    if (auto f = dyn_cast<scf::ForOp>(result->loops.front().getOperation()))
      for (scf::ForOp l : peel(rewriter, f))
        if (l != f)
          nests.push_back(l);
    if (forall)
      nests = {forall};
    IntegerAttr kernel = rewriter.getI64IntegerAttr(ctx.nextKernel++);
    for (Operation *nest : nests)
      nest->setAttr(kKernelAttr, kernel);
    resolveDimsAndErase(func);
  }
}

//===----------------------------------------------------------------------===//
// Phase 3: everything else
//===----------------------------------------------------------------------===//

/// Tiles `op` to one vector along its innermost loop (parallel loops first,
/// reductions inside) and peels that loop.
void tileForVectors(TileContext &ctx, linalg::LinalgOp op) {
  RewriterBase &rewriter = ctx.rewriter;
  const CpuTarget &target = ctx.target;
  unsigned loops = op.getNumLoops();
  if (loops == 0)
    return;
  // A large pass at the top level: split over the threads, then tile the
  // part each thread runs.
  Operation *forall = nullptr;
  {
    llvm::SmallPtrSet<Operation *, 2> members = {op.getOperation()};
    if (op->getNumResults() > 0)
      if (auto split = splitForThreads(ctx, op, members)) {
        forall = split->first;
        op = cast<linalg::LinalgOp>(split->second.front());
        forall->setAttr(kKernelAttr,
                        rewriter.getI64IntegerAttr(ctx.nextKernel++));
      }
  }
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  int64_t lanes = target.lanes();
  // The innermost loop: whole when small, else two vectors per step.
  SmallVector<OpFoldResult> sizes(loops, rewriter.getIndexAttr(1));
  // A dynamic size with a small bound (a partial tile of a group) counts
  // as its bound: it is vectorized whole, with a mask.
  if (std::optional<SmallVector<int64_t>> bounds = vectorSizesFor(op))
    if (!bounds->empty())
      ranges = *bounds;
  int64_t inner = ranges.back();
  int64_t width = 2 * lanes;
  if (!ShapedType::isDynamic(inner) && inner <= 2 * width)
    width = 0; // untiled
  sizes.back() = rewriter.getIndexAttr(width);
  bool needsTiling = false;
  for (unsigned d = 0; d + 1 < loops; ++d)
    needsTiling |= ranges[d] != 1;
  needsTiling |= width != 0;
  if (!needsTiling)
    return;
  // Parallel loops outside, reductions inside.
  SmallVector<int64_t> interchange;
  for (unsigned d = 0; d < loops; ++d)
    if (iters[d] == utils::IteratorType::parallel)
      interchange.push_back(d);
  for (unsigned d = 0; d < loops; ++d)
    if (iters[d] != utils::IteratorType::parallel)
      interchange.push_back(d);
  scf::SCFTilingOptions options;
  options.setTileSizes(sizes);
  options.setInterchange(interchange);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()),
                        options);
  if (failed(tiled))
    return;
  if (op->getNumResults())
    rewriter.replaceOp(op, tiled->replacements);
  else
    rewriter.eraseOp(op);
  if (!tiled->loops.empty())
    tiled->loops.front()->setAttr(kKernelAttr,
                                  rewriter.getI64IntegerAttr(ctx.nextKernel++));
  // Peel the loop over the innermost dimension: full vectors, then the rest.
  if (width != 0) {
    unsigned innerPos = llvm::find(interchange, loops - 1) - interchange.begin();
    if (innerPos < tiled->loops.size())
      if (auto f = dyn_cast<scf::ForOp>(tiled->loops[innerPos].getOperation()))
        for (scf::ForOp l : peel(rewriter, f))
          if (l != f && innerPos == 0)
            l->setAttr(kKernelAttr, tiled->loops.front()->getAttr(kKernelAttr));
  }
}

} // namespace kiln::tile
