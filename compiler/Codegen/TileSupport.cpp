//===- TileSupport.cpp - kiln-tile's shared helpers -------------------------===//
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

/// Vector sizes for `op`: the static loop sizes, or the constant upper bound
/// of a dynamic one (a partial tile). Empty when everything is static.
std::optional<SmallVector<int64_t>> vectorSizesFor(linalg::LinalgOp op) {
  SmallVector<int64_t> sizes = op.getStaticLoopRanges();
  if (!llvm::any_of(sizes, ShapedType::isDynamic))
    return SmallVector<int64_t>{};
  for (auto [d, size] : llvm::enumerate(sizes)) {
    if (!ShapedType::isDynamic(size))
      continue;
    // Find an operand dimension indexed by loop d alone.
    std::optional<int64_t> bound;
    for (OpOperand &operand : op->getOpOperands()) {
      auto type = dyn_cast<ShapedType>(operand.get().getType());
      if (!type)
        continue;
      AffineMap map = op.getMatchingIndexingMap(&operand);
      for (unsigned r = 0; r < map.getNumResults(); ++r) {
        auto dim = dyn_cast<AffineDimExpr>(map.getResult(r));
        if (!dim || dim.getPosition() != d)
          continue;
        FailureOr<int64_t> ub = ValueBoundsConstraintSet::computeConstantBound(
            presburger::BoundType::UB, {operand.get(), static_cast<int64_t>(r)},
            /*stopCondition=*/nullptr, /*closedUB=*/true);
        if (succeeded(ub))
          bound = bound ? std::min(*bound, *ub) : *ub;
      }
    }
    if (!bound || *bound <= 0 || *bound > 4096)
      return std::nullopt;
    // A partial tile's bound is the tile size minus one: round it back up.
    size = llvm::PowerOf2Ceil(*bound);
    if (size > 16)
      size = llvm::alignTo(*bound, 16);
  }
  return sizes;
}

/// Vectorizes `op` (masked when its tile is partial). Ops that the
/// vectorizer cannot handle stay as they are and lower to loops.
void vectorizeOp(RewriterBase &rewriter, linalg::LinalgOp op) {
  std::optional<SmallVector<int64_t>> sizes = vectorSizesFor(op);
  if (!sizes)
    return;
  // Vectors over a few hundred elements are not worth it (or unrolled).
  int64_t elements = 1;
  for (int64_t s : sizes->empty() ? op.getStaticLoopRanges() : *sizes)
    elements *= std::max<int64_t>(s, 1);
  if (elements > 4096)
    return;
  if (failed(linalg::vectorizeOpPrecondition(
          op, *sizes, SmallVector<bool>(sizes->size(), false))))
    return;
  rewriter.setInsertionPoint(op);
  SmallVector<bool> scalable(sizes->size(), false);
  FailureOr<linalg::VectorizationResult> result = linalg::vectorize(
      rewriter, op, *sizes, scalable, /*vectorizeNDExtract=*/false,
      /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false,
      /*createNamedContraction=*/true);
  if (failed(result))
    return;
  if (op->getNumResults() == 0)
    rewriter.eraseOp(op);
  else
    rewriter.replaceOp(op, result->replacements);
}

/// Peels `loop` (full iterations first, then one partial); returns both.
SmallVector<scf::ForOp> peel(RewriterBase &rewriter, scf::ForOp loop) {
  scf::ForOp partial;
  if (succeeded(scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial)))
    return {loop, partial};
  return {loop};
}

/// Rewrites tensor.dim of op results into dims of their operands, so that
/// the untiled ops tiling left behind lose their last uses, and erases them.
void resolveDimsAndErase(Operation *scope) {
  RewritePatternSet patterns(scope->getContext());
  memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
  memref::populateResolveShapedTypeResultDimsPatterns(patterns);
  tensor::DimOp::getCanonicalizationPatterns(patterns, scope->getContext());
  affine::AffineApplyOp::getCanonicalizationPatterns(patterns,
                                                     scope->getContext());
  affine::AffineMinOp::getCanonicalizationPatterns(patterns,
                                                   scope->getContext());
  (void)applyPatternsGreedily(scope, std::move(patterns));
}

/// Tiles `root` by `sizes`, fusing the producers in `members`; returns the
/// loops and the tiled ops (tiled root first). Producers whose results are
/// still used outside the group have their tiles yielded by the loops.
FailureOr<scf::SCFTileAndFuseResult>
tileAndFuse(RewriterBase &rewriter, Operation *root,
            ArrayRef<OpFoldResult> sizes, llvm::SmallPtrSetImpl<Operation *> &members,
            bool forall) {
  scf::SCFTileAndFuseOptions options;
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(sizes);
  tiling.setLoopType(forall ? scf::SCFTilingOptions::LoopType::ForallOp
                            : scf::SCFTilingOptions::LoopType::ForOp);
  options.setTilingOptions(tiling);
  // Results used outside the group (decided before tiling adds slices).
  llvm::DenseSet<Value> escaping;
  for (Operation *op : members)
    for (Value r : op->getResults())
      for (Operation *user : r.getUsers())
        if (!members.contains(user))
          escaping.insert(r);
  options.setFusionControlFn(
      [&](tensor::ExtractSliceOp, OpResult producer,
          bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        if (!members.contains(producer.getOwner()))
          return std::nullopt;
        scf::SCFTileAndFuseOptions::ControlFnResult r;
        r.yieldProducerReplacement = escaping.contains(producer);
        return r;
      });
  rewriter.setInsertionPoint(root);
  FailureOr<scf::SCFTileAndFuseResult> result =
      scf::tileConsumerAndFuseProducersUsingSCF(
          rewriter, cast<TilingInterface>(root), options);
  if (failed(result))
    return failure();
  // Replace the uses of the root and of any yielded producer.
  for (auto [orig, repl] : result->replacements) {
    rewriter.replaceUsesWithIf(orig, repl, [&](OpOperand &use) {
      return !result->loops.empty() &&
             !result->loops.front()->isAncestor(use.getOwner());
    });
  }
  return result;
}

OpFoldResult chunkForRows(RewriterBase &rewriter, Location loc,
                          OpFoldResult size, OpFoldResult split,
                          int64_t minSize) {
  Value n = getValueOrCreateConstantIndexOp(rewriter, loc, size);
  Value part = getValueOrCreateConstantIndexOp(rewriter, loc, split);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value whole = arith::MaxSIOp::create(rewriter, loc, n, one);
  Value large = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::sge, n,
      arith::ConstantIndexOp::create(rewriter, loc, minSize));
  return arith::SelectOp::create(rewriter, loc, large, part, whole)
      .getResult();
}

SmallVector<Operation *>
resolveDimsAndKeepMembers(const scf::SCFTileAndFuseResult &r,
                          Operation *loop) {
  // The tiled versions of group members, root first.
  SmallVector<Operation *> tiled(r.tiledAndFusedOps.begin(),
                                 r.tiledAndFusedOps.end());
  resolveDimsAndErase(loop->getParentOp());
  // Compared as pointers, never dereferenced: some may be gone.
  llvm::SmallPtrSet<Operation *, 16> live;
  loop->walk([&](Operation *op) { live.insert(op); });
  llvm::erase_if(tiled, [&](Operation *op) { return !live.contains(op); });
  return tiled;
}

} // namespace kiln::tile
