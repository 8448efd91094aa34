// The little NumPy the tutorials use on data: x / 255.0, slicing rows.
#ifndef KILN_FRONTEND_TENSOROPS_H
#define KILN_FRONTEND_TENSOROPS_H

#include "runtime/Tensor.h"

namespace kiln {

/// Elementwise arithmetic with a scalar; the result is f32 (like NumPy
/// promoting uint8 images divided by 255.0).
Tensor operator/(const Tensor &t, double s);
Tensor operator*(const Tensor &t, double s);
Tensor operator+(const Tensor &t, double s);
Tensor operator-(const Tensor &t, double s);

/// Index of the largest element along the last axis (NumPy's argmax(-1)).
Tensor argmax(const Tensor &t);

} // namespace kiln

#endif // KILN_FRONTEND_TENSOROPS_H
