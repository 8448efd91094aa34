//===- Fuse.cpp - kiln-fuse: graph-level fusion of linalg on tensors ------===//
//
// Rewrites that remove whole passes over memory before kiln-tile fuses what
// is left into tiles (see Passes.td for the list and examples).
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_KILNFUSEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

bool allParallel(linalg::GenericOp g) {
  return g.getNumLoops() == g.getNumParallelLoops();
}

bool isZero(Value v) {
  return matchPattern(v, m_AnyZeroFloat());
}

/// Whether `g` is relu: one input read through the identity map, one
/// output, payload `maximumf(x, 0)`.
bool isRelu(linalg::GenericOp g) {
  if (!allParallel(g) || g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 ||
      !llvm::all_of(g.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return false;
  Block &body = g.getRegion().front();
  if (body.getOperations().size() != 2)
    return false;
  auto max = dyn_cast<arith::MaximumFOp>(body.front());
  if (!max)
    return false;
  Value x = body.getArgument(0);
  return (max.getLhs() == x && isZero(max.getRhs())) ||
         (max.getRhs() == x && isZero(max.getLhs()));
}

/// The relu gradient reads the pre-activation h only as `h > 0`, which is
/// `relu(h) > 0`: read the activation instead, so that h has one user (the
/// relu) and the relu fuses into its matmul's epilogue, h never being
/// written to memory.
struct ReluMaskFromActivation : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp g,
                                PatternRewriter &rewriter) const override {
    if (!allParallel(g) || isRelu(g))
      return failure();
    DominanceInfo dom(g->getParentOp());
    for (OpOperand *operand : g.getDpsInputOperands()) {
      if (!g.getMatchingIndexingMap(operand).isIdentity())
        continue;
      BlockArgument arg = g.getMatchingBlockArgument(operand);
      bool onlyPositive = !arg.use_empty();
      for (Operation *user : arg.getUsers()) {
        auto cmp = dyn_cast<arith::CmpFOp>(user);
        onlyPositive &= cmp && cmp.getPredicate() == arith::CmpFPredicate::OGT &&
                        cmp.getLhs() == arg && isZero(cmp.getRhs());
      }
      if (!onlyPositive)
        continue;
      for (Operation *user : operand->get().getUsers()) {
        auto relu = dyn_cast<linalg::GenericOp>(user);
        if (!relu || relu == g || !isRelu(relu) ||
            relu->getResult(0).getType() != operand->get().getType() ||
            !dom.properlyDominates(relu.getOperation(), g))
          continue;
        rewriter.modifyOpInPlace(g,
                                 [&] { operand->set(relu->getResult(0)); });
        return success();
      }
    }
    return failure();
  }
};

/// Clones into `b` the ops of `body` that `v` depends on (not the block
/// arguments in `excluded`), mapping through `map`; returns v's clone.
Value cloneSlice(OpBuilder &b, Block &body, Value v, IRMapping &map) {
  if (map.contains(v))
    return map.lookup(v);
  Operation *def = v.getDefiningOp();
  if (!def || def->getBlock() != &body)
    return v; // defined above the generic
  for (Value operand : def->getOperands())
    cloneSlice(b, body, operand, map);
  Operation *c = b.clone(*def, map);
  return c->getResult(cast<OpResult>(v).getResultNumber());
}

