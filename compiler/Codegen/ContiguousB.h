//===- ContiguousB.h - Contractions that read B by rows ---------*- C++ -*-===//
#ifndef KILN_COMPILER_CODEGEN_CONTIGUOUSB_H
#define KILN_COMPILER_CODEGEN_CONTIGUOUSB_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {

/// Rewrites a 2-D contraction that reads B transposed (C += A * B^T, B
/// indexed (n, k)) into C += A * T, with T = linalg.transpose(B) made just
/// before it, so that its register tiles read contiguous rows of B. Returns
/// the transpose; fails, through notifyMatchFailure, for any other op.
mlir::FailureOr<mlir::linalg::TransposeOp>
makeBContiguous(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op);

/// The pattern kiln-contiguous-b applies: makeBContiguous on each kernel
/// that kiln-select-tiling gave a #kiln.tiling.
void populateContiguousBPatterns(mlir::RewritePatternSet &patterns);

} // namespace kiln

#endif // KILN_COMPILER_CODEGEN_CONTIGUOUSB_H
