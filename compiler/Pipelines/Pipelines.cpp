//===- Pipelines.cpp - Kiln's named pass pipelines ------------------------===//
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Autodiff/Passes.h"
#include "compiler/Codegen/Passes.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

#include <algorithm>

using namespace mlir;

namespace kiln {

bool threadsAvailable() {
#ifdef KILN_HAVE_OPENMP
  return true;
#else
  return false;
#endif
}

/// kiln-set-target from the target options. A module that already has a
/// target keeps it unless some option is given; without an OpenMP runtime
/// the generated code runs on one thread.
static void addSetTarget(OpPassManager &pm, const CodegenOptions &options) {
  KilnSetTargetPassOptions set;
  set.cpu = options.cpu;
  set.threads = threadsAvailable() ? int64_t(options.threads) : 1;
  set.vectorBits = options.vectorBits;
  set.l1Kib = options.l1Kib;
  set.l2Kib = options.l2Kib;
  set.l1Ways = options.l1Ways;
  set.ifMissing = !options.cpu.hasValue() && !options.threads.hasValue() &&
                  !options.vectorBits.hasValue() && !options.l1Kib.hasValue() &&
                  !options.l2Kib.hasValue() && !options.l1Ways.hasValue() &&
                  threadsAvailable();
  pm.addPass(createKilnSetTargetPass(set));
}

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
  pm.addNestedPass<func::FuncOp>(createKilnFuseElementwisePass());
  pm.addPass(createCSEPass());
}

void buildOptimizePipeline(OpPassManager &pm, const CodegenOptions &options) {
  if (!options.optimize)
    return;
  addSetTarget(pm, options);
  pm.addNestedPass<func::FuncOp>(createKilnFusePass());
  pm.addNestedPass<func::FuncOp>(createKilnSelectTilingPass());
  pm.addNestedPass<func::FuncOp>(createKilnContiguousBPass());
  pm.addNestedPass<func::FuncOp>(createKilnTilePass());
  pm.addNestedPass<func::FuncOp>(createKilnVectorizeTilesPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildBufferizePipeline(OpPassManager &pm) {
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions opts;
  opts.bufferizeFunctionBoundaries = true;
  opts.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // A recurrent layer's carried state is a new tensor every time step; the
  // deallocation pipeline below frees the step before's.
  opts.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(opts));
  // A second canonicalization removes self-copies left by bufferization.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCanonicalizerPass());
  // Temporaries of static size inside tiled loops (a tile's row statistics)
  // move out of the sequential loops: no malloc in the hot loops.
  pm.addNestedPass<func::FuncOp>(createKilnHoistBuffersPass());
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createKilnMemrefCopyToLinalgPass());
}

void buildLowerToLLVMPipeline(OpPassManager &pm,
                              const CodegenOptions &options) {
  // Copies and fills bufferization made, then whatever kiln-optimize left
  // as linalg (or everything, without it) as loops.
  addSetTarget(pm, options);
  if (options.optimize)
    pm.addNestedPass<func::FuncOp>(createKilnVectorizeCopiesPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addNestedPass<func::FuncOp>(createKilnLowerVectorsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createForallToParallelLoopPass());
  // On one thread scf-to-cf makes the parallel loops sequential.
  pm.addPass(createKilnParallelToOpenMPPass());
  // Inlines the memref.alloca_scope the conversion wraps loop bodies in
  // (they allocate nothing); scf-to-cf would give them several blocks.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // Temporaries come from the runtime's caching allocator
  // (runtime/abi/Workspace.h), not from malloc.
  FinalizeMemRefToLLVMConversionPassOptions memrefs;
  memrefs.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefs));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void buildGpuMapPipeline(OpPassManager &pm, const NvvmOptions &options) {
  pm.addPass(createKilnGpuSharedAllocsPass());
  KilnGpuTileContractionsPassOptions tiles;
  tiles.multiprocessors = options.multiprocessors;
  tiles.precision = options.precision;
  pm.addNestedPass<func::FuncOp>(createKilnGpuTileContractionsPass(tiles));
  pm.addNestedPass<func::FuncOp>(createKilnGpuBlockReductionsPass());
  pm.addNestedPass<func::FuncOp>(createKilnGpuParallelDimsFirstPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createKilnGpuSerialKernelsPass());
  // Each parallel loop becomes a loop over blocks around a loop over the
  // threads of a block (of constant size, with a bounds check inside, so
  // the launch's block size is static); gpu-map-parallel-loops maps them so.
  pm.addNestedPass<func::FuncOp>(createParallelLoopTilingPass(
      {int64_t(options.blockX), int64_t(options.blockY)},
      /*noMinMaxBounds=*/true));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  // The canonicalizer hoists constants out of the launches; sunk back in,
  // they stay constants in the kernels (folded, divisions by powers of two
  // as shifts) instead of becoming kernel parameters.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createCSEPass());
  pm.addPass(createKilnGpuHostSyncsPass());
  pm.addPass(createKilnGpuMergeModulesPass());
}

void buildGpuLowerPipeline(OpPassManager &pm, const NvvmOptions &options) {
  pm.addNestedPass<gpu::GPUModuleOp>(createKilnGpuMathPass());
  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip;
  nvvm.cubinFeatures = options.features;
  nvvm.cubinFormat = "isa";
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
}

