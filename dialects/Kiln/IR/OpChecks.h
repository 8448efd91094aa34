//===- OpChecks.h - Diagnostics shared by the kiln op files -----*- C++ -*-===//
//
// Internal to dialects/Kiln/IR: checks whose messages must read the same for
// every op that makes them.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_KILN_IR_OPCHECKS_H
#define KILN_DIALECT_KILN_IR_OPCHECKS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Value.h"
#include <optional>

namespace kiln::detail {

/// All non-null values are ranked tensors of one element type.
llvm::LogicalResult sameElementType(std::optional<mlir::Location> loc,
                                    llvm::StringRef op,
                                    llvm::ArrayRef<mlir::Value> values);

/// `values` holds exactly two positive integers (window sizes, strides).
llvm::LogicalResult checkPositivePair(std::optional<mlir::Location> loc,
                                      llvm::StringRef op, llvm::StringRef name,
                                      llvm::ArrayRef<int64_t> values);

} // namespace kiln::detail

#endif // KILN_DIALECT_KILN_IR_OPCHECKS_H
