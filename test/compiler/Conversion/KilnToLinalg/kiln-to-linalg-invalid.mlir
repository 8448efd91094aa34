// RUN: kiln-opt %s --split-input-file --kiln-to-linalg --verify-diagnostics

// Tests that a conv2d_input_grad whose result has a dynamic height cannot be
// lowered (the stride hides it) and that the conversion names the op.
func.func @dynamic_input_grad(%dy: tensor<?x?x?x4xf32>, %k: tensor<3x3x2x4xf32>) -> tensor<?x?x?x2xf32> {
  // expected-error @+2 {{'kiln.conv2d_input_grad' op needs a static input height and width to be lowered}}
  // expected-error @+1 {{failed to legalize operation 'kiln.conv2d_input_grad'}}
  %0 = kiln.conv2d_input_grad %dy, %k strides = [2, 2] padding = same : tensor<?x?x?x4xf32>, tensor<3x3x2x4xf32> -> tensor<?x?x?x2xf32>
  return %0 : tensor<?x?x?x2xf32>
}