/// The first arg-max reduction, as the max-pooling gradient and the
/// accuracy metric write it: one generic with two results, the maximum and
/// its lowest index,
///   take = v > best || (v == best && idx < bestIdx)
///   yield select(take, v, best), select(take, idx, bestIdx)
/// becomes a max reduction, then a min-index reduction over the positions
/// that hold the maximum. The same values (NaN is never taken, ties keep
/// the lowest index), but each op has one result and a plain combiner, so
/// both vectorize.
struct SplitArgMax : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp g,
                                PatternRewriter &rewriter) const override {
    if (g.getNumDpsInits() != 2 || g.getNumReductionLoops() == 0 ||
        !g.hasPureTensorSemantics())
      return failure();
    Block &body = g.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    auto s0 = yield.getOperand(0).getDefiningOp<arith::SelectOp>();
    auto s1 = yield.getOperand(1).getDefiningOp<arith::SelectOp>();
    BlockArgument best = body.getArgument(g.getNumDpsInputs());
    BlockArgument bestIdx = body.getArgument(g.getNumDpsInputs() + 1);
    if (!s0 || !s1 || s0.getCondition() != s1.getCondition() ||
        s0.getFalseValue() != best || s1.getFalseValue() != bestIdx ||
        !isa<FloatType>(best.getType()) || !isa<IntegerType>(bestIdx.getType()))
      return failure();
    Value v = s0.getTrueValue(), idx = s1.getTrueValue();
    // take = (v > best) || ((v == best) && (idx < bestIdx)), in any order.
    auto orOp = s0.getCondition().getDefiningOp<arith::OrIOp>();
    if (!orOp)
      return failure();
    auto isCmpF = [&](Value c, arith::CmpFPredicate p) {
      auto cmp = c.getDefiningOp<arith::CmpFOp>();
      return cmp && cmp.getPredicate() == p && cmp.getLhs() == v &&
             cmp.getRhs() == best;
    };
    auto isLower = [&](Value c) {
      auto cmp = c.getDefiningOp<arith::CmpIOp>();
      return cmp && cmp.getPredicate() == arith::CmpIPredicate::slt &&
             cmp.getLhs() == idx && cmp.getRhs() == bestIdx;
    };
    auto isTie = [&](Value c) {
      auto andOp = c.getDefiningOp<arith::AndIOp>();
      return andOp &&
             ((isCmpF(andOp.getLhs(), arith::CmpFPredicate::OEQ) &&
               isLower(andOp.getRhs())) ||
              (isCmpF(andOp.getRhs(), arith::CmpFPredicate::OEQ) &&
               isLower(andOp.getLhs())));
    };
    if (!((isCmpF(orOp.getLhs(), arith::CmpFPredicate::OGT) &&
           isTie(orOp.getRhs())) ||
          (isCmpF(orOp.getRhs(), arith::CmpFPredicate::OGT) &&
           isTie(orOp.getLhs()))))
      return failure();
    // The best and bestIdx arguments feed nothing else.
    for (BlockArgument a : {best, bestIdx})
      for (Operation *user : a.getUsers())
        if (user != s0 && user != s1 && !isa<arith::CmpFOp, arith::CmpIOp>(user))
          return failure();
    // The index init is a fill: its value means "none".
    auto fill = g.getDpsInits()[1].getDefiningOp<linalg::FillOp>();
    if (!fill)
      return failure();
    Value none = fill.getInputs()[0];
    AffineMap outMap = g.getMatchingIndexingMap(g.getDpsInitOperand(0));
    if (outMap != g.getMatchingIndexingMap(g.getDpsInitOperand(1)))
      return failure();

    Location loc = g.getLoc();
    SmallVector<AffineMap> inMaps;
    for (OpOperand *in : g.getDpsInputOperands())
      inMaps.push_back(g.getMatchingIndexingMap(in));
    SmallVector<utils::IteratorType> iters = g.getIteratorTypesArray();
    unsigned nIn = g.getNumDpsInputs();
    // The original body's inputs, bound to a new body's block arguments.
    auto mapInputs = [&](ValueRange args) {
      IRMapping map;
      for (unsigned i = 0; i < nIn; ++i)
        map.map(body.getArgument(i), args[i]);
      return map;
    };

    // max = reduce maxnumf(v)
    SmallVector<AffineMap> maxMaps(inMaps);
    maxMaps.push_back(outMap);
    auto maxOp = linalg::GenericOp::create(
        rewriter, loc, TypeRange{g->getResultTypes()[0]}, g.getDpsInputs(),
        ValueRange{g.getDpsInits()[0]}, maxMaps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          IRMapping map = mapInputs(args);
          Value cv = cloneSlice(b, body, v, map);
          linalg::YieldOp::create(
              b, l, ValueRange{arith::MaxNumFOp::create(b, l, cv, args[nIn])});
        });
    // idx = reduce minsi(v == max ? idx : none)
    SmallVector<Value> idxIns(g.getDpsInputs());
    idxIns.push_back(maxOp->getResult(0));
    SmallVector<AffineMap> idxMaps(inMaps);
    idxMaps.push_back(outMap);
    idxMaps.push_back(outMap);
    auto idxOp = linalg::GenericOp::create(
        rewriter, loc, TypeRange{g->getResultTypes()[1]}, idxIns,
        ValueRange{g.getDpsInits()[1]}, idxMaps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          IRMapping map = mapInputs(args);
          Value cv = cloneSlice(b, body, v, map);
          Value ci = cloneSlice(b, body, idx, map);
          Value eq = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, cv,
                                           args[nIn]);
          Value cand = arith::SelectOp::create(b, l, eq, ci, none);
          linalg::YieldOp::create(
              b, l, ValueRange{arith::MinSIOp::create(b, l, args[nIn + 1], cand)});
        });
    rewriter.replaceOp(g, {maxOp->getResult(0), idxOp->getResult(0)});
    return success();
  }
};

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

struct KilnFusePass : public impl::KilnFusePassBase<KilnFusePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    sinkScalarReductions(func);
    RewritePatternSet patterns(ctx);
    patterns.add<ReluMaskFromActivation, SplitArgMax>(ctx);
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
