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
  /// Threads of the parallel loops; 1 needs no OpenMP runtime.
  int64_t threads = 1;
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
};

/// A parameter's value, in the order of @forward's kiln.param arguments.
struct AotTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// The shapes of one sample's input and output (no batch dimension).
struct AotSignature {
  std::vector<int64_t> input, output;
};

struct AotArtifact {
  std::string object;       ///< an ELF relocatable object (PIC)
  std::string llvmIR;       ///< the object's LLVM IR (keepLLVMIR)
  AotSignature signature;
  std::string cpu, features; ///< what the code was generated for
  /// Seconds of the LLVM stages: translation, optimization, code generation.
  double translateSeconds = 0, optimizeSeconds = 0, codegenSeconds = 0;
};


/// Whether `name` can prefix the artifact's C symbols.
bool isCIdentifier(const std::string &name);

/// The model's kiln IR (@forward with leading kiln.param arguments and one
/// input and one output of a dynamic batch; a @loss is dropped) compiled
/// ahead of time. `module` is rewritten down to the LLVM dialect.
llvm::Expected<AotArtifact> compileAhead(mlir::ModuleOp module,
                                         const std::vector<AotTensor> &weights,
                                         const AotOptions &options);

/// The C header that declares the artifact's entry points.
std::string aotHeader(const AotArtifact &artifact, const AotOptions &options);

/// A static library (ar archive) holding `object` as `member`.
llvm::Expected<std::string> aotStaticLibrary(const std::string &object,
                                             const std::string &member);

} // namespace kiln

#endif // KILN_COMPILER_AOT_AOT_H
