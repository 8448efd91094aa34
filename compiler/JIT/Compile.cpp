//===- Compile.cpp - kiln module to JIT-compiled steps --------------------===//
#include "compiler/JIT/Compile.h"
#include "compiler/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"
#include <chrono>

namespace kiln {

llvm::Expected<std::unique_ptr<JitModule>>
compileToJit(mlir::ModuleOp module, const std::string &prePipeline,
             const JitOptions &options, CompileTimings *timings) {
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  mlir::ScopedDiagnosticHandler handler(module->getContext(),
                                        [&](mlir::Diagnostic &d) {
                                          os << d.getLocation() << ": " << d
                                             << "\n";
                                          return mlir::success();
                                        });
  auto error = [&](const std::string &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   what + "\n" + diagnostics);
  };
  auto start = std::chrono::steady_clock::now();
  mlir::PassManager pm(module->getContext());
  if (!prePipeline.empty() &&
      mlir::failed(mlir::parsePassPipeline(prePipeline, pm, os)))
    return error("kiln: invalid pipeline '" + prePipeline + "'");
  CodegenOptions codegen;
  codegen.cpu = options.cpu.empty() ? "host" : options.cpu;
  codegen.threads = options.threads;
  buildKilnToLLVMPipeline(pm, codegen);
  if (mlir::failed(pm.run(module)))
    return error("kiln: lowering to LLVM failed");
  auto lowered = std::chrono::steady_clock::now();
  auto jit = JitModule::create(module, options);
  if (!jit)
    return error("kiln: JIT compilation failed: " +
                 llvm::toString(jit.takeError()));
  if (timings) {
    auto done = std::chrono::steady_clock::now();
    timings->pipelineSeconds =
        std::chrono::duration<double>(lowered - start).count();
    timings->jitSeconds = std::chrono::duration<double>(done - lowered).count();
  }
  return jit;
}

} // namespace kiln
