//===- Split.cpp - One module per public function -------------------------===//
#include "compiler/JIT/Split.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

#include <algorithm>

namespace kiln {

std::vector<FunctionModule> splitByPublicFunction(mlir::ModuleOp module) {
  std::vector<FunctionModule> parts;
  for (auto fn : module.getOps<mlir::func::FuncOp>())
    if (fn.isPublic() && !fn.isExternal()) {
      FunctionModule part;
      part.name = fn.getSymName().str();
      fn->walk([&](mlir::Operation *) { ++part.size; });
      parts.push_back(std::move(part));
    }
  if (parts.size() < 2)
    return {};
  for (FunctionModule &part : parts) {
    part.module = module.clone();
    for (auto fn : part.module->getOps<mlir::func::FuncOp>())
      if (fn.isPublic() && !fn.isExternal() && fn.getSymName() != part.name)
        fn.setPrivate();
    // Then private functions nothing calls, until none is left.
    for (bool erased = true; erased;) {
      erased = false;
      for (auto fn : llvm::make_early_inc_range(
               part.module->getOps<mlir::func::FuncOp>()))
        if (fn.isPrivate() &&
            mlir::SymbolTable::symbolKnownUseEmpty(fn, *part.module)) {
          fn.erase();
          erased = true;
        }
    }
  }
  std::stable_sort(parts.begin(), parts.end(),
                   [](const FunctionModule &a, const FunctionModule &b) {
                     return a.size > b.size;
                   });
  return parts;
}

} // namespace kiln