void registerNvvmTranslations(mlir::MLIRContext *context) {
  DialectRegistry registry;
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  context->appendDialectRegistry(registry);
}

std::vector<PipelineStage> kilnToNvvmStages(const NvvmOptions &options) {
  return {
      {"kiln-lower-to-linalg", buildLowerToLinalgPipeline},
      {"kiln-bufferize", buildBufferizePipeline},
      {"kiln-gpu-map",
       [&options](OpPassManager &pm) { buildGpuMapPipeline(pm, options); }},
      {"kiln-gpu-lower",
       [&options](OpPassManager &pm) { buildGpuLowerPipeline(pm, options); }},
  };
}

void buildKilnToNvvmPipeline(OpPassManager &pm, const NvvmOptions &options) {
  for (const PipelineStage &stage : kilnToNvvmStages(options))
    stage.build(pm);
}

std::vector<PipelineStage> kilnToLLVMStages(const CodegenOptions &options) {
  return {
      {"kiln-lower-to-linalg", buildLowerToLinalgPipeline},
      {"kiln-optimize",
       [&options](OpPassManager &pm) { buildOptimizePipeline(pm, options); }},
      {"kiln-bufferize", buildBufferizePipeline},
      {"kiln-lower-to-llvm",
       [&options](OpPassManager &pm) {
         buildLowerToLLVMPipeline(pm, options);
       }},
  };
}

void buildKilnToLLVMPipeline(OpPassManager &pm,
                             const CodegenOptions &options) {
  for (const PipelineStage &stage : kilnToLLVMStages(options))
    stage.build(pm);
}

namespace {
/// kiln-make-steps and the stages of `lowering` up to the one `names`
/// (whose first is kiln-make-steps's) calls `stopAfter`.
bool buildStepStages(OpPassManager &pm, const std::vector<std::string> &names,
                     const std::vector<PipelineStage> &lowering,
                     const std::string &stopAfter) {
  auto stop = std::find(names.begin(), names.end(), stopAfter);
  if (!stopAfter.empty() && stop == names.end())
    return false;
  pm.addPass(createKilnMakeStepsPass());
  // names[i] ends with lowering's stage i-1.
  size_t stages = stopAfter.empty() ? names.size() - 1 : stop - names.begin();
  for (size_t i = 0; i < stages; ++i)
    lowering[i].build(pm);
  return true;
}
} // namespace

const std::vector<std::string> &stepStageNames() {
  static const std::vector<std::string> names = {
      "steps", "linalg", "optimized", "bufferized", "llvm"};
  return names;
}

bool buildStepsPipeline(OpPassManager &pm, const CodegenOptions &options,
                        const std::string &stopAfter) {
  return buildStepStages(pm, stepStageNames(), kilnToLLVMStages(options),
                         stopAfter);
}

const std::vector<std::string> &gpuStepStageNames() {
  static const std::vector<std::string> names = {"steps", "linalg",
                                                 "bufferized", "gpu", "llvm"};
  return names;
}

bool buildGpuStepsPipeline(OpPassManager &pm, const NvvmOptions &options,
                           const std::string &stopAfter) {
  return buildStepStages(pm, gpuStepStageNames(), kilnToNvvmStages(options),
                         stopAfter);
}

void buildKilnToLLVMPipeline(OpPassManager &pm) {
  buildKilnToLLVMPipeline(pm, CodegenOptions());
}

void registerPipelines() {
  PassPipelineRegistration<>(
      "kiln-lower-to-linalg",
      "kiln (forward, loss, steps) -> autodiff -> linalg on tensors",
      buildLowerToLinalgPipeline);
  PassPipelineRegistration<CodegenOptions>(
      "kiln-optimize",
      "fusion, tiling and vectorization of linalg on tensors for the target",
      buildOptimizePipeline);
  PassPipelineRegistration<>(
      "kiln-bufferize",
      "one-shot bufferization with in-place updates, then deallocation",
      buildBufferizePipeline);
  PassPipelineRegistration<CodegenOptions>(
      "kiln-lower-to-llvm",
      "vectors (and leftover linalg, as loops) on buffers -> LLVM dialect",
      buildLowerToLLVMPipeline);
  PassPipelineRegistration<CodegenOptions>(
      "kiln-to-llvm", "the whole lowering, kiln dialect -> LLVM dialect",
      [](OpPassManager &pm, const CodegenOptions &options) {
        buildKilnToLLVMPipeline(pm, options);
      });
  PassPipelineRegistration<NvvmOptions>(
      "kiln-gpu-map",
      "bufferized steps -> kernels on blocks and threads in gpu.modules",
      buildGpuMapPipeline);
  PassPipelineRegistration<NvvmOptions>(
      "kiln-gpu-lower",
      "gpu.modules -> NVVM -> PTX; host code -> LLVM dialect with mgpu calls",
      buildGpuLowerPipeline);
  PassPipelineRegistration<NvvmOptions>(
      "kiln-to-nvvm",
      "the whole GPU lowering, kiln dialect -> PTX kernels and LLVM host code",
      buildKilnToNvvmPipeline);
}

} // namespace kiln
