//===- MakeSteps.cpp - train_step / eval_step / predict_step --------------===//
//
// Wraps a model's tensor functions into the memref entry points the runtime
// calls. The whole training step (forward, loss, backward, optimizer update,
// metrics) ends up in one function that updates buffers in place. A module
// with @forward alone (a model that was never compiled, as kilnc builds for
// prediction) gets predict_step alone.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/StepLayoutAttr.h"
#include "dialects/Kiln/IR/KilnAttrs.h"
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace kiln {
#define GEN_PASS_DEF_KILNMAKESTEPSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

/// Argument roles of @loss: leading `kiln.param` arguments, then inputs,
/// then targets; @train_loss may end with a `kiln.step` argument (the step
/// counter, which seeds dropout). Any of them may return, after its own
/// results, the new values of the parameters its `kiln.state_updates`
/// lists (moving statistics in training, stateful layers' states).
struct Signature {
  unsigned numParams = 0, numInputs = 0, numTargets = 0;
  SmallVector<unsigned> trainable;
  bool takesStep = false;
  SmallVector<int64_t> stateUpdates;
  /// The loss and metric results, and the floats they fill in the step's
  /// results buffer (a 0-d result one, a counts tensor all its elements).
  unsigned numScalars = 0;
  int64_t resultWidth = 0;
};

constexpr StringLiteral kStepArgAttr = "kiln.step";
constexpr StringLiteral kStateUpdatesAttr = "kiln.state_updates";

MemRefType memrefFor(Type t) {
  auto rt = cast<RankedTensorType>(t);
  return MemRefType::get(rt.getShape(), rt.getElementType());
}

struct KilnMakeStepsPass
    : public kiln::impl::KilnMakeStepsPassBase<KilnMakeStepsPass> {
  using KilnMakeStepsPassBase::KilnMakeStepsPassBase;

  /// The module's `#kiln.optimizer`; Keras's SGD when it has none.
  FailureOr<OptimizerAttr> optimizerOf(ModuleOp module) {
    Attribute attr = module->getAttr(OptimizerAttr::kAttrName);
    if (!attr)
      return OptimizerAttr::get(
          module.getContext(), OptimizerKind::sgd, APFloat(0.01), APFloat(0.0),
          false, APFloat(0.9), APFloat(0.9), APFloat(0.999), APFloat(1e-7),
          APFloat(0.1));
    auto opt = dyn_cast<OptimizerAttr>(attr);
    if (!opt)
      return module.emitError("kiln-make-steps: the module's ")
             << OptimizerAttr::kAttrName
             << " must be a #kiln.optimizer, not " << attr;
    return opt;
  }

  /// The parameters `fn` rewrites: its results after its own ones are their
  /// new values (kiln.state_updates).
  static ArrayRef<int64_t> stateUpdatesOf(func::FuncOp fn) {
    if (auto updates = fn->getAttrOfType<DenseI64ArrayAttr>(kStateUpdatesAttr))
      return updates.asArrayRef();
    return {};
  }

  /// Each state update of `fn` names a non-trainable kiln.param argument of
  /// its result's type, and `fn` has results of its own before them.
  LogicalResult checkStateUpdates(func::FuncOp fn, const Signature &sig) {
    ArrayRef<int64_t> updates = stateUpdatesOf(fn);
    FunctionType type = fn.getFunctionType();
    if (type.getNumResults() <= updates.size())
      return fn.emitError("kiln-make-steps: @")
             << fn.getSymName() << " returns nothing but state updates";
    unsigned first = type.getNumResults() - updates.size();
    for (auto [i, p] : llvm::enumerate(updates)) {
      if (p < 0 || p >= int64_t(sig.numParams) ||
          type.getResult(first + i) != type.getInput(p))
        return fn.emitError("kiln-make-steps: state update #")
               << i << " must name a kiln.param argument of its result's type";
      if (llvm::is_contained(sig.trainable, unsigned(p)))
        return fn.emitError("kiln-make-steps: state update #")
               << i << " names a trainable parameter (#" << p << ")";
    }
    return success();
  }

  /// A module without @loss: @forward's leading kiln.param arguments, then
  /// its inputs.
  FailureOr<Signature> analyzeForward(func::FuncOp forward) {
    Signature sig;
    unsigned n = forward.getNumArguments();
    while (sig.numParams < n &&
           forward.getArgAttr(sig.numParams, "kiln.param"))
      ++sig.numParams;
    sig.numInputs = n - sig.numParams;
    if (sig.numInputs == 0)
      return forward.emitError("kiln-make-steps: @forward takes no input "
                               "after its kiln.param arguments");
    FunctionType type = forward.getFunctionType();
    for (Type t : llvm::concat<const Type>(type.getInputs(),
                                           type.getResults()))
      if (!isa<RankedTensorType>(t))
        return forward.emitError("kiln-make-steps: @forward's arguments and "
                                 "results must be ranked tensors, got ")
               << t;
    if (failed(checkStateUpdates(forward, sig)))
      return failure();
    return sig;
  }

  FailureOr<Signature> analyze(func::FuncOp loss, func::FuncOp forward) {
    Signature sig;
    unsigned n = loss.getNumArguments();
    while (sig.numParams < n && loss.getArgAttr(sig.numParams, "kiln.param"))
      ++sig.numParams;
    for (unsigned i = 0; i < n; ++i) {
      if (!loss.getArgAttr(i, "kiln.trainable"))
        continue;
      if (i >= sig.numParams)
        return loss.emitError("kiln-make-steps: trainable argument #")
               << i << " must also be a leading kiln.param argument";
      sig.trainable.push_back(i);
    }
    sig.takesStep = n > 0 && loss.getArgAttr(n - 1, kStepArgAttr);
    if (sig.takesStep) {
      auto t = dyn_cast<RankedTensorType>(loss.getArgumentTypes()[n - 1]);
      if (!t || t.getRank() != 0 || !t.getElementType().isInteger(64))
        return loss.emitError("kiln-make-steps: the kiln.step argument must "
                              "be a tensor<i64>");
      --n;
    }
    llvm::append_range(sig.stateUpdates, stateUpdatesOf(loss));
    if (forward) {
      if (forward.getNumArguments() < sig.numParams ||
          forward.getNumArguments() >= n)
        return forward.emitError("kiln-make-steps: @forward must take @loss's ")
               << sig.numParams << " parameters and its inputs";
      sig.numInputs = forward.getNumArguments() - sig.numParams;
    } else {
      sig.numInputs = n - sig.numParams - 1;
    }
    sig.numTargets = n - sig.numParams - sig.numInputs;
    FunctionType type = loss.getFunctionType();
    if (type.getNumResults() <= sig.stateUpdates.size())
      return loss.emitError("kiln-make-steps: @")
             << loss.getSymName() << " returns no loss";
    sig.numScalars = type.getNumResults() - sig.stateUpdates.size();
    if (failed(checkStateUpdates(loss, sig)))
      return failure();
    if (forward && failed(checkStateUpdates(forward, sig)))
      return failure();
    for (auto [i, r] : llvm::enumerate(type.getResults().take_front(sig.numScalars))) {
      auto rt = dyn_cast<RankedTensorType>(r);
      if (!rt || !rt.hasStaticShape() || !rt.getElementType().isF32() ||
          (i == 0 && rt.getRank() != 0))
        return loss.emitError("kiln-make-steps: @loss results must be f32 "
                              "tensors of static shape, the loss 0-d "
                              "(loss, metrics...), got ")
               << r;
      sig.resultWidth += rt.getNumElements();
    }
    for (Type t : type.getInputs())
      if (!isa<RankedTensorType>(t))
        return loss.emitError("kiln-make-steps: @loss arguments must be ranked "
                              "tensors, got ")
               << t;
    return sig;
  }

  /// Opens a step function with memref arguments and returns its entry block.
  Block *createStep(OpBuilder &b, Location loc, StringRef name,
                    ArrayRef<Type> args, const abi::StepLayout &layout) {
    assert(layout.size() == args.size() && "arguments follow the layout");
    auto fn = func::FuncOp::create(b, loc, name, b.getFunctionType(args, {}));
    fn->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    fn->setAttr(kStepLayoutAttrName, stepLayoutToAttr(b.getContext(), layout));
    Block *entry = fn.addEntryBlock();
    return entry;
  }

  /// Stores the results one after another into `out`: a 0-d result as one
  /// float, a larger one as its elements in row-major order.
  void storeResults(OpBuilder &b, Location loc, ValueRange results, Value out) {
    int64_t offset = 0;
    for (Value r : results) {
      auto rt = cast<RankedTensorType>(r.getType());
      if (rt.getRank() == 0) {
        Value v = tensor::ExtractOp::create(b, loc, r, ValueRange{});
        Value idx = arith::ConstantIndexOp::create(b, loc, offset++);
        memref::StoreOp::create(b, loc, v, out, ValueRange{idx});
        continue;
      }
      int64_t n = rt.getNumElements();
      Value flat = r;
      if (rt.getRank() > 1) {
        ReassociationIndices all;
        for (int64_t d = 0; d < rt.getRank(); ++d)
          all.push_back(d);
        flat = tensor::CollapseShapeOp::create(b, loc, r,
                                               ArrayRef<ReassociationIndices>{all});
      }
      Value slot = memref::SubViewOp::create(
          b, loc, out, ArrayRef<OpFoldResult>{b.getIndexAttr(offset)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(n)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
      bufferization::MaterializeInDestinationOp::create(
          b, loc, TypeRange{}, flat, slot, /*restrict=*/true, /*writable=*/true);
      offset += n;
    }
  }

  void buildTrainStep(OpBuilder &b, Location loc, func::FuncOp loss,
                      const Signature &sig, OptimizerAttr opt) {
    using abi::ArgRole;
    FunctionType type = loss.getFunctionType();
    unsigned numTrainable = sig.trainable.size();
    abi::StepLayout layout = abi::StepLayout::train(
        sig.numParams, opt.slots() * numTrainable, sig.numInputs,
        sig.numTargets);
    SmallVector<Type> args(layout.size());
    for (unsigned i = 0; i < sig.numParams; ++i)
      args[layout.offset(ArgRole::Param, i)] = memrefFor(type.getInput(i));
    for (unsigned s = 0; s < opt.slots(); ++s)
      for (auto [k, t] : llvm::enumerate(sig.trainable))
        args[layout.offset(ArgRole::Slot,
                           abi::StepLayout::slotIndex(s, k, numTrainable))] =
            memrefFor(type.getInput(t));
    args[layout.offset(ArgRole::Iterations)] =
        MemRefType::get({}, b.getI64Type());
    args[layout.offset(ArgRole::LearningRate)] =
        MemRefType::get({}, b.getF32Type());
    for (unsigned i = 0; i < sig.numInputs; ++i)
      args[layout.offset(ArgRole::Input, i)] =
          memrefFor(type.getInput(sig.numParams + i));
    for (unsigned i = 0; i < sig.numTargets; ++i)
      args[layout.offset(ArgRole::Target, i)] =
          memrefFor(type.getInput(sig.numParams + sig.numInputs + i));
    args[layout.offset(ArgRole::Results)] =
        MemRefType::get({sig.resultWidth}, b.getF32Type());

    Block *entry = createStep(b, loc, "train_step", args, layout);
    auto argOf = [&](ArgRole role, size_t i = 0) {
      return entry->getArgument(layout.offset(role, i));
    };
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(entry);
    auto asTensor = [&](Value m, bool writable) -> Value {
      auto mt = cast<MemRefType>(m.getType());
      return bufferization::ToTensorOp::create(
          b, loc, RankedTensorType::get(mt.getShape(), mt.getElementType()), m,
          /*restrict=*/true, writable);
    };
    SmallVector<Value> callArgs;
    for (unsigned i = 0; i < sig.numParams; ++i)
      callArgs.push_back(asTensor(argOf(ArgRole::Param, i), /*writable=*/true));
    for (unsigned i = 0; i < sig.numInputs; ++i)
      callArgs.push_back(asTensor(argOf(ArgRole::Input, i), /*writable=*/false));
    for (unsigned i = 0; i < sig.numTargets; ++i)
      callArgs.push_back(
          asTensor(argOf(ArgRole::Target, i), /*writable=*/false));
    Value iterMem = argOf(ArgRole::Iterations);
    Value it = memref::LoadOp::create(b, loc, iterMem, ValueRange{});
    SmallVector<Value> lossArgs(callArgs);
    if (sig.takesStep)
      lossArgs.push_back(tensor::FromElementsOp::create(
          b, loc, RankedTensorType::get({}, b.getI64Type()), ValueRange{it}));
    SmallVector<Type> resultTypes(type.getResults());
    for (unsigned t : sig.trainable)
      resultTypes.push_back(type.getInput(t));
    auto vg = ValueAndGradOp::create(b, loc, resultTypes, loss.getSymName(),
                                     lossArgs);
    Value lr = memref::LoadOp::create(b, loc, argOf(ArgRole::LearningRate),
                                      ValueRange{});

    auto f32 = [&](const APFloat &v) {
      return b.getF32FloatAttr(v.convertToDouble());
    };
    for (auto [k, t] : llvm::enumerate(sig.trainable)) {
      Value param = callArgs[t];
      Value grad = vg.getResult(type.getNumResults() + k);
      SmallVector<Value> stateMem, state;
      for (unsigned s = 0; s < opt.slots(); ++s) {
        stateMem.push_back(argOf(
            ArgRole::Slot, abi::StepLayout::slotIndex(s, k, numTrainable)));
        state.push_back(asTensor(stateMem.back(), /*writable=*/true));
      }
      SmallVector<Value> updated;
      switch (opt.getKind()) {
      case OptimizerKind::sgd:
        if (opt.slots() == 0)
          updated.push_back(SgdUpdateOp::create(b, loc, param.getType(), param,
                                                grad, lr));
        else
          llvm::append_range(
              updated, SgdMomentumUpdateOp::create(
                           b, loc, param.getType(), param.getType(), param,
                           grad, state[0], lr, f32(opt.getMomentum()),
                           opt.getNesterov() ? b.getUnitAttr() : UnitAttr())
                           ->getResults());
        break;
      case OptimizerKind::rmsprop:
        llvm::append_range(updated,
                           RmspropUpdateOp::create(b, loc, param.getType(),
                                                   param.getType(), param, grad,
                                                   state[0], lr,
                                                   f32(opt.getRho()), f32(opt.getEpsilon()))
                               ->getResults());
        break;
      case OptimizerKind::adam:
        llvm::append_range(
            updated, AdamUpdateOp::create(b, loc, param.getType(),
                                          param.getType(), param.getType(),
                                          param, grad, state[0], state[1], it,
                                          lr, f32(opt.getBeta_1()),
                                          f32(opt.getBeta_2()), f32(opt.getEpsilon()))
                         ->getResults());
        break;
      case OptimizerKind::adagrad:
        llvm::append_range(updated,
                           AdagradUpdateOp::create(b, loc, param.getType(),
                                                   param.getType(), param, grad,
                                                   state[0], lr,
                                                   f32(opt.getEpsilon()))
                               ->getResults());
        break;
      }
      bufferization::MaterializeInDestinationOp::create(
          b, loc, TypeRange{}, updated[0], argOf(ArgRole::Param, t),
          /*restrict=*/true, /*writable=*/true);
      for (unsigned s = 0; s < opt.slots(); ++s)
        bufferization::MaterializeInDestinationOp::create(
            b, loc, TypeRange{}, updated[1 + s], stateMem[s],
            /*restrict=*/true, /*writable=*/true);
    }
    for (auto [i, p] : llvm::enumerate(sig.stateUpdates))
      bufferization::MaterializeInDestinationOp::create(
          b, loc, TypeRange{}, vg.getResult(sig.numScalars + i),
          argOf(ArgRole::Param, p), /*restrict=*/true, /*writable=*/true);
    Value one = arith::ConstantIntOp::create(b, loc, b.getI64Type(), 1);
    memref::StoreOp::create(b, loc, arith::AddIOp::create(b, loc, it, one),
                            iterMem, ValueRange{});
    storeResults(b, loc, vg.getResults().take_front(sig.numScalars),
                 argOf(ArgRole::Results));
    func::ReturnOp::create(b, loc);
  }

  /// eval_step and predict_step: a call and stores; parameters are read
  /// only, but for the states the callee rewrites (a stateful layer's),
  /// which are written back in place. Their layouts list the callee's
  /// arguments in its order (parameters, inputs, then eval's targets) and
  /// the results or outputs last.
  void buildReadOnlyStep(OpBuilder &b, Location loc, StringRef name,
                         func::FuncOp callee, const Signature &sig,
                         bool storeScalars) {
    FunctionType type = callee.getFunctionType();
    ArrayRef<int64_t> updates = stateUpdatesOf(callee);
    unsigned numOwn = type.getNumResults() - updates.size();
    abi::StepLayout layout =
        storeScalars
            ? abi::StepLayout::eval(sig.numParams, sig.numInputs,
                                    sig.numTargets)
            : abi::StepLayout::predict(sig.numParams, sig.numInputs, numOwn);
    SmallVector<Type> args;
    for (Type t : type.getInputs())
      args.push_back(memrefFor(t));
    if (storeScalars)
      args.push_back(MemRefType::get({sig.resultWidth}, b.getF32Type()));
    else
      for (Type t : type.getResults().take_front(numOwn))
        args.push_back(memrefFor(t));
    Block *entry = createStep(b, loc, name, args, layout);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(entry);
    SmallVector<Value> callArgs;
    for (unsigned i = 0; i < type.getNumInputs(); ++i) {
      auto mt = cast<MemRefType>(args[i]);
      callArgs.push_back(bufferization::ToTensorOp::create(
          b, loc, RankedTensorType::get(mt.getShape(), mt.getElementType()),
          entry->getArgument(i), /*restrict=*/true,
          /*writable=*/llvm::is_contained(updates, int64_t(i))));
    }
    auto call = func::CallOp::create(b, loc, callee, callArgs);
    if (storeScalars) {
      storeResults(b, loc, call.getResults().take_front(numOwn),
                   entry->getArguments().back());
    } else {
      for (auto [i, r] : llvm::enumerate(call.getResults().take_front(numOwn)))
        bufferization::MaterializeInDestinationOp::create(
            b, loc, TypeRange{}, r, entry->getArgument(type.getNumInputs() + i),
            /*restrict=*/true, /*writable=*/true);
    }
    for (auto [i, p] : llvm::enumerate(updates))
      bufferization::MaterializeInDestinationOp::create(
          b, loc, TypeRange{}, call.getResult(numOwn + i), entry->getArgument(p),
          /*restrict=*/true, /*writable=*/true);
    func::ReturnOp::create(b, loc);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto loss = module.lookupSymbol<func::FuncOp>("loss");
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!loss && !forward) {
      module.emitError("kiln-make-steps: the module has no @loss or @forward "
                       "function");
      return signalPassFailure();
    }
    for (StringRef name : {"train_step", "eval_step", "predict_step"})
      if (module.lookupSymbol(name)) {
        module.emitError("kiln-make-steps: @") << name << " already exists";
        return signalPassFailure();
      }
    if (!loss) {
      FailureOr<Signature> sig = analyzeForward(forward);
      if (failed(sig))
        return signalPassFailure();
      OpBuilder b(module.getBodyRegion());
      b.setInsertionPointToEnd(module.getBody());
      buildReadOnlyStep(b, forward.getLoc(), "predict_step", forward, *sig,
                        /*storeScalars=*/false);
      forward.setPrivate();
      return;
    }
    // @train_loss, when present, is the model with training=True (dropout,
    // batch statistics); evaluation and prediction use @loss and @forward.
    auto trainLoss = module.lookupSymbol<func::FuncOp>("train_loss");
    FailureOr<OptimizerAttr> opt = optimizerOf(module);
    FailureOr<Signature> sig = analyze(loss, forward);
    FailureOr<Signature> trainSig =
        trainLoss ? analyze(trainLoss, forward) : sig;
    if (failed(opt) || failed(sig) || failed(trainSig))
      return signalPassFailure();
    if (sig->takesStep) {
      loss.emitError("kiln-make-steps: @loss takes no step counter (it "
                     "belongs to @train_loss)");
      return signalPassFailure();
    }
    if (trainLoss && (trainSig->numParams != sig->numParams ||
                      trainSig->numInputs != sig->numInputs ||
                      trainSig->numTargets != sig->numTargets ||
                      trainSig->numScalars != sig->numScalars ||
                      trainSig->resultWidth != sig->resultWidth ||
                      trainSig->trainable != sig->trainable)) {
      trainLoss.emitError("kiln-make-steps: @train_loss must take @loss's "
                          "parameters, inputs and targets and return its "
                          "loss and metrics");
      return signalPassFailure();
    }

    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    Location loc = loss.getLoc();
    buildTrainStep(b, loc, trainLoss ? trainLoss : loss, *trainSig, *opt);
    buildReadOnlyStep(b, loc, "eval_step", loss, *sig, /*storeScalars=*/true);
    if (forward)
      buildReadOnlyStep(b, forward.getLoc(), "predict_step", forward, *sig,
                        /*storeScalars=*/false);
    loss.setPrivate();
    if (trainLoss)
      trainLoss.setPrivate();
    if (forward)
      forward.setPrivate();
  }
};

} // namespace
