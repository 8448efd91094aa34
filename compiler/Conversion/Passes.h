//===- Passes.h - Kiln dialect conversions ----------------------*- C++ -*-===//
#ifndef KILN_COMPILER_CONVERSION_PASSES_H
#define KILN_COMPILER_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace kiln {

#define GEN_PASS_DECL
#include "compiler/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Conversion/Passes.h.inc"

/// kiln.all_reduce's bufferization: in place, as a call of the runtime's
/// kiln_all_reduce_f32 on its buffer.
void registerAllReduceBufferization(mlir::DialectRegistry &registry);

} // namespace kiln

#endif // KILN_COMPILER_CONVERSION_PASSES_H
