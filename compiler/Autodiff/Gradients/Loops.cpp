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

RankedTensorType stepType(Type stacked) {
  auto type = cast<RankedTensorType>(stacked);
  return RankedTensorType::get(type.getShape().drop_front(),
                               type.getElementType());
}

RankedTensorType stackedType(Type step, int64_t length) {
  auto type = cast<RankedTensorType>(step);
  SmallVector<int64_t> shape{length};
  llvm::append_range(shape, type.getShape());
  return RankedTensorType::get(shape, type.getElementType());
}

int64_t lengthOf(ScanOp scan) {
  for (Value seq : scan.getSequences()) {
    int64_t t = cast<RankedTensorType>(seq.getType()).getDimSize(0);
    if (!ShapedType::isDynamic(t))
      return t;
  }
  return ShapedType::kDynamic;
}

/// Products inside the step worth storing rather than recomputing: matmul
/// and dense results whose size the stacked tape can take (static, or the
/// type of a step argument that is not a capture).
SmallVector<Operation *> productsToTape(ScanOp scan) {
  SmallVector<Type> sizedTypes;
  for (BlockArgument arg : scan.getBody().front().getArguments().drop_back(
           scan.getCaptures().size()))
    sizedTypes.push_back(arg.getType());
  SmallVector<Operation *> products;
  for (Operation &op : scan.getBody().front().without_terminator()) {
    if (!isa<MatmulOp, DenseOp>(op))
      continue;
    auto type = cast<RankedTensorType>(op.getResult(0).getType());
    if (type.hasStaticShape() || llvm::is_contained(sizedTypes, Type(type)))
      products.push_back(&op);
  }
  return products;
}

/// The forward scan again, stacking each step's incoming carried values and
/// the results of `products` after its own outputs. `scan`'s uses move to
/// it; `scan` is left without uses for the pass's dead-code sweep.
ScanOp buildTapedForward(OpBuilder &b, ScanOp scan,
                         ArrayRef<Operation *> products) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfter(scan);
  int64_t length = lengthOf(scan);
  SmallVector<Type> resultTypes(scan.getResultTypes());
  for (Value v : scan.getInits())
    resultTypes.push_back(stackedType(v.getType(), length));
  for (Operation *p : products)
    resultTypes.push_back(stackedType(p->getResult(0).getType(), length));
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
      body->addArgument(stepType(v.getType()), loc);
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
    for (Operation *bop = body->getTerminator()->getPrevNode(); bop;) {
      Operation *prev = bop->getPrevNode();
      if (isOpTriviallyDead(bop))
        bop->erase();
      bop = prev;
    }

    // Operand adjoints, in operand order: sequences, inits, captures.
    ResultRange results = reverse.getResults();
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
