//===- Pipelines.h - Kiln's named pass pipelines ----------------*- C++ -*-===//
//
// The lowering is split in named stages so that kiln-opt can stop after any
// of them: kiln-lower-to-linalg, kiln-optimize, kiln-bufferize,
// kiln-lower-to-llvm, and kiln-to-llvm running all four. The code generation
// stages take the target options below, e.g.
//   kiln-opt --kiln-to-llvm="cpu=znver3 threads=2" model.mlir
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_PIPELINES_PIPELINES_H
#define KILN_COMPILER_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

#include <functional>
#include <string>
#include <vector>

namespace mlir {
class MLIRContext;
class OpPassManager;
} // namespace mlir

namespace kiln {

/// What code generation targets: the CPU (its vector width, registers and
/// caches drive kiln-tile's cost model) and the threads of parallel loops.
/// The code generation stages write them on the module as its
/// #kiln.target (kiln-set-target); a module that has one keeps it when no
/// option is given.
struct CodegenOptions : public mlir::PassPipelineOptions<CodegenOptions> {
  Option<std::string> cpu{*this, "cpu",
                          llvm::cl::desc("target CPU: host (detected), "
                                         "x86-64, haswell, znver3, "
                                         "skylake-avx512, sapphirerapids..."),
                          llvm::cl::init("host")};
  Option<int64_t> threads{
      *this, "threads",
      llvm::cl::desc("threads of parallel loops: 0 = all cores, 1 = none"),
      llvm::cl::init(0)};
  Option<int64_t> vectorBits{
      *this, "vector-bits",
      llvm::cl::desc("vector width in bits; 0 takes the CPU's widest"),
      llvm::cl::init(0)};
  Option<int64_t> l1Kib{*this, "l1-kib",
                        llvm::cl::desc("per-core L1 data cache in KiB; 0 "
                                       "takes the host's"),
                        llvm::cl::init(0)};
  Option<int64_t> l2Kib{*this, "l2-kib",
                        llvm::cl::desc("per-core L2 cache in KiB; 0 takes "
                                       "the host's"),
                        llvm::cl::init(0)};
  Option<int64_t> l1Ways{*this, "l1-ways",
                         llvm::cl::desc("ways of the L1 data cache; 0 takes "
                                        "the host's"),
                         llvm::cl::init(0)};
  Option<bool> optimize{
      *this, "optimize",
      llvm::cl::desc("fuse, tile and vectorize (false: naive scalar loops)"),
      llvm::cl::init(true)};
};

/// Inlining (@forward into @loss), canonicalize (softmax + cross-entropy
/// fusion), kiln-autodiff, inlining of the gradient into the step functions,
/// cleanup, kiln-to-linalg, elementwise fusion. Output: linalg, tensor,
/// arith and math on tensors.
void buildLowerToLinalgPipeline(mlir::OpPassManager &pm);

/// Fusion, tiling and vectorization on tensors for the target (kiln-fuse,
/// kiln-tile): linalg becomes scf loops (scf.forall across threads) over
/// vector code.
void buildOptimizePipeline(mlir::OpPassManager &pm,
                           const CodegenOptions &options);

/// One-shot bufferization (parameter updates in place), then ownership-based
/// buffer deallocation so that temporaries of a step are freed in the step.
void buildBufferizePipeline(mlir::OpPassManager &pm);

/// Vector code (and any linalg left, as loops) on buffers to the LLVM
/// dialect; scf.forall becomes OpenMP when threads != 1.
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm,
                              const CodegenOptions &options);

/// One stage of kiln-to-llvm under its kiln-opt name, so that a driver can
/// run and time the stages apart.
struct PipelineStage {
  const char *name;
  std::function<void(mlir::OpPassManager &)> build;
};

/// The stages of kiln-to-llvm in order; `options` must outlive them.
std::vector<PipelineStage> kilnToLLVMStages(const CodegenOptions &options);

/// The stages a driver (kilnc --stage, kiln ir --stage) can stop after, in
/// order: "steps" (kiln-make-steps), then "linalg", "optimized",
/// "bufferized" and "llvm" (kiln-to-llvm's four stages).
const std::vector<std::string> &stepStageNames();

/// kiln-make-steps, then kiln-to-llvm's stages up to and including
/// `stopAfter` (empty: all of them). False for a name stepStageNames() does
/// not have. The stages are built now: `options` need not outlive `pm`.
bool buildStepsPipeline(mlir::OpPassManager &pm, const CodegenOptions &options,
                        const std::string &stopAfter);

