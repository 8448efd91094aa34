//===- Patterns.h - kiln-to-linalg pattern groups --------------*- C++ -*-===//
//
// Internal to compiler/Conversion/KilnToLinalg: each op group lives in its
// own file and contributes its patterns through one of these functions.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_CONVERSION_KILNTOLINALG_PATTERNS_H
#define KILN_COMPILER_CONVERSION_KILNTOLINALG_PATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace kiln::lowering {

/// add/sub/mul/div, activations, activation gradients, broadcast_like.
void populateElementwisePatterns(mlir::RewritePatternSet &patterns);
/// reshape, transpose.
void populateShapePatterns(mlir::RewritePatternSet &patterns);
/// dense, matmul, conv2d, max_pool2d.
void populateLayerPatterns(mlir::RewritePatternSet &patterns);
/// reduce_sum/mean/max, reduce_like, reduce_max_grad, softmax, softmax_grad.
void populateReductionPatterns(mlir::RewritePatternSet &patterns);
/// The five losses and loss_grad.
void populateLossPatterns(mlir::RewritePatternSet &patterns);
/// conv2d_input_grad, conv2d_kernel_grad, max_pool2d_grad.
void populateWindowGradientPatterns(mlir::RewritePatternSet &patterns);
/// sgd, sgd_momentum, rmsprop, adam, adagrad updates.
void populateOptimizerPatterns(mlir::RewritePatternSet &patterns);
/// embedding and embedding_grad.
void populateEmbeddingPatterns(mlir::RewritePatternSet &patterns);
/// scan (to scf.for), split and zeros.
void populateLoopPatterns(mlir::RewritePatternSet &patterns);
/// binary, categorical and sparse categorical accuracy.
void populateMetricPatterns(mlir::RewritePatternSet &patterns);
/// kiln.dropout.
void populateRegularizationPatterns(mlir::RewritePatternSet &patterns);

} // namespace kiln::lowering

#endif // KILN_COMPILER_CONVERSION_KILNTOLINALG_PATTERNS_H
