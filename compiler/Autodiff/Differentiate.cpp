//===- Differentiate.cpp - Reverse-mode differentiation of one function ---===//
//
// Activity analysis, then one reverse sweep over the active ops that asks
// each op's GradientOpInterface for its vector-Jacobian product and sums
// fan-out with kiln.add. Only straight-line single-block functions are
// handled; region ops and calls on the active path are reported.
//
//===----------------------------------------------------------------------===//
#include "compiler/Autodiff/Differentiate.h"
#include "compiler/Autodiff/Gradients/Gradients.h"
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace kiln::autodiff {

FrozenRewritePatternSet buildPreDifferentiationPatterns(MLIRContext *ctx) {
  RewritePatternSet patterns(ctx);
  auto *kiln = ctx->getOrLoadDialect<KilnDialect>();
  kiln->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName name : ctx->getRegisteredOperations())
    if (&name.getDialect() == kiln)
      name.getCanonicalizationPatterns(patterns, ctx);
  return FrozenRewritePatternSet(std::move(patterns));
}

namespace {

/// Every value `op` reads: its operands and, for region ops, the values
/// defined above that its regions use.
SmallVector<Value> readValues(Operation *op) {
  SmallVector<Value> values(op->getOperands());
  if (op->getNumRegions() > 0) {
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(op->getRegions(), above);
    values.append(above.begin(), above.end());
  }
  return values;
}

bool carriesDerivative(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && isa<FloatType>(type.getElementType());
}

/// Ops whose results are piecewise constant in their operands (comparisons,
/// arg-max): their derivative is zero almost everywhere, so the adjoint
/// stops at them, as TensorFlow's missing gradients do, instead of building
/// zeros.
bool stopsDerivative(Operation *op) {
  return isa<EqualOp, NotEqualOp, GreaterOp, GreaterEqualOp, LessOp,
             LessEqualOp, ArgmaxOp>(op);
}

/// Values that depend on a value to differentiate with respect to (varied)
/// and that a seed depends on (useful); only values that are both need
/// adjoints.
struct Activity {
  llvm::DenseSet<Value> varied, useful;

  Activity(Block &body, ArrayRef<Value> wrt, ArrayRef<Value> seeds) {
    varied.insert(wrt.begin(), wrt.end());
    // Only floating-point tensors carry derivatives: a size read from a
    // varied tensor (tensor.dim) is not varied.
    for (Operation &op : body.without_terminator())
      if (!stopsDerivative(&op) &&
          llvm::any_of(readValues(&op),
                       [&](Value v) { return varied.contains(v); }))
        for (Value r : op.getResults())
          if (carriesDerivative(r))
            varied.insert(r);
    useful.insert(seeds.begin(), seeds.end());
    for (Operation &op : llvm::reverse(body.without_terminator())) {
      if (llvm::none_of(op.getResults(),
                        [&](Value v) { return useful.contains(v); }))
        continue;
      for (Value v : readValues(&op))
        useful.insert(v);
    }
  }

  bool isActive(Value v) const {
    return varied.contains(v) && useful.contains(v);
  }
  bool isActive(Operation *op) const {
    return llvm::any_of(op->getResults(), [&](Value v) { return isActive(v); });
  }
};

/// Reports an active op that has no VJP; success if it has one.
LogicalResult checkDifferentiable(Operation *op, StringRef fnName) {
  StringRef name = op->getName().getStringRef();
  bool hasGradient = isa<GradientOpInterface>(op);
  if ((op->getNumRegions() > 0 && !hasGradient) || isa<CallOpInterface>(op))
    return op->emitError("kiln-autodiff: cannot differentiate through '")
           << name << "' yet";
  if (!hasGradient)
    return op->emitError("kiln-autodiff: '")
           << name << "' has no gradient but lies on the path from a "
           << "trainable argument to the loss of @" << fnName;
  return success();
}

} // namespace

Value zerosLike(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  Type et = type.getElementType();
  if (type.hasStaticShape())
    return arith::ConstantOp::create(
        b, loc, type, DenseElementsAttr::get(type, b.getFloatAttr(et, 0.0)));
  return BroadcastLikeOp::create(b, loc, grad::scalarConstant(b, loc, et, 0.0),
                                 value);
}

namespace {

/// The reverse sweep over one block, accumulating adjoints per value.
class ReverseSweep {
public:
  ReverseSweep(StringRef fnName, const Activity &activity, OpBuilder &builder)
      : fnName(fnName), activity(activity), b(builder) {}

  /// Seeds the adjoints of `seeds` (a null adjoint seeds nothing; a value
  /// seeded twice receives the sum) and propagates them back through `ops`
  /// (the active ops, in program order).
  LogicalResult run(ArrayRef<Value> seeds, ArrayRef<Value> seedAdjoints,
                    ArrayRef<Operation *> ops) {
    for (auto [seed, adjoint] : llvm::zip(seeds, seedAdjoints))
      if (adjoint && activity.isActive(seed))
        accumulate(seed, adjoint);
    for (Operation *op : llvm::reverse(ops))
      if (failed(visit(op)))
        return failure();
    return success();
  }

