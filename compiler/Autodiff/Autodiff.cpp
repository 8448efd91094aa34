//===- Autodiff.cpp - Reverse-mode automatic differentiation --------------===//
//
// The module-level driver of kiln-autodiff: finds the functions to
// differentiate (a `kiln.trainable` argument, or the callee of a
// `kiln.value_and_grad`), generates `@<name>_grad` once per function next to
// it, and turns every `kiln.value_and_grad` into a `func.call` of it.
//
//===----------------------------------------------------------------------===//
#include "compiler/Autodiff/Differentiate.h"
#include "compiler/Autodiff/Passes.h"
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

namespace kiln {
#define GEN_PASS_DEF_KILNAUTODIFFPASS
#include "compiler/Autodiff/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::autodiff;

namespace {

bool hasTrainableArgument(func::FuncOp fn) {
  for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i)
    if (fn.getArgAttr(i, kTrainableAttr))
      return true;
  return false;
}

/// The conditions differentiateInPlace relies on, checked on the original.
LogicalResult checkDifferentiableFunction(func::FuncOp fn) {
  if (fn.isExternal())
    return fn.emitError("kiln-autodiff: cannot differentiate @")
           << fn.getSymName() << ": it has no body";
  if (!fn.getBody().hasOneBlock())
    return fn.emitError("kiln-autodiff: cannot differentiate @")
           << fn.getSymName()
           << ": only straight-line single-block functions are supported yet";
  auto loss = fn.getNumResults()
                  ? dyn_cast<RankedTensorType>(fn.getResultTypes()[0])
                  : RankedTensorType();
  if (!loss || loss.getRank() != 0 || !isa<FloatType>(loss.getElementType()))
    return fn.emitError("kiln-autodiff: @")
           << fn.getSymName() << " must return a 0-d floating-point loss first";
  for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i) {
    auto type = dyn_cast<RankedTensorType>(fn.getArgumentTypes()[i]);
    if (fn.getArgAttr(i, kTrainableAttr) &&
        (!type || !isa<FloatType>(type.getElementType())))
      return fn.emitError("kiln-autodiff: trainable argument #")
             << i << " of @" << fn.getSymName()
             << " must be a floating-point tensor, got "
             << fn.getArgumentTypes()[i];
  }
  return success();
}

struct KilnAutodiffPass
    : public kiln::impl::KilnAutodiffPassBase<KilnAutodiffPass> {
  void getDependentDialects(DialectRegistry &registry) const override {
    KilnAutodiffPassBase::getDependentDialects(registry);
    // The VJPs are external models: make the pass usable in any context.
    registerGradientInterfaces(registry);
  }

  LogicalResult initialize(MLIRContext *ctx) override {
    prePatterns = buildPreDifferentiationPatterns(ctx);
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);

    // Functions to differentiate, in module order, then value_and_grad
    // callees not already listed.
    llvm::SetVector<func::FuncOp> targets;
    for (auto fn : module.getOps<func::FuncOp>())
      if (!fn->hasAttr(kGradientOfAttr) && hasTrainableArgument(fn))
        targets.insert(fn);
    SmallVector<ValueAndGradOp> requests;
    bool failed = false;
    module.walk([&](ValueAndGradOp op) {
      auto fn = symbols.lookup<func::FuncOp>(op.getCallee());
      if (!fn) {
        op.emitOpError("'") << op.getCallee() << "' does not name a func.func";
        failed = true;
        return;
      }
      requests.push_back(op);
      targets.insert(fn);
    });

    llvm::MapVector<func::FuncOp, func::FuncOp> gradients;
    for (func::FuncOp fn : targets) {
      FailureOr<func::FuncOp> grad = getOrCreateGradient(fn, symbols);
      if (llvm::failed(grad))
        failed = true;
      else
        gradients[fn] = *grad;
    }

    for (ValueAndGradOp op : requests) {
      auto fn = symbols.lookup<func::FuncOp>(op.getCallee());
      func::FuncOp grad = gradients.lookup(fn);
      if (!grad)
        continue;
      OpBuilder b(op);
      auto call = func::CallOp::create(b, op.getLoc(), grad, op.getArgs());
      op->replaceAllUsesWith(call.getResults());
      op->erase();
    }
    if (failed)
      signalPassFailure();
  }

  /// `@<name>_grad`: the existing one if an earlier run generated it, else
  /// a new one inserted after `fn`.
  FailureOr<func::FuncOp> getOrCreateGradient(func::FuncOp fn,
                                              SymbolTable &symbols) {
    std::string name = (fn.getSymName() + "_grad").str();
    auto gradientOf = FlatSymbolRefAttr::get(fn.getSymNameAttr());
    if (Operation *existing = symbols.lookup(name)) {
      auto grad = dyn_cast<func::FuncOp>(existing);
      if (grad && grad->getAttr(kGradientOfAttr) == gradientOf)
        return grad;
      return fn.emitError("kiln-autodiff: cannot generate the gradient of @")
             << fn.getSymName() << ": the symbol @" << name
             << " already exists";
    }
    if (failed(checkDifferentiableFunction(fn)))
      return failure();

    auto grad = cast<func::FuncOp>(fn->clone());
    grad.setSymName(name);
    grad->setAttr(kGradientOfAttr, gradientOf);
    symbols.insert(grad, std::next(Block::iterator(fn)));
    if (failed(differentiateInPlace(grad, fn.getSymName(), prePatterns))) {
      symbols.erase(grad);
      return failure();
    }
    return grad;
  }

  FrozenRewritePatternSet prePatterns;
};

} // namespace
