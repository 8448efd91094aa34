//===- Pipelines.cpp - Kiln's named pass pipelines ------------------------===//
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Autodiff/Passes.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace kiln {

void buildLowerToLinalgPipeline(OpPassManager &pm) {
  // @loss calls @forward: inline it so autodiff sees straight-line code.
  pm.addPass(createInlinerPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createKilnAutodiffPass());
  pm.addPass(createInlinerPass());
  pm.addPass(createSymbolDCEPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createKilnToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCSEPass());
}

void buildBufferizePipeline(OpPassManager &pm) {
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions opts;
  opts.bufferizeFunctionBoundaries = true;
  opts.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(opts));
  // A second canonicalization removes self-copies left by bufferization.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCanonicalizerPass());
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createKilnMemrefCopyToLinalgPass());
}

void buildLowerToLLVMPipeline(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void buildKilnToLLVMPipeline(OpPassManager &pm) {
  buildLowerToLinalgPipeline(pm);
  buildBufferizePipeline(pm);
  buildLowerToLLVMPipeline(pm);
}

void registerPipelines() {
  PassPipelineRegistration<>(
      "kiln-lower-to-linalg",
      "kiln (forward, loss, steps) -> autodiff -> linalg on tensors",
      buildLowerToLinalgPipeline);
  PassPipelineRegistration<>(
      "kiln-bufferize",
      "one-shot bufferization with in-place updates, then deallocation",
      buildBufferizePipeline);
  PassPipelineRegistration<>("kiln-lower-to-llvm",
                             "linalg on buffers -> loops -> LLVM dialect",
                             buildLowerToLLVMPipeline);
  PassPipelineRegistration<>("kiln-to-llvm",
                             "the whole lowering, kiln dialect -> LLVM dialect",
                             buildKilnToLLVMPipeline);
}

} // namespace kiln
