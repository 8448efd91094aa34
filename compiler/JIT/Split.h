//===- Split.h - One module per public function -----------------*- C++ -*-===//
//
// A model's steps (train, eval, predict) share nothing after kiln-make-steps
// but the private functions they call, so each lowers and emits on its own
// thread from a module of its own, into code identical to the whole
// module's (SplitTest).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_JIT_SPLIT_H
#define KILN_COMPILER_JIT_SPLIT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace kiln {

struct FunctionModule {
  /// The public function the module is for.
  std::string name;
  /// Operations in that function: the larger, the longer it compiles.
  size_t size = 0;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

/// One clone of `module` per public function with a body, largest first;
/// each keeps that function public and, as private functions, only what it
/// calls. Empty when there are fewer than two.
std::vector<FunctionModule> splitByPublicFunction(mlir::ModuleOp module);

} // namespace kiln

#endif // KILN_COMPILER_JIT_SPLIT_H
