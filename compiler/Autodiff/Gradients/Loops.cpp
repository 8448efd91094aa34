//===- Loops.cpp - Gradients of kiln.scan and kiln.split ------------------===//
//
// A scan is differentiated as a reverse scan. The forward scan is rebuilt to
// also stack what the reverse loop needs: each step's incoming carried
// values (the tape of states, one [T, ...] buffer each) and the results of
// the step's matrix products, which are the expensive part to recompute.
// The reverse scan then re-runs the rest of the step from the tape, runs the
// reverse sweep over it (differentiateBlock), passes the carried adjoints to
// the step before, accumulates the captures' adjoints (the recurrent
// kernel's gradient) across steps and stacks the sequences' adjoints, from
// which the ops before the loop get theirs (the input kernel's gradient is
// then one matmul over all steps).
//
//===----------------------------------------------------------------------===//
#include "compiler/Autodiff/Differentiate.h"
#include "compiler/Autodiff/Gradients/Gradients.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace kiln::grad {
namespace {

struct SplitGradient
    : GradientOpInterface::ExternalModel<SplitGradient, SplitOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto split = cast<SplitOp>(op);
    SmallVector<Value> parts;
    for (auto [dy, result] : llvm::zip(dys, split.getResults()))
      parts.push_back(dy ? dy : autodiff::zerosLike(b, op->getLoc(), result));
    Value dx = ConcatenateOp::create(b, op->getLoc(), parts, split.getAxis());
    dxs.push_back(castTo(b, op->getLoc(), dx, split.getInput().getType()));
    return success();
  }
};

/// The types a stacked tape or output may take its sizes from: the steps of
/// the sequences and the carried values (block arguments but captures).
SmallVector<Type> sizedTypes(ScanOp scan) {
  return llvm::to_vector(TypeRange(scan.getBody().front().getArguments().drop_back(
      scan.getCaptures().size())));
}

/// Products inside the step worth storing rather than recomputing: matmul
/// and dense results whose size the stacked tape can take (static, or the
/// type of a step argument that is not a capture).
SmallVector<Operation *> productsToTape(ScanOp scan) {
  SmallVector<Type> sized = sizedTypes(scan);
  SmallVector<Operation *> products;
  for (Operation &op : scan.getBody().front().without_terminator())
    if (isa<MatmulOp, DenseOp>(op) &&
        ScanOp::canStack(op.getResult(0).getType(), sized))
      products.push_back(&op);
  return products;
}

/// The forward scan again, stacking each step's incoming carried values and
/// the results of `products` after its own outputs. `scan`'s uses move to
/// it; `scan` is left without uses for the pass's dead-code sweep.
ScanOp buildTapedForward(OpBuilder &b, ScanOp scan,
                         ArrayRef<Operation *> products) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfter(scan);
  int64_t length = scan.getLength();
  SmallVector<Type> resultTypes(scan.getResultTypes());
  for (Value v : scan.getInits())
    resultTypes.push_back(ScanOp::getStackedType(v.getType(), length));
  for (Operation *p : products)
    resultTypes.push_back(ScanOp::getStackedType(p->getResult(0).getType(), length));
  auto taped = ScanOp::create(b, scan.getLoc(), resultTypes,
                              scan.getSequences(), scan.getInits(),
                              scan.getCaptures(), scan.getReverse());
  IRMapping map;
  scan.getBody().cloneInto(&taped.getBody(), map);
  YieldOp yield = taped.getYield();
  SmallVector<Value> values(yield.getValues());
  llvm::append_range(values, taped.getCarriedArguments());
  for (Operation *p : products)
    values.push_back(map.lookup(p->getResult(0)));
  yield.getValuesMutable().assign(values);
  scan.replaceAllUsesWith(
      taped.getResults().take_front(scan.getNumResults()));
  return taped;
}

