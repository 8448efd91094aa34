//===- Aot.cpp - kiln IR to a native object, ahead of time ----------------===//
#include "compiler/AOT/AotInternal.h"
#include "compiler/Codegen/Target.h"
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Transforms/StepLayoutAttr.h"
#include "dialects/Kiln/IR/KilnAttrs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>

namespace kiln {
namespace {

llvm::Error fail(const std::string &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "kilnc: " + message);
}

/// A tensor type's shape, or an error naming `what`.
llvm::Expected<std::vector<int64_t>> staticShape(mlir::Type type,
                                                 const std::string &what,
                                                 bool batched) {
  auto ranked = mlir::dyn_cast<mlir::RankedTensorType>(type);
  if (!ranked || !ranked.getElementType().isF32())
    return fail(what + " must be a ranked f32 tensor");
  std::vector<int64_t> shape(ranked.getShape().begin(),
                             ranked.getShape().end());
  if (batched) {
    if (shape.empty() || !mlir::ShapedType::isDynamic(shape.front()))
      return fail(what + " must have a dynamic batch dimension first");
    shape.erase(shape.begin());
  }
  for (int64_t d : shape)
    if (mlir::ShapedType::isDynamic(d))
      return fail(what + " must have static dimensions after the batch");
  return shape;
}

/// Checks @forward against the weights and returns its sample shapes.
llvm::Expected<AotSignature>
signatureOf(mlir::func::FuncOp forward, const std::vector<AotTensor> &weights) {
  mlir::FunctionType type = forward.getFunctionType();
  unsigned params = 0;
  while (params < type.getNumInputs() &&
         forward.getArgAttr(params, "kiln.param"))
    ++params;
  if (type.getNumInputs() - params != 1 || type.getNumResults() != 1)
    return fail("ahead-of-time models take one input and give one output "
                "for now; this one has " +
                std::to_string(type.getNumInputs() - params) + " and " +
                std::to_string(type.getNumResults()));
  if (params != weights.size())
    return fail("the model has " + std::to_string(params) +
                " weights, but " + std::to_string(weights.size()) +
                " were given");
  for (unsigned i = 0; i < params; ++i) {
    auto shape = staticShape(type.getInput(i),
                             "weight #" + std::to_string(i), false);
    if (!shape)
      return shape.takeError();
    if (*shape != weights[i].shape)
      return fail("weight #" + std::to_string(i) +
                  " does not have the shape the model gives it");
    size_t count = 1;
    for (int64_t d : *shape)
      count *= size_t(d);
    if (weights[i].data.size() != count)
      return fail("weight #" + std::to_string(i) + " has " +
                  std::to_string(weights[i].data.size()) + " values, not " +
                  std::to_string(count));
  }
  AotSignature sig;
  auto input = staticShape(type.getInput(params), "the input", true);
  if (!input)
    return input.takeError();
  auto output = staticShape(type.getResult(0), "the output", true);
  if (!output)
    return output.takeError();
  sig.input = *input;
  sig.output = *output;
  return sig;
}

/// Adds @loss's target and result count to `sig` (an artifact that trains).
llvm::Error trainingSignature(mlir::func::FuncOp loss, AotSignature &sig) {
  mlir::FunctionType type = loss.getFunctionType();
  if (type.getNumInputs() == 0 || type.getNumResults() == 0)
    return fail("@loss must take the target last and return the loss");
  auto target = mlir::dyn_cast<mlir::RankedTensorType>(
      type.getInputs().back());
  if (!target || target.getRank() == 0 ||
      !mlir::ShapedType::isDynamic(target.getDimSize(0)))
    return fail("@loss's target must be a tensor with a dynamic batch first");
  mlir::Type element = target.getElementType();
  sig.intTarget = element.isInteger(32);
  if (!sig.intTarget && !element.isF32())
    return fail("@loss's target must hold f32 values or i32 labels");
  sig.target.assign(target.getShape().begin() + 1, target.getShape().end());
  for (int64_t d : sig.target)
    if (mlir::ShapedType::isDynamic(d))
      return fail("@loss's target must have static dimensions after the "
                  "batch");
  if (sig.intTarget)
    sig.classes = sig.output.empty() ? 1 : sig.output.back();
  for (auto [i, r] : llvm::enumerate(type.getResults()))
    if (auto t = mlir::dyn_cast<mlir::RankedTensorType>(r); !t || t.getRank() != 0)
      return fail("@loss result #" + std::to_string(i) +
                  " is not a 0-d loss or metric mean but " +
                  (t ? "a tensor of " + std::to_string(t.getNumElements()) +
                           " confusion counts (Precision, Recall, AUC, ...)"
                     : std::string("not a ranked tensor")) +
                  "; the C entry points report one batch mean per result, "
                  "so compile the model without such metrics for kilnc");
  sig.results = type.getNumResults();
  return llvm::Error::success();
}

/// The optimizer slots of the compiled train_step, from its layout.
llvm::Expected<size_t> slotsOf(mlir::ModuleOp module) {
  for (auto fn : module.getOps<mlir::LLVM::LLVMFuncOp>()) {
    if (fn.getSymName() != "train_step")
      continue;
    std::optional<abi::StepLayout> layout =
        stepLayoutFromAttr(fn->getAttr(kStepLayoutAttrName));
    if (!layout)
      return fail("the compiled train_step has no argument layout");
    return layout->count(abi::ArgRole::Slot);
  }
  return fail("the compiled module has no train_step");
}

/// @forward's input and output with a batch of `batch` instead of a
/// dynamic one: casts at both ends, which canonicalization folds into the
/// ops, so the whole step is compiled for static shapes.
void fixBatch(mlir::func::FuncOp forward, unsigned input, int64_t batch) {
  auto withBatch = [batch](mlir::Type type) {
    auto ranked = mlir::cast<mlir::RankedTensorType>(type);
    llvm::SmallVector<int64_t> shape(ranked.getShape());
    shape[0] = batch;
    return mlir::RankedTensorType::get(shape, ranked.getElementType());
  };
  forward.getContext()->getOrLoadDialect<mlir::tensor::TensorDialect>();
  mlir::OpBuilder b(forward.getContext());
  mlir::Block &entry = forward.getBody().front();
  mlir::BlockArgument arg = entry.getArgument(input);
  mlir::Type dynamic = arg.getType();
  arg.setType(withBatch(dynamic));
  b.setInsertionPointToStart(&entry);
  auto cast = mlir::tensor::CastOp::create(b, forward.getLoc(), dynamic, arg);
  arg.replaceAllUsesExcept(cast.getResult(), cast.getOperation());
  llvm::SmallVector<mlir::Type> results;
  forward.walk([&](mlir::func::ReturnOp ret) {
    b.setInsertionPoint(ret);
    results.clear();
    for (mlir::OpOperand &operand : ret->getOpOperands()) {
      mlir::Type fixed = withBatch(operand.get().getType());
      operand.set(mlir::tensor::CastOp::create(b, ret.getLoc(), fixed,
                                               operand.get()));
      results.push_back(fixed);
    }
  });
  llvm::SmallVector<mlir::Type> inputs(
      forward.getFunctionType().getInputs());
  inputs[input] = arg.getType();
  forward.setFunctionType(
      mlir::FunctionType::get(forward.getContext(), inputs, results));
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
targetMachine(const CpuTarget &target, unsigned optLevel) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getProcessTriple());
  std::string error;
  const llvm::Target *t = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!t)
    return fail("no LLVM target for " + triple.str() + ": " + error);
  auto level = optLevel >= 3   ? llvm::CodeGenOptLevel::Aggressive
               : optLevel == 2 ? llvm::CodeGenOptLevel::Default
               : optLevel == 1 ? llvm::CodeGenOptLevel::Less
                               : llvm::CodeGenOptLevel::None;
  // Position independent: the object may go into a shared library.
  std::unique_ptr<llvm::TargetMachine> tm(t->createTargetMachine(
      triple, target.cpu, target.features, llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt, level));
  if (!tm)
    return fail("LLVM cannot generate code for CPU '" + target.cpu + "'");
  return tm;
}

