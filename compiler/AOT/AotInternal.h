// The pieces of an ahead-of-time artifact (compiler/AOT internal).
#ifndef KILN_COMPILER_AOT_AOTINTERNAL_H
#define KILN_COMPILER_AOT_AOTINTERNAL_H

#include "compiler/AOT/Aot.h"

#include "llvm/Support/Error.h"

namespace llvm {
class Module;
} // namespace llvm

namespace kiln::aot {

/// The shapes an executable's main program reads (AotOptions::exeShapes).
constexpr const char *kExeInputDims = "kiln_exe_input_dims";
constexpr const char *kExeOutputDims = "kiln_exe_output_dims";

/// Defines the allocation functions compiled code calls, the failure flag
/// and kiln_parallel_threads, where `module` uses them (AotRuntime.cpp).
llvm::Error linkRuntime(llvm::Module &module);

/// Adds the weights blob and the C entry points `<name>_predict` and
/// `<name>_version` around `_mlir_ciface_predict_step` (CEntryPoints.cpp).
llvm::Error addEntryPoints(llvm::Module &module, const AotSignature &signature,
                           const std::vector<AotTensor> &weights,
                           const AotOptions &options);

} // namespace kiln::aot

#endif // KILN_COMPILER_AOT_AOTINTERNAL_H