/// A carried value of `scan` that only sums `matmul(step, v) transpose_lhs`
/// over the steps, where `step` is a sequence's step: the sum over all
/// steps is one matmul of the flattened sequence and the stacked `v`s after
/// the loop (the recurrent kernel's gradient, by the matmul gradient of
/// h · U), rather than a small matmul per step.
struct ProductSum {
  size_t carried;
  unsigned sequence;
  Value rhs;
  AddOp add;
  MatmulOp product;
};

std::optional<ProductSum> matchProductSum(ScanOp scan, size_t j) {
  Block &body = scan.getBody().front();
  size_t numSeq = scan.getSequences().size();
  BlockArgument acc = body.getArgument(numSeq + j);
  if (!acc.hasOneUse())
    return std::nullopt;
  auto add = dyn_cast<AddOp>(*acc.getUsers().begin());
  if (!add || !add->hasOneUse() || scan.getYield().getValues()[j] != add.getResult() ||
      add.getType() != acc.getType())
    return std::nullopt;
  Value other = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  auto product = other.getDefiningOp<MatmulOp>();
  if (other == acc || !product || !product->hasOneUse() ||
      !product.getTransposeLhs() || product.getTransposeRhs() ||
      product.getType() != acc.getType())
    return std::nullopt;
  auto step = dyn_cast<BlockArgument>(product.getLhs());
  if (!step || step.getOwner() != &body || step.getArgNumber() >= numSeq ||
      cast<RankedTensorType>(step.getType()).getRank() != 2)
    return std::nullopt;
  return ProductSum{j, step.getArgNumber(), product.getRhs(), add, product};
}

/// `scan` with its product sums moved after the loop; fills `results` with
/// the values that replace each of `scan`'s results.
void hoistProductSums(OpBuilder &b, ScanOp &scan, SmallVectorImpl<Value> &results) {
  results.assign(scan.getResults().begin(), scan.getResults().end());
  size_t numSeq = scan.getSequences().size();
  size_t numCarried = scan.getInits().size();
  SmallVector<ProductSum> sums;
  for (size_t j = 0; j < numCarried; ++j)
    if (std::optional<ProductSum> p = matchProductSum(scan, j))
      sums.push_back(*p);
  // A stacked v takes its sizes from a sequence step or a carried value
  // that stays (kiln.scan's rule).
  SmallVector<Type> sized = sizedTypes(scan);
  for (const ProductSum &p : llvm::reverse(sums))
    sized.erase(sized.begin() + numSeq + p.carried);
  llvm::erase_if(sums, [&](const ProductSum &p) {
    return !ScanOp::canStack(p.rhs.getType(), sized);
  });
  if (sums.empty())
    return;

  Location loc = scan.getLoc();
  YieldOp yield = scan.getYield();
  SmallVector<Value> inits, nextCarried;
  SmallVector<Type> types;
  llvm::SmallDenseSet<size_t> hoisted;
  for (const ProductSum &p : sums)
    hoisted.insert(p.carried);
  for (size_t j = 0; j < numCarried; ++j)
    if (!hoisted.contains(j)) {
      inits.push_back(scan.getInits()[j]);
      nextCarried.push_back(yield.getValues()[j]);
      types.push_back(scan.getInits()[j].getType());
    }
  SmallVector<Value> outputs(yield.getValues().drop_front(numCarried));
  llvm::append_range(types, scan.getStackedOutputs().getTypes());
  int64_t length = scan.getLength();
  SmallVector<size_t> rhsOutput;
  for (const ProductSum &p : sums) {
    auto *it = llvm::find(outputs, p.rhs);
    if (it == outputs.end()) {
      outputs.push_back(p.rhs);
      types.push_back(ScanOp::getStackedType(p.rhs.getType(), length));
      it = outputs.end() - 1;
    }
    rhsOutput.push_back(it - outputs.begin());
  }

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfter(scan);
  auto hoistedScan = ScanOp::create(b, loc, types, scan.getSequences(), inits,
                                    scan.getCaptures(), scan.getReverse());
  hoistedScan.getBody().takeBody(scan.getBody());
  Block &body = hoistedScan.getBody().front();
  SmallVector<Value> values(nextCarried);
  values.append(outputs);
  yield.getValuesMutable().assign(values);
  for (const ProductSum &p : sums) {
    p.add->erase();
    p.product->erase();
  }
  for (size_t j = numCarried; j-- > 0;)
    if (hoisted.contains(j))
      body.eraseArgument(unsigned(numSeq + j));

  // Results: the kept carried values, then the stacked outputs.
  ResultRange newResults = hoistedScan.getResults();
  size_t kept = 0;
  for (size_t j = 0; j < numCarried; ++j)
    if (!hoisted.contains(j))
      results[j] = newResults[kept++];
  for (size_t k = 0; k < scan.getStackedOutputs().size(); ++k)
    results[numCarried + k] = newResults[kept + k];
  for (auto [p, out] : llvm::zip(sums, rhsOutput)) {
    Value lhs = flattenLeading(b, loc, scan.getSequences()[p.sequence]);
    Value rhs = flattenLeading(b, loc, newResults[kept + out]);
    Value sum = MatmulOp::create(b, loc, lhs, rhs, /*transpose_lhs=*/true,
                                 /*transpose_rhs=*/false);
    sum = castTo(b, loc, sum, scan.getInits()[p.carried].getType());
    Value init = scan.getInits()[p.carried];
    results[p.carried] =
        matchPattern(init, m_AnyZeroFloat())
            ? sum
            : AddOp::create(b, loc, init, sum).getResult();
  }
  scan->erase();
  scan = hoistedScan;
}

