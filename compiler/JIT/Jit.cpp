//===- Jit.cpp - Compile an LLVM-dialect module to host code --------------===//
#include "compiler/JIT/Jit.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "runtime/abi/Workspace.h"

#include <cstdlib>
#include <functional>
#include <mutex>

namespace kiln {

static void initializeNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
#ifdef KILN_LIBOMP_PATH
    // Parallel loops call the OpenMP runtime (__kmpc_fork_call, ...); make
    // its symbols visible to the JIT's process-wide symbol search.
    std::string error;
    if (llvm::sys::DynamicLibrary::LoadLibraryPermanently(KILN_LIBOMP_PATH,
                                                          &error))
      llvm::errs() << "kiln: cannot load the OpenMP runtime: " << error
                   << "\n";
#endif
  });
}

std::string describeHostCpu() {
  std::string s = llvm::sys::getHostCPUName().str();
  for (const auto &f : llvm::sys::getHostCPUFeatures())
    if (f.second)
      s += " +" + f.first().str();
  return s;
}

JitModule::JitModule(std::unique_ptr<mlir::ExecutionEngine> engine)
    : engine(std::move(engine)) {}
// A model's steps are gone: so is the workspace they kept for their next
// call (shared with other models, which refill it on their next step).
JitModule::~JitModule() { workspace::trim(); }

llvm::Expected<std::unique_ptr<JitModule>>
JitModule::create(mlir::ModuleOp module, const JitOptions &options) {
  initializeNativeTarget();
  mlir::registerBuiltinDialectTranslation(*module->getContext());
  mlir::registerLLVMDialectTranslation(*module->getContext());
  mlir::registerOpenMPDialectTranslation(*module->getContext());

  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return builder.takeError();
  if (!options.cpu.empty()) {
    // A named CPU replaces the host's features with that CPU's own.
    builder->setCPU(options.cpu);
    builder->getFeatures() = llvm::SubtargetFeatures();
  }
  auto level = options.optLevel >= 3   ? llvm::CodeGenOptLevel::Aggressive
               : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
               : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                       : llvm::CodeGenOptLevel::None;
  builder->setCodeGenOptLevel(level);
  auto tm = builder->createTargetMachine();
  if (!tm)
    return tm.takeError();

  // ExecutionEngineOptions::transformer is a function_ref: the function
  // object it refers to must outlive ExecutionEngine::create, which calls it.
  std::function<llvm::Error(llvm::Module *)> optimize =
      mlir::makeOptimizingTransformer(options.optLevel, 0, tm->get());
  mlir::ExecutionEngineOptions engineOptions;
  engineOptions.transformer = optimize;
  engineOptions.jitCodeGenOptLevel = level;
  // KILN_PERF=1: jitdump files for `perf record -k 1` + `perf inject --jit`.
  engineOptions.enablePerfNotificationListener =
      std::getenv("KILN_PERF") != nullptr;
  // KILN_OBJDUMP=prefix: the compiled object, for profiling and reading.
  const char *objdump = std::getenv("KILN_OBJDUMP");
  engineOptions.enableObjectDump = objdump != nullptr;
  auto engine =
      mlir::ExecutionEngine::create(module, engineOptions, std::move(*tm));
  if (!engine)
    return engine.takeError();
  // Temporaries of compiled code: the runtime's caching allocator.
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto add = [&](const char *name, void *address) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(address),
                                 llvm::JITSymbolFlags::Exported};
    };
    add("_mlir_memref_to_llvm_alloc",
        reinterpret_cast<void *>(&_mlir_memref_to_llvm_alloc));
    add("_mlir_memref_to_llvm_aligned_alloc",
        reinterpret_cast<void *>(&_mlir_memref_to_llvm_aligned_alloc));
    add("_mlir_memref_to_llvm_free",
        reinterpret_cast<void *>(&_mlir_memref_to_llvm_free));
    return symbols;
  });
  if (objdump) {
    static int count = 0;
    std::string path = std::string(objdump) + std::to_string(count++) + ".o";
    (*engine)->dumpToObjectFile(path);
    for (const char *fn : {"train_step", "eval_step", "predict_step"})
      if (auto addr = (*engine)->lookup(fn))
        llvm::errs() << "kiln: " << path << " " << fn << " at "
                     << reinterpret_cast<void *>(*addr) << "\n";
      else
        llvm::consumeError(addr.takeError());
  }
  return std::unique_ptr<JitModule>(new JitModule(std::move(*engine)));
}

llvm::Expected<JitModule::PackedFn>
JitModule::lookup(const std::string &name) const {
  auto fn = engine->lookupPacked("_mlir_ciface_" + name);
  if (!fn)
    return fn.takeError();
  return *fn;
}

} // namespace kiln
