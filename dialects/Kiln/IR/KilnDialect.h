//===- KilnDialect.h - The kiln dialect -------------------------*- C++ -*-===//
#ifndef KILN_DIALECT_KILN_IR_KILNDIALECT_H
#define KILN_DIALECT_KILN_IR_KILNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/Kiln/IR/KilnDialect.h.inc"
#include "dialects/Kiln/IR/KilnEnums.h.inc"

namespace kiln {
/// Marks the scf.for that a kiln.scan lowers to: its body is one time step,
/// whose ops the code generator treats like the function's own kernels.
inline constexpr llvm::StringLiteral kTimeLoopAttrName = "kiln.time_loop";
} // namespace kiln

#endif // KILN_DIALECT_KILN_IR_KILNDIALECT_H
