//===- Passes.h - Reverse-mode automatic differentiation --------*- C++ -*-===//
#ifndef KILN_COMPILER_AUTODIFF_PASSES_H
#define KILN_COMPILER_AUTODIFF_PASSES_H

#include "dialects/Kiln/IR/KilnDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace kiln {

#define GEN_PASS_DECL
#include "compiler/Autodiff/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Autodiff/Passes.h.inc"

/// Attaches every kiln op's GradientOpInterface implementation.
void registerGradientInterfaces(mlir::DialectRegistry &registry);

} // namespace kiln

#endif // KILN_COMPILER_AUTODIFF_PASSES_H
