//===- GradientCheck.h - Compiled gradients vs finite differences -*- C++ -*-===//
#ifndef KILN_TEST_UNIT_COMPILER_GRADIENTCHECK_H
#define KILN_TEST_UNIT_COMPILER_GRADIENTCHECK_H

#include "Harness.h"

namespace kiln::test {

/// One argument of the loss under test.
struct Arg {
  std::string name;          // SSA name without '%'
  std::vector<int64_t> shape; // concrete shape of the data passed in
  std::vector<float> values;  // f32 data, or integer labels stored as floats
  bool trainable = true;
  const char *element = "f32"; // "f32" or "i32" (labels)
  bool dynamicBatch = false;   // declare dimension 0 as '?'
};

struct Tolerance {
  double step = 1e-2; // central-difference step h
  double atol = 1e-3;
  double rtol = 1e-2;
};

/// Compiles `@loss(args...) -> tensor<f32>` whose body is `body` (which must
/// define %loss), then checks the gradient that kiln-autodiff produces for
/// every trainable argument against central finite differences
/// (L(x + h e_i) - L(x - h e_i)) / 2h of the compiled loss, element by
/// element: |ad - fd| <= atol + rtol |fd|.
void checkGradient(const std::string &body, std::vector<Arg> args,
                   Tolerance tol = {});

} // namespace kiln::test

#endif // KILN_TEST_UNIT_COMPILER_GRADIENTCHECK_H
