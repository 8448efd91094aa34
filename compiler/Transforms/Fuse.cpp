//===- Fuse.cpp - kiln-fuse: graph-level fusion of linalg on tensors ------===//
//
// Rewrites that remove whole passes over memory before kiln-tile fuses what
// is left into tiles (see Passes.td for the list and examples).
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_KILNFUSEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

/// Whether every result of `op` is a 0-d tensor (a loss or metric sum).
bool isScalarReduction(Operation *op) {
  return isa<linalg::LinalgOp>(op) && op->getNumResults() > 0 &&
         llvm::all_of(op->getResultTypes(), [](Type t) {
           auto r = dyn_cast<RankedTensorType>(t);
           return r && r.getRank() == 0;
         });
}

/// Moves the scalar loss and metric reductions (and their 0-d fills and
/// divisions) down to their first user, which is where the step stores
/// them. The row statistics they read then have no user before the
/// gradient, and kiln-tile can fuse statistics, gradient and metrics into
/// one pass over the rows.
void sinkScalarReductions(func::FuncOp func) {
  for (Block &block : func.getBody()) {
    SmallVector<Operation *> ops;
    for (Operation &op : block)
      if (isScalarReduction(&op))
        ops.push_back(&op);
    for (Operation *op : llvm::reverse(ops)) {
      Operation *first = nullptr;
      for (Operation *user : op->getUsers()) {
        if (user->getBlock() != &block) {
          first = nullptr;
          break;
        }
        Operation *u = block.findAncestorOpInBlock(*user);
        if (!first || u->isBeforeInBlock(first))
          first = u;
      }
      if (first && op->isBeforeInBlock(first))
        op->moveBefore(first);
    }
  }
}

/// Whether `producer` is elementwise, every user of its result is a
/// reduction and all users but one read another one's result: the softmax
/// read by the two reductions of a first arg-max (the maximum, then the
/// lowest index holding it), say. Independent reductions of one result (the
/// kernel and bias gradients of a convolution) do not qualify: each would
/// recompute it in a pass of its own.
bool readOnlyByDependentReductions(linalg::GenericOp producer) {
  if (producer.getNumReductionLoops() != 0 || producer->getNumResults() != 1)
    return false;
  SmallPtrSet<Operation *, 4> users(llvm::from_range, producer->getUsers());
  unsigned dependent = 0;
  for (Operation *user : users) {
    auto g = dyn_cast<linalg::GenericOp>(user);
    if (!g || g.getNumReductionLoops() == 0)
      return false;
    dependent += llvm::any_of(user->getOperands(), [&](Value v) {
      return users.contains(v.getDefiningOp());
    });
  }
  return users.size() > 1 && dependent == users.size() - 1;
}

/// Recomputes each such producer in every one of its reductions instead of
/// writing it to memory; kiln-tile then runs the reductions in one pass.
void fuseIntoDependentReductions(func::FuncOp func) {
  SmallVector<linalg::GenericOp> producers;
  func.walk([&](linalg::GenericOp g) {
    if (readOnlyByDependentReductions(g))
      producers.push_back(g);
  });
  IRRewriter rewriter(func.getContext());
  SmallVector<Operation *> fusedOps;
  for (linalg::GenericOp producer : producers) {
    while (!producer->use_empty()) {
      OpOperand &use = *producer->getUses().begin();
      Operation *consumer = use.getOwner();
      rewriter.setInsertionPoint(consumer);
      FailureOr<linalg::ElementwiseOpFusionResult> fused =
          linalg::fuseElementwiseOps(rewriter, &use);
      if (failed(fused))
        break;
      for (auto [from, to] : fused->replacements)
        rewriter.replaceUsesWithIf(from, to, [&](OpOperand &u) {
          return u.getOwner() != fused->fusedOp &&
                 u.get().getDefiningOp() != producer;
        });
      llvm::erase(fusedOps, consumer);
      rewriter.eraseOp(consumer);
      fusedOps.push_back(fused->fusedOp);
    }
    if (producer->use_empty())
      rewriter.eraseOp(producer);
  }
  // A fused op also yields the producer's result while other reductions
  // still read it; once they read their own copy that result is dead.
  RewritePatternSet patterns(func.getContext());
  linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
  (void)applyOpPatternsGreedily(fusedOps, std::move(patterns));
}

struct KilnFusePass : public impl::KilnFusePassBase<KilnFusePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    sinkScalarReductions(func);
    fuseIntoDependentReductions(func);
    RewritePatternSet patterns(ctx);
    // An elementwise op reading an elementwise result through a
    // collapse_shape (the max-pool gradient, computed window by window, then
    // the relu gradient before it) is expanded to the producer's shape, so
    // that kiln-tile computes both in one pass.
    linalg::populateFoldReshapeOpsByExpansionPatterns(
        patterns, [](OpOperand *fused) {
          auto collapse = fused->get().getDefiningOp<tensor::CollapseShapeOp>();
          if (!collapse)
            return false;
          auto producer = collapse.getSrc().getDefiningOp<linalg::GenericOp>();
          auto consumer = dyn_cast<linalg::GenericOp>(fused->getOwner());
          return producer && consumer &&
                 producer.getNumReductionLoops() == 0 &&
                 consumer.getNumReductionLoops() == 0 &&
                 producer->getNumResults() == 1;
        });
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln
