//===- Aot.h - Models compiled ahead of time --------------------*- C++ -*-===//
//
// A model's prediction step compiled into a native object with no LLVM or
// MLIR inside: the kiln pipeline for a named target (not the build
// machine's), the weights embedded as a read-only blob, the few runtime
// functions compiled code calls (its workspace allocation) defined in the
// object itself, and a C entry point around the step:
//
//   int <name>_predict(const float *in, int64_t n, float *out);
//   const char *<name>_version(void);
//
// The object needs libc and libm only (and, built for several threads, the
// OpenMP runtime). kilnc (tools/kilnc) writes it as an object, a static or
// shared library, with the C header that aotHeader() generates.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_AOT_AOT_H
#define KILN_COMPILER_AOT_AOT_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace mlir {
class ModuleOp;
class PassManager;
} // namespace mlir

namespace kiln {

struct AotOptions {
  /// Prefix of the C symbols and the header's macros: a C identifier.
  std::string name = "model";
  /// Target CPU: "host" (the detected one, with its features), "x86-64",
  /// "x86-64-v2" .. "x86-64-v4", or any LLVM CPU name ("znver3", ...).
  std::string cpu = "host";
  /// An NVIDIA chip ("sm_80", "sm_90", ...): the step runs there as
  /// kernels (kiln-to-nvvm, the PTX embedded), its host code, for `cpu`,
  /// launching them through Kiln's GPU runtime, which the artifact then
  /// needs linked (kilnc does). Empty: the step runs on the CPU.
  std::string gpuChip;
  /// The GPU's f32 contractions: "fp32" (CUDA cores, the CPU's results) or
  /// "tf32" (tensor cores).
  std::string gpuPrecision = "fp32";
  /// Threads of the parallel loops; 1 needs no OpenMP runtime.
  int64_t threads = 1;
  /// 0: the code takes any batch. N: it is compiled for batches of N
  /// samples (static shapes); `<name>_predict` still takes any n, the last
  /// partial batch through zero-padded copies. Prediction only.
  int64_t batch = 0;
  /// LLVM optimization level (0-3).
  unsigned optLevel = 3;
  /// What `<name>_version` returns after "kiln ": the Kiln version, the
  /// model's origin.
  std::string version;
  /// Also export the sample shapes as `kiln_exe_input_dims` and
  /// `kiln_exe_output_dims` ({rank, dims...}), which the main program of an
  /// executable (runtime/aot/ExeMain.c) reads.
  bool exeShapes = false;
  /// For inspection: the stage after which compileAhead stops and leaves
  /// the module as it is then, with no object (stepStageNames() in
  /// compiler/Pipelines/Pipelines.h). Empty: the whole way.
  std::string stopAfter;
  /// Also keep the optimized LLVM IR as text (AotArtifact::llvmIR): the
  /// embedded weights make it megabytes, so only when it is wanted.
  bool keepLLVMIR = false;
  /// Called with the pass manager before it runs (IR printing, timing).
  std::function<void(mlir::PassManager &)> instrument;
  /// Also export training (kilnc --train): `<name>_train_step`,
  /// `_evaluate`, `_get_weights` / `_set_weights` and the learning rate.
  /// The module needs @loss and a #kiln.optimizer; the weights and the
  /// optimizer state become the artifact's writable state.
  bool train = false;
  /// "loss" and the metric names, for the header (train only).
  std::vector<std::string> resultNames;
  /// The weights stay out of the artifact (kilnc --weights=external): it
  /// maps the file aotWeightsFile() writes, and `<name>_load_weights`
  /// swaps it for another of the same shapes.
  bool externalWeights = false;
};


/// A parameter's value, in the order of @forward's kiln.param arguments.
struct AotTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// The optimizer's state an artifact that trains starts from.
struct AotOptimizerState {
  /// In the train step's slot order: slot-major, each slot holding one
  /// buffer per trainable weight (abi::StepLayout::slotIndex).
  std::vector<AotTensor> slots;
  int64_t iterations = 0;
  float learningRate = 0.01f;
};

/// The shapes of one sample's input and output (no batch dimension), and
/// for an artifact that trains, its target's and the step's results.
struct AotSignature {
  std::vector<int64_t> input, output;
  std::vector<int64_t> target;
  bool intTarget = false;  ///< int32 class labels (sparse losses), else f32
  int64_t classes = 0;     ///< labels lie in [0, classes) (intTarget)
  int64_t results = 0;     ///< the loss, then each metric
  size_t slots = 0;        ///< optimizer slot buffers of train_step
};

struct AotArtifact {
  std::string object;       ///< an ELF relocatable object (PIC)
  std::string llvmIR;       ///< the object's LLVM IR (keepLLVMIR)
  AotSignature signature;
  std::vector<std::vector<int64_t>> weightShapes; ///< in get_weights order
  std::string cpu, features; ///< what the code was generated for
  std::string gpuChip;       ///< AotOptions::gpuChip
  /// Seconds of the LLVM stages: translation, optimization, code generation.
  double translateSeconds = 0, optimizeSeconds = 0, codegenSeconds = 0;
};


/// Whether `name` can prefix the artifact's C symbols.
bool isCIdentifier(const std::string &name);

/// The model's kiln IR (@forward with leading kiln.param arguments and one
/// input and one output of a dynamic batch; a @loss is dropped unless the
/// artifact trains) compiled ahead of time. `module` is rewritten down to the LLVM dialect.
/// With AotOptions::train, `optimizer` holds the state training goes on
/// from (null: fresh slots, as the optimizer initializes them).
llvm::Expected<AotArtifact>
compileAhead(mlir::ModuleOp module, const std::vector<AotTensor> &weights,
             const AotOptions &options,
             const AotOptimizerState *optimizer = nullptr);

/// The C header that declares the artifact's entry points.
std::string aotHeader(const AotArtifact &artifact, const AotOptions &options);

/// The weights file of an artifact with external weights: a 64-byte header
/// ("KILNWTS1", the fingerprint of the shapes, the data's size) and the
/// weights, each at a 64-byte boundary.
std::string aotWeightsFile(const std::vector<AotTensor> &weights);
/// The weights of `shapes` from the bytes of such a file; an error says
/// what does not match.
llvm::Expected<std::vector<AotTensor>>
aotReadWeightsFile(llvm::StringRef bytes,
                   const std::vector<std::vector<int64_t>> &shapes);

/// A static library (ar archive) of objects: each member's bytes and name.
llvm::Expected<std::string> aotStaticLibrary(
    const std::vector<std::pair<std::string, std::string>> &members);

} // namespace kiln

#endif // KILN_COMPILER_AOT_AOT_H