/// Everything but the C entry points becomes internal: two models linked
/// into one program do not clash, and unused code goes.
void internalize(llvm::Module &module, const AotOptions &options) {
  std::vector<std::string> api = aot::apiSymbols(options);
  auto isApi = [&](llvm::StringRef symbol) {
    return std::find(api.begin(), api.end(), symbol.str()) != api.end();
  };
  for (llvm::Function &f : module.functions())
    if (!f.isDeclaration() && !isApi(f.getName()))
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::GlobalVariable &g : module.globals())
    if (!g.isDeclaration() && !g.getName().starts_with("llvm.") &&
        g.getName() != aot::kExeInputDims &&
        g.getName() != aot::kExeOutputDims)
      g.setLinkage(llvm::GlobalValue::InternalLinkage);
}

} // namespace

llvm::Expected<AotArtifact>
compileAhead(mlir::ModuleOp module, const std::vector<AotTensor> &weights,
             const AotOptions &options, const AotOptimizerState *optimizer) {
  if (!isCIdentifier(options.name))
    return fail("the name '" + options.name +
                "' is not a C identifier (letters, digits and _, not "
                "starting with a digit)");
  if (options.threads < 1)
    return fail("threads must be at least 1, not " +
                std::to_string(options.threads));
  if (options.optLevel > 3)
    return fail("the optimization level is 0-3, not " +
                std::to_string(options.optLevel));
  mlir::MLIRContext *ctx = module->getContext();
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  mlir::ScopedDiagnosticHandler handler(ctx, [&](mlir::Diagnostic &d) {
    os << d << "\n";
    return mlir::success();
  });
  auto forward = module.lookupSymbol<mlir::func::FuncOp>("forward");
  if (!forward)
    return fail("the model has no @forward function");
  auto loss = module.lookupSymbol<mlir::func::FuncOp>("loss");
  auto signature = signatureOf(forward, weights);
  if (!signature)
    return signature.takeError();
  // An artifact that trains starts from the given optimizer state, or from
  // a fresh one as the optimizer initializes it.
  AotOptimizerState state;
  if (options.train) {
    auto kind = module->getAttrOfType<OptimizerAttr>(OptimizerAttr::kAttrName);
    if (!loss || !kind)
      return fail("training ahead of time needs a compiled model: its "
                  "@loss and #kiln.optimizer (a model file saved with a "
                  "compile config)");
    if (llvm::Error error = trainingSignature(loss, *signature))
      return std::move(error);
    if (optimizer) {
      state = *optimizer;
    } else {
      state.learningRate = float(kind.getLearningRate().convertToDouble());
      float init = float(kind.slotInitialValue());
      for (unsigned s = 0; s < kind.slots(); ++s)
        for (unsigned i = 0; i < weights.size(); ++i)
          if (loss.getArgAttr(i, "kiln.trainable"))
            state.slots.push_back(
                {weights[i].shape,
                 std::vector<float>(weights[i].data.size(), init)});
    }
  } else if (loss) {
    // Prediction only: the training function goes.
    loss.erase();
  }

  if (options.batch < 0)
    return fail("the batch must be positive, not " +
                std::to_string(options.batch));
  if (options.batch > 0) {
    if (options.train)
      return fail("a fixed batch is for prediction: training takes the "
                  "batch each call gives");
    fixBatch(forward, weights.size(), options.batch);
  }

  bool gpu = !options.gpuChip.empty();
  if (gpu) {
    if (options.train)
      return fail("training ahead of time runs on the CPU only for now; "
                  "compile a GPU artifact for prediction (no --train)");
    if (options.externalWeights)
      return fail("a GPU artifact embeds its weights (their device copy is "
                  "made once); external weights are for CPU targets");
    if (options.threads != 1)
      return fail("--threads is for CPU targets: a GPU artifact's host code "
                  "only launches kernels");
    registerNvvmTranslations(ctx);
  }
  CodegenOptions codegen;
  codegen.cpu = options.cpu;
  codegen.threads = options.threads;
  NvvmOptions nvvm;
  nvvm.chip = options.gpuChip;
  nvvm.precision = options.gpuPrecision;
  // The tile sizes' cost model: A100 (sm_80) has 108 multiprocessors,
  // H100 and H200 (sm_90) 132.
  nvvm.multiprocessors = options.gpuChip == "sm_80" ? 108 : 132;
  mlir::PassManager pm(ctx);
  if (gpu ? !buildGpuStepsPipeline(pm, nvvm, options.stopAfter)
          : !buildStepsPipeline(pm, codegen, options.stopAfter)) {
    std::string names;
    for (const std::string &n : gpu ? gpuStepStageNames() : stepStageNames())
      names += (names.empty() ? "" : ", ") + n;
    return fail("unknown stage '" + options.stopAfter + "' (for " +
                (gpu ? options.gpuChip : options.cpu) + ": " + names + ")");
  }
  if (options.instrument)
    options.instrument(pm);
  if (mlir::failed(pm.run(module)))
    return fail("the model does not compile for '" +
                (gpu ? options.gpuChip : options.cpu) + "':\n" + diagnostics);
  if (!options.stopAfter.empty())
    return AotArtifact();
  if (options.train) {
    llvm::Expected<size_t> slots = slotsOf(module);
    if (!slots)
      return slots.takeError();
    if (*slots != state.slots.size())
      return fail("the train step takes " + std::to_string(*slots) +
                  " optimizer slots, but " +
                  std::to_string(state.slots.size()) + " were given");
    signature->slots = *slots;
  }
  // kiln-to-llvm records the CPU in the module; the GPU's host code is
  // generated for the named one.
  mlir::FailureOr<CpuTarget> target =
      gpu ? CpuTarget::forCpu(options.cpu) : targetOf(module, "kilnc");
  if (mlir::failed(target))
    return fail("no target for the compiled module: " + diagnostics);

  mlir::registerBuiltinDialectTranslation(*ctx);
  mlir::registerLLVMDialectTranslation(*ctx);
  mlir::registerOpenMPDialectTranslation(*ctx);
  AotArtifact artifact;
  auto start = std::chrono::steady_clock::now();
  auto lap = [&start] {
    auto now = std::chrono::steady_clock::now();
    double seconds = std::chrono::duration<double>(now - start).count();
    start = now;
    return seconds;
  };
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> ir =
      mlir::translateModuleToLLVMIR(module, llvmContext, options.name);
  if (!ir)
    return fail("cannot translate the model to LLVM IR:\n" + diagnostics);
  auto tm = targetMachine(*target, options.optLevel);
  if (!tm)
    return tm.takeError();
  ir->setDataLayout((*tm)->createDataLayout());
  ir->setTargetTriple((*tm)->getTargetTriple());
  if (llvm::Error error = aot::addEntryPoints(
          *ir, *signature, weights, options,
          options.train ? &state : nullptr))
    return std::move(error);
  if (llvm::Error error = aot::linkRuntime(*ir))
    return std::move(error);
  internalize(*ir, options);
  artifact.translateSeconds = lap();
  auto optimize = mlir::makeOptimizingTransformer(options.optLevel, 0,
                                                  tm->get());
  if (llvm::Error error = optimize(ir.get()))
    return std::move(error);
  artifact.optimizeSeconds = lap();

  artifact.signature = *signature;
  for (const AotTensor &w : weights)
    artifact.weightShapes.push_back(w.shape);
  artifact.cpu = target->cpu;
  artifact.features = target->features;
  artifact.gpuChip = options.gpuChip;
  if (options.keepLLVMIR) {
    llvm::raw_string_ostream irText(artifact.llvmIR);
    ir->print(irText, nullptr);
  }
  llvm::SmallString<0> object;
  llvm::raw_svector_ostream stream(object);
  llvm::legacy::PassManager codegenPasses;
  if ((*tm)->addPassesToEmitFile(codegenPasses, stream, nullptr,
                                 llvm::CodeGenFileType::ObjectFile))
    return fail("LLVM cannot emit an object file for this target");
  codegenPasses.run(*ir);
  artifact.object = object.str().str();
  artifact.codegenSeconds = lap();
  return artifact;
}

} // namespace kiln