/// All stages, kiln dialect to LLVM dialect.
void buildKilnToLLVMPipeline(mlir::OpPassManager &pm,
                             const CodegenOptions &options);
void buildKilnToLLVMPipeline(mlir::OpPassManager &pm);

/// What kiln-to-nvvm compiles for: the NVIDIA chip and the PTX version,
/// and the threads of a block along the first two parallel dimensions.
struct NvvmOptions : public mlir::PassPipelineOptions<NvvmOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("target GPU: sm_80 (A100), sm_90 "
                                          "(H100, H200), ..."),
                           llvm::cl::init("sm_80")};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX ISA version, e.g. +ptx80 (sm_90 needs 7.8 or more)"),
      llvm::cl::init("+ptx80")};
  Option<int64_t> blockX{*this, "block-x",
                         llvm::cl::desc("threads of a block along the first "
                                        "parallel dimension"),
                         llvm::cl::init(32)};
  Option<int64_t> blockY{*this, "block-y",
                         llvm::cl::desc("threads of a block along the second "
                                        "parallel dimension"),
                         llvm::cl::init(8)};
  Option<int64_t> multiprocessors{
      *this, "multiprocessors",
      llvm::cl::desc("the chip's multiprocessors, for the contractions' "
                     "tile sizes (H100/H200: 132, A100: 108)"),
      llvm::cl::init(132)};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("f32 contractions: fp32 on CUDA cores (the CPU's "
                     "results), or tf32 on tensor cores (sm_80 and later)"),
      llvm::cl::init("fp32")};
};

/// kiln-gpu-map, on bufferized steps: the temporaries in managed memory
/// (kiln-gpu-shared-allocs), contractions as shared-memory tiled GEMM
/// kernels (kiln-gpu-tile-contractions), full reductions as block
/// reductions (kiln-gpu-block-reductions), every other linalg op as parallel
/// loops tiled by the block size, mapped to blocks and threads and outlined
/// into kernels launched from the step's host code, one gpu.module a step
/// (kiln-gpu-merge-modules).
void buildGpuMapPipeline(mlir::OpPassManager &pm, const NvvmOptions &options);

/// kiln-gpu-lower: the kernels to NVVM and serialized as PTX for the chip
/// (gpu-module-to-binary, format isa: no ptxas; the driver compiles the
/// PTX when the module loads), the host code to the LLVM dialect calling
/// the mgpu* entry points (runtime/gpu/Mgpu.h).
void buildGpuLowerPipeline(mlir::OpPassManager &pm, const NvvmOptions &options);

/// kiln-to-nvvm: kiln-lower-to-linalg, kiln-bufferize, kiln-gpu-map,
/// kiln-gpu-lower.
void buildKilnToNvvmPipeline(mlir::OpPassManager &pm, const NvvmOptions &options);

/// Adds to `context` what kiln-to-nvvm's output needs beyond the CPU's:
/// the NVVM target (gpu-module-to-binary) and the translation of
/// gpu.binary (the PTX embedded) and gpu.launch_func to LLVM IR.
void registerNvvmTranslations(mlir::MLIRContext *context);

/// The stages of kiln-to-nvvm in order, as kilnToLLVMStages; `options`
/// must outlive them.
std::vector<PipelineStage> kilnToNvvmStages(const NvvmOptions &options);

/// The stages a driver can stop after on the GPU (kilnc --target=sm_NN
/// --stage): "steps" (kiln-make-steps), then "linalg", "bufferized", "gpu"
/// (kiln-gpu-map: kernels outlined) and "llvm" (kiln-to-nvvm's four
/// stages; the PTX is in the module's gpu.binary ops).
const std::vector<std::string> &gpuStepStageNames();

/// kiln-make-steps, then kiln-to-nvvm's stages up to and including
/// `stopAfter` (empty: all of them), as buildStepsPipeline.
bool buildGpuStepsPipeline(mlir::OpPassManager &pm, const NvvmOptions &options,
                           const std::string &stopAfter);

/// Whether generated code can use threads (Kiln was built with an OpenMP
/// runtime to run them on).
bool threadsAvailable();

/// Registers the pipelines above under their kiln-opt names.
void registerPipelines();

} // namespace kiln

#endif // KILN_COMPILER_PIPELINES_PIPELINES_H
