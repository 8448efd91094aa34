//===- Registration.cpp - Everything kiln-opt and the JIT register --------===//
#include "compiler/Registration.h"
#include "compiler/Autodiff/Passes.h"
#include "compiler/Codegen/Passes.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/Kiln/IR/KilnDialect.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"

#include <mutex>

namespace kiln {

void registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<KilnDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registerGradientInterfaces(registry);
  registerAllReduceBufferization(registry);
  // kiln-to-nvvm serializes gpu.modules to PTX through LLVM IR.
  mlir::NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  mlir::registerNVVMDialectTranslation(registry);
  mlir::registerGPUDialectTranslation(registry);
}

void registerKilnPasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerKilnConversionPasses();
    registerKilnAutodiffPasses();
    registerKilnTransformsPasses();
    registerKilnCodegenPasses();
    registerPipelines();
  });
}

void registerAllPasses() {
  static std::once_flag once;
  std::call_once(once, [] { mlir::registerAllPasses(); });
  registerKilnPasses();
}

} // namespace kiln