  Value lookup(Value v) const { return adjoints.lookup(v); }

private:
  LogicalResult visit(Operation *op) {
    SmallVector<Value> dys;
    for (Value r : op->getResults())
      dys.push_back(adjoints.lookup(r));
    if (llvm::all_of(dys, [](Value v) { return !v; }))
      return success();
    SmallVector<Value> dxs;
    if (failed(cast<GradientOpInterface>(op).buildVJP(b, dys, dxs)))
      return op->emitError("kiln-autodiff: failed to build the gradient of '")
             << op->getName() << "'";
    if (dxs.size() != op->getNumOperands())
      return op->emitError("kiln-autodiff: the gradient of '")
             << op->getName() << "' gave " << dxs.size()
             << " operand adjoints for " << op->getNumOperands() << " operands";
    for (auto [i, operand, dx] : llvm::enumerate(op->getOperands(), dxs)) {
      if (!activity.isActive(operand))
        continue; // Built but unused: erased with the other dead ops.
      if (!dx)
        return op->emitError("kiln-autodiff: '")
               << op->getName() << "' has no gradient for operand #" << i
               << ", which depends on a trainable argument of @" << fnName;
      if (dx.getType() != operand.getType())
        return op->emitError("kiln-autodiff: the gradient of '")
               << op->getName() << "' for operand #" << i << " has type "
               << dx.getType() << ", expected " << operand.getType();
      accumulate(operand, dx);
    }
    return success();
  }

  /// Fan-out: a value read by several ops receives the sum of their
  /// contributions.
  void accumulate(Value v, Value dx) {
    Value &slot = adjoints[v];
    slot = slot ? AddOp::create(b, dx.getLoc(), slot, dx).getResult() : dx;
  }

  StringRef fnName;
  const Activity &activity;
  OpBuilder &b;
  llvm::DenseMap<Value, Value> adjoints;
};

/// Appends `extra` to `fn`'s results, keeping result attributes aligned.
void appendResults(func::FuncOp fn, func::ReturnOp ret, ValueRange extra) {
  SmallVector<Value> results(ret.getOperands());
  results.append(extra.begin(), extra.end());
  SmallVector<DictionaryAttr> resultAttrs;
  fn.getAllResultAttrs(resultAttrs);
  resultAttrs.resize(results.size(), DictionaryAttr::get(fn.getContext()));
  ret.getOperandsMutable().assign(results);
  fn.setFunctionType(FunctionType::get(fn.getContext(), fn.getArgumentTypes(),
                                       ValueRange(results).getTypes()));
  fn.setAllResultAttrs(resultAttrs);
}

} // namespace

void eraseDeadOps(Block &block) {
  for (Operation *op = block.getTerminator()->getPrevNode(); op;) {
    Operation *prev = op->getPrevNode();
    if (isOpTriviallyDead(op))
      op->erase();
    op = prev;
  }
}

LogicalResult differentiateBlock(OpBuilder &b, Block &block,
                                 ArrayRef<Value> wrt, ArrayRef<Value> seeds,
                                 ArrayRef<Value> seedAdjoints,
                                 StringRef fnName,
                                 SmallVectorImpl<Value> &adjoints) {
  SmallVector<Value> seeded;
  for (auto [seed, adjoint] : llvm::zip(seeds, seedAdjoints))
    if (adjoint)
      seeded.push_back(seed);
  Activity activity(block, wrt, seeded);
  SmallVector<Operation *> activeOps;
  bool differentiable = true;
  for (Operation &op : block.without_terminator()) {
    if (!activity.isActive(&op))
      continue;
    differentiable &= succeeded(checkDifferentiable(&op, fnName));
    activeOps.push_back(&op);
  }
  if (!differentiable)
    return failure();

  ReverseSweep sweep(fnName, activity, b);
  if (failed(sweep.run(seeds, seedAdjoints, activeOps)))
    return failure();
  for (Value v : wrt)
    adjoints.push_back(sweep.lookup(v));
  return success();
}

LogicalResult differentiateInPlace(func::FuncOp fn, StringRef originalName,
                                   const FrozenRewritePatternSet &prePatterns) {
  // Fold softmax/sigmoid into the losses first, so that the stable
  // from_logits gradient is the one built.
  GreedyRewriteConfig config;
  config.enableFolding(false).enableConstantCSE(false);
  config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
  (void)applyPatternsGreedily(fn, prePatterns, config);

  Block &body = fn.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  SmallVector<Value> trainable;
  for (BlockArgument arg : fn.getArguments())
    if (fn.getArgAttr(arg.getArgNumber(), kTrainableAttr))
      trainable.push_back(arg);

  OpBuilder b(ret);
  Value loss = ret.getOperand(0);
  Type et = cast<RankedTensorType>(loss.getType()).getElementType();
  Value one = grad::scalarConstant(b, loss.getLoc(), et, 1.0);
  SmallVector<Value> grads;
  if (failed(differentiateBlock(b, body, trainable, loss, one, originalName,
                                grads)))
    return failure();
  for (auto [g, arg] : llvm::zip(grads, trainable))
    if (!g)
      g = zerosLike(b, fn.getLoc(), arg);
  appendResults(fn, ret, grads);

  // Adjoints nobody reads (the input adjoint of the first layer, the
  // adjoints of non-trainable weights) and forward values only they read.
  eraseDeadOps(body);
  return success();
}

} // namespace kiln::autodiff
