//===- VectorizeTiles.cpp - kiln-vectorize-tiles --------------------------===//
//
// The second half of code generation on tensors: kiln-tile leaves every
// linalg op inside tiles sized for vectors; this pass vectorizes them all,
// hoists the accumulators out of the K loops (loop-carried transfer pairs,
// and masked ones through hoistMaskedAccumulator), splits long accumulator
// chains and turns transfer masks into mask operands.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/Passes.h"
#include "compiler/Codegen/TileSupport.h"
#include "compiler/Transforms/PassOptionErrors.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "kiln-vectorize-tiles"

namespace kiln {
#define GEN_PASS_DEF_KILNVECTORIZETILESPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

using namespace tile;

/// Whether `loop` carries a tensor that its body reads or writes vectors
/// of: the only loops where hoisting subsets finds accumulators. Asking the
/// others (tile loops whose slices have dynamic sizes) costs most of the
/// compile time at one thread, in value-bounds comparisons of slices that
/// never match.
bool readsVectorsOfIterArg(LoopLikeOpInterface loop) {
  for (BlockArgument arg : loop.getRegionIterArgs())
    if (isa<RankedTensorType>(arg.getType()))
      for (Operation *user : arg.getUsers())
        if (isa<vector::TransferReadOp, vector::TransferWriteOp>(user))
          return true;
  return false;
}

struct KilnVectorizeTilesPass
    : public impl::KilnVectorizeTilesPassBase<KilnVectorizeTilesPass> {
  using KilnVectorizeTilesPassBase::KilnVectorizeTilesPassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    FailureOr<CpuTarget> target = targetOf(func, "kiln-vectorize-tiles");
    if (failed(target))
      return signalPassFailure();
    IRRewriter rewriter(&getContext());
    TileContext ctx{rewriter, *target};

    SmallVector<linalg::LinalgOp> all;
    func.walk([&](linalg::LinalgOp op) { all.push_back(op); });
    LLVM_DEBUG(llvm::dbgs() << "kiln-vectorize-tiles: " << all.size()
                            << " linalg ops in @" << func.getSymName()
                            << "\n");
    for (linalg::LinalgOp op : all)
      vectorizeOp(rewriter, op);
    cleanup(func);
    // Accumulators: hoist transfer pairs on loop-carried tensors.
    SmallVector<LoopLikeOpInterface> loops;
    func.walk([&](LoopLikeOpInterface l) { loops.push_back(l); });
    for (LoopLikeOpInterface l : loops) {
      LoopLikeOpInterface h =
          readsVectorsOfIterArg(l) ? hoistLoopInvariantSubsets(rewriter, l) : l;
      if (auto f = dyn_cast<scf::ForOp>(h.getOperation()))
        while ((f = hoistMaskedAccumulator(rewriter, f))) {
        }
    }
    cleanup(func);
    splitAccumulatorChains(ctx, func);
    cleanup(func);
    // Masks of transfers become their mask operands: later canonicalizations
    // rewrite transfers without expecting a vector.mask around them.
    RewritePatternSet patterns(&getContext());
    vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
    (void)applyPatternsGreedily(func, std::move(patterns));
  }
};

} // namespace
} // namespace kiln
