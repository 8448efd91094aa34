//===- Indexing.h - Loop indices for generated code -------------*- C++ -*-===//
//
// What passes that emit their own loops over a linalg op's iteration space
// share: splitting a linear position into loop indices, and an operand's
// indices from its indexing map.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_CODEGEN_INDEXING_H
#define KILN_COMPILER_CODEGEN_INDEXING_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

namespace kiln {

/// The indices of `linear` in a row-major space of `sizes` (the last index
/// fastest), with unsigned division. The first size is not needed: a
/// position past the space gives a first index past its size.
llvm::SmallVector<mlir::Value> delinearize(mlir::OpBuilder &b,
                                           mlir::Location loc,
                                           mlir::Value linear,
                                           mlir::ArrayRef<mlir::Value> sizes);

/// The results of `map` applied to the loop indices `at`, as arith ops.
llvm::SmallVector<mlir::Value> applyMap(mlir::OpBuilder &b, mlir::Location loc,
                                        mlir::AffineMap map,
                                        mlir::ArrayRef<mlir::Value> at);

} // namespace kiln

#endif // KILN_COMPILER_CODEGEN_INDEXING_H
