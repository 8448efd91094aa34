//===- Gradients.h - Shared pieces of the kiln op gradients -----*- C++ -*-===//
//
// Internal to compiler/Autodiff/Gradients: the per-group registration entry
// points that kiln::registerGradientInterfaces calls, and the small builders
// that several vector-Jacobian products share (reducing a broadcast adjoint,
// flattening for a matmul, the element count of a reduction).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_AUTODIFF_GRADIENTS_GRADIENTS_H
#define KILN_COMPILER_AUTODIFF_GRADIENTS_GRADIENTS_H

#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectRegistry.h"

namespace kiln::grad {

//===----------------------------------------------------------------------===//
// Registration, one function per file
//===----------------------------------------------------------------------===//

void registerElementwiseGradients(mlir::DialectRegistry &registry);
void registerLayerGradients(mlir::DialectRegistry &registry);
void registerShapeGradients(mlir::DialectRegistry &registry);
void registerReductionGradients(mlir::DialectRegistry &registry);
void registerActivationGradients(mlir::DialectRegistry &registry);
void registerLossGradients(mlir::DialectRegistry &registry);
void registerLoopGradients(mlir::DialectRegistry &registry);

//===----------------------------------------------------------------------===//
// Builders shared by the VJPs
//===----------------------------------------------------------------------===//

/// `value` as `type`: itself when the types are equal, else a tensor.cast
/// between the two compatible shapes (static versus dynamic sizes).
mlir::Value castTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                   mlir::Type type);

/// The adjoint of a broadcasting op's `operand` from the adjoint `adjoint` of
/// its (broadcast) result: `kiln.reduce_like` unless the types already match.
mlir::Value reduceToOperand(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value adjoint, mlir::Value operand);

/// A 0-d tensor constant of `elementType` holding `value`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type elementType, double value);

/// `-value`, as `kiln.sub` of a 0-d zero.
mlir::Value negate(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);

/// Whether `kiln.reshape` accepts `from -> to` (its verifier's rule).
bool isValidKilnReshape(mlir::RankedTensorType from, mlir::RankedTensorType to);

/// `value` (rank >= 2) with all but its last dimension collapsed into one:
/// `kiln.reshape` when it can express it, else `tensor.collapse_shape`.
mlir::Value flattenLeading(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value value);

/// The inverse of flattenLeading: the rank-2 `value` reshaped to `like`'s
/// type, whose run-time sizes come from `like` when they are dynamic.
mlir::Value unflattenLike(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value value, mlir::Value like);

/// The adjoint `dy` of a reduction of `input` over `axes` spread back to
/// `input`'s shape: reshaped to the keepdims form when the reduced axes are
/// not leading and `keepdims` is absent, then `kiln.broadcast_like`.
mlir::Value broadcastReduced(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value dy, mlir::Value input,
                             llvm::ArrayRef<int64_t> axes, bool keepdims);

/// The number of elements a reduction of `input` over `axes` averages, as a
/// 0-d tensor of the input's element type (a constant when the reduced sizes
/// are static, else computed from tensor.dim).
mlir::Value reducedCount(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value input, llvm::ArrayRef<int64_t> axes);

} // namespace kiln::grad

#endif // KILN_COMPILER_AUTODIFF_GRADIENTS_GRADIENTS_H