struct ScanGradient : GradientOpInterface::ExternalModel<ScanGradient, ScanOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto scan = cast<ScanOp>(op);
    Location loc = scan.getLoc();
    auto fn = scan->getParentOfType<func::FuncOp>();
    StringRef fnName = fn ? fn.getSymName() : StringRef("scan");
    size_t numSeq = scan.getSequences().size();
    size_t numCarried = scan.getInits().size();
    size_t numCaptures = scan.getCaptures().size();
    size_t numOutputs = scan.getStackedOutputs().size();

    SmallVector<Operation *> products = productsToTape(scan);
    ScanOp taped = buildTapedForward(b, scan, products);
    ResultRange carryTape =
        taped.getResults().slice(scan.getNumResults(), numCarried);
    ResultRange productTape =
        taped.getResults().take_back(products.size());

    // Reverse scan operands: sequences, the tapes and the stacked output
    // adjoints that reach the loop; carried: the carried adjoints and the
    // captures' accumulated adjoints; the captures again.
    SmallVector<Value> sequences(scan.getSequences());
    llvm::append_range(sequences, carryTape);
    llvm::append_range(sequences, productTape);
    SmallVector<int> outputSeeded;
    for (size_t k = 0; k < numOutputs; ++k) {
      Value dy = dys[numCarried + k];
      outputSeeded.push_back(dy ? (int)sequences.size() : -1);
      if (dy)
        sequences.push_back(castTo(b, loc, dy, scan.getStackedOutputs()[k].getType()));
    }
    SmallVector<Value> inits;
    for (size_t j = 0; j < numCarried; ++j)
      inits.push_back(dys[j] ? castTo(b, loc, dys[j], scan.getInits()[j].getType())
                             : autodiff::zerosLike(b, loc, scan.getInits()[j]));
    for (Value c : scan.getCaptures())
      inits.push_back(autodiff::zerosLike(b, loc, c));
    SmallVector<Type> resultTypes = llvm::to_vector(ValueRange(inits).getTypes());
    for (Value seq : scan.getSequences())
      resultTypes.push_back(seq.getType());

    auto reverse = ScanOp::create(b, loc, resultTypes, sequences, inits,
                                  scan.getCaptures(), !scan.getReverse());
    Block *body = new Block();
    reverse.getBody().push_back(body);
    for (Value v : sequences)
      body->addArgument(ScanOp::getStepType(v.getType()), loc);
    for (Value v : inits)
      body->addArgument(v.getType(), loc);
    for (Value v : scan.getCaptures())
      body->addArgument(v.getType(), loc);
    ArrayRef<BlockArgument> args = body->getArguments();
    ArrayRef<BlockArgument> stepArgs = args.take_front(numSeq);
    ArrayRef<BlockArgument> carriedTape = args.slice(numSeq, numCarried);
    ArrayRef<BlockArgument> productArgs =
        args.slice(numSeq + numCarried, products.size());
    ArrayRef<BlockArgument> carriedAdjoints =
        args.slice(sequences.size(), numCarried);
    ArrayRef<BlockArgument> captureSums =
        args.slice(sequences.size() + numCarried, numCaptures);
    ArrayRef<BlockArgument> captures = args.take_back(numCaptures);

    // The step, re-run from the tape.
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(body);
    Block &forward = scan.getBody().front();
    IRMapping map;
    map.map(scan.getStepArguments(), stepArgs);
    map.map(scan.getCarriedArguments(), carriedTape);
    map.map(scan.getCaptureArguments(), captures);
    for (Operation &fop : forward.without_terminator())
      b.clone(fop, map);
    auto yieldPlaceholder = YieldOp::create(b, loc, ValueRange());

    SmallVector<Value> seeds, seedAdjoints;
    for (auto [j, next] : llvm::enumerate(
             scan.getYield().getValues().take_front(numCarried))) {
      seeds.push_back(map.lookupOrDefault(next));
      seedAdjoints.push_back(carriedAdjoints[j]);
    }
    for (auto [k, out] : llvm::enumerate(
             scan.getYield().getValues().drop_front(numCarried))) {
      seeds.push_back(map.lookupOrDefault(out));
      seedAdjoints.push_back(outputSeeded[k] < 0
                                 ? Value()
                                 : Value(args[outputSeeded[k]]));
    }
    SmallVector<Value> wrt(stepArgs.begin(), stepArgs.end());
    wrt.append(carriedTape.begin(), carriedTape.end());
    wrt.append(captures.begin(), captures.end());
    b.setInsertionPoint(yieldPlaceholder);
    SmallVector<Value> adjoints;
    if (failed(autodiff::differentiateBlock(b, *body, wrt, seeds, seedAdjoints,
                                            fnName, adjoints)))
      return failure();

    SmallVector<Value> yielded;
    for (size_t j = 0; j < numCarried; ++j) {
      Value a = adjoints[numSeq + j];
      yielded.push_back(a ? a : autodiff::zerosLike(b, loc, carriedTape[j]));
    }
    for (size_t c = 0; c < numCaptures; ++c) {
      Value a = adjoints[numSeq + numCarried + c];
      yielded.push_back(a ? AddOp::create(b, loc, captureSums[c], a).getResult()
                          : Value(captureSums[c]));
    }
    for (size_t s = 0; s < numSeq; ++s) {
      Value a = adjoints[s];
      yielded.push_back(a ? a : autodiff::zerosLike(b, loc, stepArgs[s]));
    }
    YieldOp::create(b, loc, yielded);
    yieldPlaceholder->erase();

    // The stored products stand in for the recomputed ones (their gradient
    // ops, built above, read only their operands).
    for (auto [p, stored] : llvm::zip(products, productArgs))
      map.lookup(p->getResult(0)).replaceAllUsesWith(stored);
    autodiff::eraseDeadOps(*body);

    // Operand adjoints, in operand order: sequences, inits, captures.
    SmallVector<Value> results;
    hoistProductSums(b, reverse, results);
    for (size_t s = 0; s < numSeq; ++s)
      dxs.push_back(results[numCarried + numCaptures + s]);
    for (size_t j = 0; j < numCarried; ++j)
      dxs.push_back(results[j]);
    for (size_t c = 0; c < numCaptures; ++c)
      dxs.push_back(results[numCarried + c]);
    return success();
  }
};

} // namespace

void registerLoopGradients(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, KilnDialect *) {
    SplitOp::attachInterface<SplitGradient>(*ctx);
    ScanOp::attachInterface<ScanGradient>(*ctx);
  });
}

} // namespace kiln::grad
