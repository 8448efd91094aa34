//===- Compile.h - kiln module to JIT-compiled steps ------------*- C++ -*-===//
//
// The one path from a kiln-dialect module to native code: an optional
// textual pre-pipeline (e.g. "kiln-make-steps{optimizer=adam}"), the
// kiln-to-llvm pipeline, then the JIT. Used by the frontend and the tests.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_JIT_COMPILE_H
#define KILN_COMPILER_JIT_COMPILE_H

#include "compiler/JIT/Jit.h"

#include <string>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace kiln {

struct CompileTimings {
  double pipelineSeconds = 0; // kiln -> LLVM dialect
  double jitSeconds = 0;      // LLVM IR -> machine code
};

/// Lowers `module` in place and JIT-compiles it. On failure the error
/// carries every diagnostic the passes emitted.
llvm::Expected<std::unique_ptr<JitModule>>
compileToJit(mlir::ModuleOp module, const std::string &prePipeline = "",
             const JitOptions &options = {}, CompileTimings *timings = nullptr);

} // namespace kiln

#endif // KILN_COMPILER_JIT_COMPILE_H
