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

/// A 0-d result of y_pred's element type, for losses and metrics whose
/// y_true has y_pred's shape.
llvm::LogicalResult
inferDenseLabelScalar(llvm::StringRef op, std::optional<mlir::Location> loc,
                      mlir::Value yTrue, mlir::Value yPred,
                      llvm::SmallVectorImpl<mlir::Type> &results);

/// The same for integer class labels shaped as y_pred without its class axis.
llvm::LogicalResult
inferSparseLabelScalar(llvm::StringRef op, std::optional<mlir::Location> loc,
                       mlir::Value labels, mlir::Value yPred,
                       llvm::SmallVectorImpl<mlir::Type> &results);

} // namespace kiln::detail

#endif // KILN_DIALECT_KILN_IR_OPCHECKS_H
