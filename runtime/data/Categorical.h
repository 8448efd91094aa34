// kiln::utils::to_categorical: integer class labels to one-hot f32 rows.
#ifndef KILN_RUNTIME_DATA_CATEGORICAL_H
#define KILN_RUNTIME_DATA_CATEGORICAL_H

#include "runtime/Tensor.h"

namespace kiln::utils {

// Like keras.utils.to_categorical: labels of shape (n) or (n, 1) give an f32
// tensor (n, num_classes); more generally a trailing axis of size 1 is
// dropped and a class axis appended. Labels may be u8, i32, i64, or f32
// holding whole numbers. num_classes = -1 means max(labels) + 1. Throws
// kiln::Error naming the label and its (flat) index if a label is negative,
// >= num_classes, or not a whole number, and naming the largest label when
// the inferred num_classes makes a tensor larger than the machine's memory.
Tensor to_categorical(const Tensor &labels, int64_t num_classes = -1);

} // namespace kiln::utils

#endif // KILN_RUNTIME_DATA_CATEGORICAL_H
