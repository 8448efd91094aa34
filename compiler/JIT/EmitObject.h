//===- EmitObject.h - LLVM-dialect module to an object file ----*- C++ -*-===//
//
// The LLVM side of a compile, in three timed stages: translation to LLVM IR
// (with a packed wrapper `void _mlir_<f>(void **)` for every function), the
// optimization pipeline at the JIT's level, and machine code generation into
// an in-memory ELF object that JitModule::load links and the compile cache
// stores. Each call has its own LLVMContext, so steps emit in parallel.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_JIT_EMITOBJECT_H
#define KILN_COMPILER_JIT_EMITOBJECT_H

#include "llvm/Support/Error.h"
#include <memory>

namespace llvm {
class MemoryBuffer;
class TargetMachine;
} // namespace llvm

namespace mlir {
class ModuleOp;
class TimingScope;
} // namespace mlir

namespace kiln {

class StageTimes;

/// Emits `module` (LLVM dialect, its translation interfaces registered) for
/// `tm`, optimized at `optLevel` (0-3). Stages are timed under `scope`
/// ("llvm-translate", "llvm-optimize", "llvm-codegen") and summed in `times`.
/// The module's constructors and destructors (llvm.global_ctors/dtors: the
/// GPU modules' loading and unloading) become the functions
/// kiln_module_init and kiln_module_fini, which JitModule::load calls: the
/// JIT's linker runs no constructors.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
emitObject(mlir::ModuleOp module, llvm::TargetMachine &tm, unsigned optLevel,
           mlir::TimingScope &scope, StageTimes &times);

} // namespace kiln

#endif // KILN_COMPILER_JIT_EMITOBJECT_H
