//===- ShapeInference.h - Shape rules shared by ops and lowering -*- C++ -*-===//
//
// Shape arithmetic of Keras layers in one place: the ops' type inference,
// their lowering to linalg and the frontend all use these, so a padding or
// broadcasting rule cannot drift between them.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_KILN_IR_SHAPEINFERENCE_H
#define KILN_DIALECT_KILN_IR_SHAPEINFERENCE_H

#include "dialects/Kiln/IR/KilnDialect.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include <cstdint>
#include <optional>
#include <string>

namespace kiln {

/// NumPy broadcast of two shapes (dynamic sizes are ShapedType::kDynamic).
/// Returns std::nullopt when two static sizes differ and neither is 1.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// Output size of a window op (conv or pooling) along one spatial dimension.
/// Dynamic input gives a dynamic output.
int64_t windowOutputSize(int64_t input, int64_t window, int64_t stride,
                         Padding padding);

/// Zero/-inf padding (before, after) that `same` needs along one dimension;
/// TensorFlow puts the odd extra cell after. `valid` needs none.
std::pair<int64_t, int64_t> windowPadding(int64_t input, int64_t window,
                                          int64_t stride, Padding padding);

/// Maps a possibly negative axis into [0, rank); std::nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// Whether sparse class labels of shape `labels` fit predictions of shape
/// `pred`: `pred` without its class axis, optionally with a trailing 1.
bool sparseLabelsMatch(llvm::ArrayRef<int64_t> labels,
                       llvm::ArrayRef<int64_t> pred);

/// Whether two shapes have equal rank and sizes that are equal or dynamic.
bool shapesCompatible(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// Why `kiln.reshape` cannot turn shape `in` into `out`, or an empty string
/// when it can: at most one dynamic dimension on each side, one on both
/// sides or on neither, and equal static element counts.
std::string reshapeError(llvm::ArrayRef<int64_t> in, llvm::ArrayRef<int64_t> out);

/// Renders a shape as Keras prints it: "(None, 28, 28)".
std::string formatShape(llvm::ArrayRef<int64_t> shape);

} // namespace kiln

#endif // KILN_DIALECT_KILN_IR_SHAPEINFERENCE_H
