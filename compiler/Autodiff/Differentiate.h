//===- Differentiate.h - Differentiating one function -----------*- C++ -*-===//
//
// Internal to compiler/Autodiff: what the kiln-autodiff pass does to one
// func.func, separated from the module-level driver.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_AUTODIFF_DIFFERENTIATE_H
#define KILN_COMPILER_AUTODIFF_DIFFERENTIATE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"

namespace kiln::autodiff {

/// Argument attribute marking what to differentiate with respect to.
inline constexpr llvm::StringLiteral kTrainableAttr = "kiln.trainable";
/// Function attribute naming the function a generated gradient belongs to.
inline constexpr llvm::StringLiteral kGradientOfAttr = "kiln.gradient_of";

/// The kiln canonicalization patterns run on a function before it is
/// differentiated (they fold cross-entropy of softmax/sigmoid into the
/// from_logits form whose gradient is stable).
mlir::FrozenRewritePatternSet
buildPreDifferentiationPatterns(mlir::MLIRContext *ctx);

/// Turns `fn`, a clone of the function `originalName` to differentiate
/// (diagnostics name the original), into its gradient:
/// it keeps its arguments and returns its original results followed by
/// d result#0 / d arg for every `kiln.trainable` argument, in order. Emits a
/// diagnostic and fails when some op on the path from a trainable argument
/// to the loss cannot be differentiated.
llvm::LogicalResult
differentiateInPlace(mlir::func::FuncOp fn, llvm::StringRef originalName,
                     const mlir::FrozenRewritePatternSet &prePatterns);

/// The reverse sweep over the ops of `block` (all but its terminator, in
/// program order; ops the builder adds are not visited): given the adjoints
/// of `seeds` (one per seed, null for none; a value seeded twice receives
/// the sum), builds at `b`'s insertion point the adjoint of every value in
/// `wrt` and appends it to `adjoints`, null where no seed depends on it.
/// Diagnostics name `fnName`. Region ops on the path differentiate
/// themselves through their GradientOpInterface (kiln.scan builds its
/// reverse loop with this function).
llvm::LogicalResult differentiateBlock(mlir::OpBuilder &b, mlir::Block &block,
                                       llvm::ArrayRef<mlir::Value> wrt,
                                       llvm::ArrayRef<mlir::Value> seeds,
                                       llvm::ArrayRef<mlir::Value> seedAdjoints,
                                       llvm::StringRef fnName,
                                       llvm::SmallVectorImpl<mlir::Value> &adjoints);

/// Erases the ops of `block` that are trivially dead, last to first, so an
/// op whose only reader was dead goes too (the terminator stays).
void eraseDeadOps(mlir::Block &block);

/// A tensor of zeros of `value`'s type, static or dynamic.
mlir::Value zerosLike(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);

} // namespace kiln::autodiff

#endif // KILN_COMPILER_AUTODIFF_DIFFERENTIATE_H
