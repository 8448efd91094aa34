//===- GpuMergeModules.cpp - kiln-gpu-merge-modules -----------------------===//
//
// Outlining gives each kernel its own gpu.module; serializing one costs an
// LLVM target machine and a PTX module whatever its size, and loading one a
// driver call. The kernels a host function launches move into one module
// named after it, each renamed after the module it came from (outlined
// modules' names are unique; their kernels' often are not).
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/MapVector.h"

namespace kiln {
#define GEN_PASS_DEF_KILNGPUMERGEMODULESPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

struct KilnGpuMergeModulesPass
    : public impl::KilnGpuMergeModulesPassBase<KilnGpuMergeModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      // The modules func launches, in launch order, with their launches.
      llvm::MapVector<gpu::GPUModuleOp, SmallVector<gpu::LaunchFuncOp>> used;
      func.walk([&](gpu::LaunchFuncOp launch) {
        if (auto kernels =
                symbols.lookup<gpu::GPUModuleOp>(launch.getKernelModuleName()))
          used[kernels].push_back(launch);
      });
      // A module another function launches too, or one with more than one
      // kernel, other ops or attributes (targets), stays where it is.
      used.remove_if([&](const auto &entry) {
        gpu::GPUModuleOp kernels = entry.first;
        const SmallVector<gpu::LaunchFuncOp> &launches = entry.second;
        std::optional<SymbolTable::UseRange> uses =
            SymbolTable::getSymbolUses(kernels, module);
        return !uses ||
               size_t(std::distance(uses->begin(), uses->end())) !=
                   launches.size() ||
               kernels->getAttrs().size() != 1 || // its symbol name alone
               !llvm::hasSingleElement(kernels.getBody()->getOperations()) ||
               !isa<gpu::GPUFuncOp>(kernels.getBody()->front());
      });
      if (used.size() < 2)
        continue;
      OpBuilder b(used.front().first);
      auto merged = gpu::GPUModuleOp::create(
          b, func.getLoc(), (func.getSymName() + "_kernels").str());
      symbols.insert(merged); // renames it if the name is taken
      for (auto &[kernels, launches] : used) {
        // The module's one kernel takes the module's unique name.
        StringAttr name = kernels.getSymNameAttr();
        Operation *kernel = &kernels.getBody()->front();
        kernel->moveBefore(merged.getBody(), merged.getBody()->end());
        SymbolTable::setSymbolName(kernel, name);
        for (gpu::LaunchFuncOp launch : launches)
          launch.setKernelAttr(SymbolRefAttr::get(
              merged.getSymNameAttr(), {FlatSymbolRefAttr::get(name)}));
        symbols.erase(kernels);
      }
    }
  }
};

} // namespace
} // namespace kiln
