//===- Jit.h - Compile an LLVM-dialect module to host code ------*- C++ -*-===//
//
// An LLVM-dialect module becomes an object file (EmitObject.h: translated to
// LLVM IR, optimized at -O3 for the detected host CPU and its features, or a
// named CPU to test the generic path, then machine code), and object files
// are linked into an ORC LLJIT. Each `llvm.emit_c_interface` function is
// handed out as a packed entry point `void(void **args)` where args[i]
// points to a pointer to argument i's memref descriptor. That one signature
// serves every model, so the runtime never needs LLVM to call a step.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_JIT_JIT_H
#define KILN_COMPILER_JIT_JIT_H

#include "runtime/abi/StepLayout.h"

#include "llvm/Support/Error.h"
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class MemoryBuffer;
class TargetMachine;
namespace orc {
class JITDylib;
class LLJIT;
} // namespace orc
} // namespace llvm

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace kiln {

struct JitOptions {
  /// LLVM optimization level for IR and code generation (0-3).
  unsigned optLevel = 3;
  /// Target CPU; empty means the host, detected at run time. "x86-64" gives
  /// the generic path (SSE2 only). Code generation (vector width, tile
  /// sizes) targets the same CPU.
  std::string cpu;
  /// Threads of the generated parallel loops: 0 means all cores, 1 none.
  int64_t threads = 0;
  /// Whether compileToJit keeps compiled steps in the persistent cache
  /// (runtime/cache/CacheFile.h: $KILN_CACHE_DIR, default ~/.cache/kiln;
  /// KILN_CACHE=off disables it).
  bool cache = false;
  /// The cache's folder; empty takes the environment's.
  std::string cacheDir;
  /// Where the steps run: "cpu", or "gpu": kiln-to-nvvm's kernels as PTX
  /// for `gpuChip` (PTX ISA `gpuFeatures`), launched by host code that calls
  /// runtime/gpu. Compiling needs no GPU; running does.
  std::string device = "cpu";
  std::string gpuChip = "sm_80";
  std::string gpuFeatures = "+ptx80";
  /// The GPU's multiprocessors, which the contractions' tiles are sized for.
  int gpuMultiprocessors = 132;
  /// The GPU's f32 contractions: "fp32" on CUDA cores, or "tf32" on tensor
  /// cores (kiln-gpu-tile-contractions' precision).
  std::string gpuPrecision = "fp32";
};

/// The host CPU name and the features LLVM detects on it, e.g.
/// "sapphirerapids +avx512f +amx-tile ...". For logs and benchmark tables.
std::string describeHostCpu();

/// The target machine code is generated for: the host CPU with its
/// features, or `options.cpu` with that CPU's own features.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const JitOptions &options);

class JitModule {
public:
  using PackedFn = void (*)(void **);

  /// Compiles `module`, which must already be in the LLVM dialect.
  static llvm::Expected<std::unique_ptr<JitModule>>
  create(mlir::ModuleOp module, const JitOptions &options = {});
  /// Links object files that emitObject (EmitObject.h) made, for the same
  /// target, into one JIT; each object gets its own symbol namespace.
  static llvm::Expected<std::unique_ptr<JitModule>>
  load(std::vector<std::unique_ptr<llvm::MemoryBuffer>> objects,
       const JitOptions &options = {});
  ~JitModule();

  /// The packed C-interface entry point of function `name`, or an error if
  /// no object has such an `llvm.emit_c_interface` function.
  llvm::Expected<PackedFn> lookup(const std::string &name) const;

  /// The argument layout kiln-make-steps recorded on step `name`
  /// (`kiln.step_layout`); nullopt for a function without one.
  std::optional<abi::StepLayout> layout(const std::string &name) const;
  void setLayouts(std::map<std::string, abi::StepLayout> layouts) {
    this->layouts = std::move(layouts);
  }

private:
  std::map<std::string, abi::StepLayout> layouts;
  /// Each object's kiln_module_fini, run before the code goes (the GPU
  /// modules' unloading).
  std::vector<void (*)()> finalizers;
  JitModule();
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::vector<llvm::orc::JITDylib *> objects;
};

} // namespace kiln

#endif // KILN_COMPILER_JIT_JIT_H
