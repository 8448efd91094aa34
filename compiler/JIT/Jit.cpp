//===- Jit.cpp - Compile an LLVM-dialect module to host code --------------===//
#include "compiler/JIT/Jit.h"
#include "compiler/JIT/EmitObject.h"
#include "compiler/JIT/Timing.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "llvm/ExecutionEngine/JITEventListener.h"
#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h"
#include "llvm/ExecutionEngine/SectionMemoryManager.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "runtime/dist/Communicator.h"
#include "runtime/gpu/Mgpu.h"
#include "runtime/abi/Threads.h"
#include "runtime/abi/Workspace.h"

#include <atomic>
#include <cstdlib>
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

static llvm::Expected<llvm::orc::JITTargetMachineBuilder>
targetMachineBuilder(const JitOptions &options) {
  initializeNativeTarget();
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
  return builder;
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const JitOptions &options) {
  auto builder = targetMachineBuilder(options);
  if (!builder)
    return builder.takeError();
  return builder->createTargetMachine();
}

JitModule::JitModule() = default;
// A model's steps are gone: so is the workspace they kept for their next
// call (shared with other models, which refill it on their next step).
JitModule::~JitModule() {
  for (auto fini : finalizers)
    fini();
  workspace::trim();
}

llvm::Expected<std::unique_ptr<JitModule>>
JitModule::create(mlir::ModuleOp module, const JitOptions &options) {
  mlir::registerBuiltinDialectTranslation(*module->getContext());
  mlir::registerLLVMDialectTranslation(*module->getContext());
  mlir::registerOpenMPDialectTranslation(*module->getContext());
  auto tm = createTargetMachine(options);
  if (!tm)
    return tm.takeError();
  mlir::TimingScope untimed;
  StageTimes times(nullptr);
  auto object = emitObject(module, **tm, options.optLevel, untimed, times);
  if (!object)
    return object.takeError();
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> objects;
  objects.push_back(std::move(*object));
  return load(std::move(objects), options);
}

/// The runtime functions compiled code calls besides libm and libomp (which
/// the process-wide search finds): the workspace's caching allocator, the
/// run-time thread count of parallel regions and the data-parallel step's
/// reduction.
static llvm::orc::SymbolMap runtimeSymbols(llvm::orc::LLJIT &jit) {
  llvm::orc::SymbolMap symbols;
  auto add = [&](const char *name, void *address) {
    symbols[jit.mangleAndIntern(name)] = {
        llvm::orc::ExecutorAddr::fromPtr(address),
        llvm::JITSymbolFlags::Exported};
  };
  add("_mlir_memref_to_llvm_alloc",
      reinterpret_cast<void *>(&_mlir_memref_to_llvm_alloc));
  add("_mlir_memref_to_llvm_aligned_alloc",
      reinterpret_cast<void *>(&_mlir_memref_to_llvm_aligned_alloc));
  add("_mlir_memref_to_llvm_free",
      reinterpret_cast<void *>(&_mlir_memref_to_llvm_free));
  add("kiln_parallel_threads",
      reinterpret_cast<void *>(&kiln_parallel_threads));
  add("kiln_all_reduce_f32", reinterpret_cast<void *>(&kiln_all_reduce_f32));
  // A GPU step's host code (kiln-to-nvvm).
  for (const auto &[name, address] : gpu::mgpuSymbols())
    add(name, address);
  return symbols;
}

/// KILN_OBJDUMP=prefix: each linked object, for profiling and reading.
static void dumpObject(const llvm::MemoryBuffer &object) {
  const char *prefix = std::getenv("KILN_OBJDUMP");
  if (!prefix)
    return;
  static std::atomic<int> count{0};
  std::string path = std::string(prefix) + std::to_string(count++) + ".o";
  std::error_code error;
  llvm::raw_fd_ostream os(path, error);
  if (error) {
    llvm::errs() << "kiln: cannot write " << path << ": " << error.message()
                 << "\n";
    return;
  }
  os << object.getBuffer();
  llvm::errs() << "kiln: wrote " << path << "\n";
}

llvm::Expected<std::unique_ptr<JitModule>>
JitModule::load(std::vector<std::unique_ptr<llvm::MemoryBuffer>> objects,
                const JitOptions &options) {
  auto builder = targetMachineBuilder(options);
  if (!builder)
    return builder.takeError();
  // RuntimeDyld, as mlir::ExecutionEngine links: gdb sees the code, and
  // KILN_PERF=1 writes jitdump files for `perf record -k 1` + `perf inject
  // --jit`.
  bool perf = std::getenv("KILN_PERF") != nullptr;
  auto jit =
      llvm::orc::LLJITBuilder()
          .setJITTargetMachineBuilder(std::move(*builder))
          .setPlatformSetUp(llvm::orc::setUpInactivePlatform)
          .setObjectLinkingLayerCreator([perf](llvm::orc::ExecutionSession
                                                   &session) {
            auto layer = std::make_unique<llvm::orc::RTDyldObjectLinkingLayer>(
                session, [](const llvm::MemoryBuffer &) {
                  return std::make_unique<llvm::SectionMemoryManager>();
                });
            layer->registerJITEventListener(
                *llvm::JITEventListener::createGDBRegistrationListener());
            if (auto *listener =
                    perf ? llvm::JITEventListener::createPerfJITEventListener()
                         : nullptr)
              layer->registerJITEventListener(*listener);
            return layer;
          })
          .create();
  if (!jit)
    return jit.takeError();
  std::unique_ptr<JitModule> result(new JitModule());
  result->jit = std::move(*jit);
  llvm::orc::LLJIT &lljit = *result->jit;
  if (llvm::Error error = lljit.getProcessSymbolsJITDylib()->define(
          llvm::orc::absoluteSymbols(runtimeSymbols(lljit))))
    return std::move(error);
  // One JITDylib per object: objects of separately compiled steps may define
  // the same external names.
  for (auto &object : objects) {
    dumpObject(*object);
    auto dylib = lljit.createJITDylib(
        "object" + std::to_string(result->objects.size()));
    if (!dylib)
      return dylib.takeError();
    if (llvm::Error error = lljit.addObjectFile(*dylib, std::move(object)))
      return std::move(error);
    result->objects.push_back(&*dylib);
  }
  // What the objects' constructors did (EmitObject.h), now that they are
  // linked: a GPU step's modules load here, once.
  for (llvm::orc::JITDylib *dylib : result->objects) {
    auto init = lljit.lookup(*dylib, "kiln_module_init");
    if (!init) {
      llvm::consumeError(init.takeError());
      continue;
    }
    init->toPtr<void (*)()>()();
    if (auto fini = lljit.lookup(*dylib, "kiln_module_fini"))
      result->finalizers.push_back(fini->toPtr<void (*)()>());
    else
      llvm::consumeError(fini.takeError());
  }
  return result;
}

llvm::Expected<JitModule::PackedFn>
JitModule::lookup(const std::string &name) const {
  std::string packed = "_mlir__mlir_ciface_" + name;
  for (llvm::orc::JITDylib *dylib : objects) {
    auto address = jit->lookup(*dylib, packed);
    if (address)
      return address->toPtr<PackedFn>();
    llvm::Error error = address.takeError();
    if (!error.isA<llvm::orc::SymbolsNotFound>())
      return std::move(error);
    llvm::consumeError(std::move(error));
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "no compiled function '" + name + "'");
}

std::optional<abi::StepLayout>
JitModule::layout(const std::string &name) const {
  auto it = layouts.find(name);
  if (it == layouts.end())
    return std::nullopt;
  return it->second;
}

} // namespace kiln
