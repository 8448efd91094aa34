// The pieces of an ahead-of-time artifact (compiler/AOT internal).
#ifndef KILN_COMPILER_AOT_AOTINTERNAL_H
#define KILN_COMPILER_AOT_AOTINTERNAL_H

#include "compiler/AOT/Aot.h"

#include "llvm/Support/Error.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/IR/IRBuilder.h"

#include <string>
#include <vector>

namespace llvm {
class GlobalVariable;
class Module;
} // namespace llvm

namespace kiln::aot {

/// What the C entry points return.
constexpr int kOk = 0, kBadArgument = 1, kOutOfMemory = 2, kNoWeights = 3,
              kGpuFailed = 4; // also runtime/gpu/AotGpu.h's

/// The C symbols the artifact exports: everything else is internal.
std::vector<std::string> apiSymbols(const AotOptions &options);

/// Tensors in one blob, each at a 64-byte boundary: the weights, and the
/// optimizer slots of an artifact that trains.
struct Blob {
  /// The data, or for external weights a pointer to the mapped file's.
  llvm::GlobalVariable *global = nullptr;
  bool indirect = false;
  std::vector<uint64_t> offsets;
  uint64_t bytes = 0;
  /// The address of the first tensor (null while external weights are not
  /// loaded).
  llvm::Value *start(llvm::IRBuilder<> &b) const;
};
/// Where the tensors of `shapes` lie in a blob (`offsets`), and its size.
uint64_t blobLayout(const std::vector<std::vector<int64_t>> &shapes,
                    std::vector<uint64_t> &offsets);
/// The tensors laid out as in a blob; their offsets in `offsets`.
std::string blobBytes(const std::vector<AotTensor> &tensors,
                      std::vector<uint64_t> &offsets);
Blob makeBlob(llvm::Module &module, const std::string &symbol,
              const std::vector<AotTensor> &tensors, bool constant);
/// A blob in a weights file (AotOptions::externalWeights): a null pointer
/// until `<name>_load_weights` or the artifact's constructor maps the file.
Blob makeExternalBlob(llvm::Module &module, const std::string &symbol,
                      const std::vector<AotTensor> &tensors);

/// `<name>_load_weights(path)` and a constructor that maps the weights file
/// named by $<NAME>_WEIGHTS, else the file beside the binary that holds the
/// model with ".weights" added (ExternalWeights.cpp).
llvm::Error addWeightsLoader(llvm::Module &module, const Blob &params,
                             const std::vector<AotTensor> &weights,
                             const AotOptions &options);

/// The fingerprint of the weight shapes a weights file must carry.
uint64_t weightsFingerprint(const std::vector<AotTensor> &weights);

/// A memref descriptor {allocated, aligned, offset, sizes[rank],
/// strides[rank]} on the stack for a row-major buffer of `sizes` at `data`.
llvm::Value *descriptor(llvm::IRBuilder<> &b, llvm::Value *data,
                        llvm::ArrayRef<llvm::Value *> sizes);

/// Descriptors of the tensors of `blob` (their shapes from `tensors`), at
/// `start` when given (a copy of the blob) instead of the blob's own.
void blobDescriptors(llvm::IRBuilder<> &b, const Blob &blob,
                     const std::vector<AotTensor> &tensors,
                     llvm::SmallVectorImpl<llvm::Value *> &args,
                     llvm::Value *start = nullptr);

/// The thread-local flag compiled code sets when a temporary cannot be
/// allocated (defined by linkRuntime).
llvm::GlobalVariable *failedFlag(llvm::Module &module);

/// Calls a compiled step with the flag cleared; its value is kOk or
/// kOutOfMemory from the flag afterwards.
llvm::Value *callStep(llvm::IRBuilder<> &b, llvm::Module &module,
                      llvm::Function *step, llvm::ArrayRef<llvm::Value *> args);

/// The sizes of a batch of `rows` samples of `sample`'s shape.
llvm::SmallVector<llvm::Value *> batchSizes(llvm::IRBuilder<> &b,
                                            llvm::Value *rows,
                                            const std::vector<int64_t> &sample);

/// Elements of a shape; the largest batch of samples of `perSample`
/// elements whose floats are addressable.
int64_t elements(const std::vector<int64_t> &shape);
int64_t maxRows(int64_t perSample);

/// The shapes an executable's main program reads (AotOptions::exeShapes).
constexpr const char *kExeInputDims = "kiln_exe_input_dims";
constexpr const char *kExeOutputDims = "kiln_exe_output_dims";

/// Defines the allocation functions compiled code calls, the failure flag
/// and kiln_parallel_threads, where `module` uses them (AotRuntime.cpp).
llvm::Error linkRuntime(llvm::Module &module);

/// Adds the weights blob and the C entry points `<name>_predict` and
/// `<name>_version` around `_mlir_ciface_predict_step`, and with
/// `training` those of addTrainingEntryPoints (CEntryPoints.cpp).
llvm::Error addEntryPoints(llvm::Module &module, const AotSignature &signature,
                           const std::vector<AotTensor> &weights,
                           const AotOptions &options,
                           const AotOptimizerState *training);

/// Adds `<name>_train_step`, `_evaluate`, `_get_weights`, `_set_weights`,
/// `_get_learning_rate`, `_set_learning_rate` and `_iterations` around
/// train_step and eval_step, the optimizer state as writable globals
/// (TrainEntryPoints.cpp).
llvm::Error addTrainingEntryPoints(llvm::Module &module,
                                   const AotSignature &signature,
                                   const std::vector<AotTensor> &weights,
                                   const Blob &params,
                                   const AotOptimizerState &state,
                                   const AotOptions &options);

} // namespace kiln::aot

#endif // KILN_COMPILER_AOT_AOTINTERNAL_H
