//===- Jit.h - Compile an LLVM-dialect module to host code ------*- C++ -*-===//
//
// Wraps mlir::ExecutionEngine: the module is translated to LLVM IR, optimized
// at -O3 for the detected host CPU and its features (or a named CPU, to test
// the generic path), and its `llvm.emit_c_interface` functions are handed
// out as packed entry points `void(void **args)` where args[i] points to a
// pointer to argument i's memref descriptor. That one signature serves every
// model, so the runtime never needs LLVM to call a step.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_JIT_JIT_H
#define KILN_COMPILER_JIT_JIT_H

#include "llvm/Support/Error.h"
#include <memory>
#include <string>

namespace mlir {
class ExecutionEngine;
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
};

/// The host CPU name and the features LLVM detects on it, e.g.
/// "sapphirerapids +avx512f +amx-tile ...". For logs and benchmark tables.
std::string describeHostCpu();

class JitModule {
public:
  using PackedFn = void (*)(void **);

  /// Compiles `module`, which must already be in the LLVM dialect.
  static llvm::Expected<std::unique_ptr<JitModule>>
  create(mlir::ModuleOp module, const JitOptions &options = {});
  ~JitModule();

  /// The packed C-interface entry point of function `name`, or an error if
  /// the module has no such `llvm.emit_c_interface` function.
  llvm::Expected<PackedFn> lookup(const std::string &name) const;

private:
  explicit JitModule(std::unique_ptr<mlir::ExecutionEngine> engine);
  std::unique_ptr<mlir::ExecutionEngine> engine;
};

} // namespace kiln

#endif // KILN_COMPILER_JIT_JIT_H
