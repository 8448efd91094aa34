//===- Pipelines.h - Kiln's named pass pipelines ----------------*- C++ -*-===//
//
// The lowering is split in named stages so that kiln-opt can stop after any
// of them: kiln-lower-to-linalg, kiln-bufferize, kiln-lower-to-llvm, and
// kiln-to-llvm running all three.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_PIPELINES_PIPELINES_H
#define KILN_COMPILER_PIPELINES_PIPELINES_H

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace kiln {

/// Inlining (@forward into @loss), canonicalize (softmax + cross-entropy
/// fusion), kiln-autodiff, inlining of the gradient into the step functions,
/// cleanup, kiln-to-linalg, elementwise fusion. Output: linalg, tensor,
/// arith and math on tensors.
void buildLowerToLinalgPipeline(mlir::OpPassManager &pm);

/// One-shot bufferization (parameter updates in place), then ownership-based
/// buffer deallocation so that temporaries of a step are freed in the step.
void buildBufferizePipeline(mlir::OpPassManager &pm);

/// linalg on buffers to loops and then to the LLVM dialect.
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm);

/// All stages, kiln dialect to LLVM dialect.
void buildKilnToLLVMPipeline(mlir::OpPassManager &pm);

/// Registers the pipelines above under their kiln-opt names.
void registerPipelines();

} // namespace kiln

#endif // KILN_COMPILER_PIPELINES_PIPELINES_H
