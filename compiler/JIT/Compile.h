//===- Compile.h - kiln module to JIT-compiled steps ------------*- C++ -*-===//
//
// The one path from a kiln-dialect module to native code: an optional
// textual pre-pipeline (e.g. "kiln-make-steps"), the
// kiln-to-llvm pipeline, then the JIT. Used by the frontend and the tests.
// Each public function (a model's train, eval and predict steps) lowers and
// emits on its own, in parallel on the context's threads; with
// JitOptions::cache the objects come from and go to the compile cache.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_JIT_COMPILE_H
#define KILN_COMPILER_JIT_COMPILE_H

#include "compiler/JIT/CompileTimings.h"
#include "compiler/JIT/Jit.h"

#include <string>

namespace mlir {
class ModuleOp;
class TimingScope;
} // namespace mlir

namespace kiln {

/// Compiles `module` (which it may lower in place or leave as it was) and
/// links it into a JIT. On failure the error carries every diagnostic the
/// passes emitted. `timings` receives the stages' wall times; `timing`, when
/// given, MLIR's timing report of the stages and passes.
llvm::Expected<std::unique_ptr<JitModule>>
compileToJit(mlir::ModuleOp module, const std::string &prePipeline = "",
             const JitOptions &options = {}, CompileTimings *timings = nullptr,
             mlir::TimingScope *timing = nullptr);

} // namespace kiln

#endif // KILN_COMPILER_JIT_COMPILE_H
