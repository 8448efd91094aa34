// RUN: not kiln-opt %s --kiln-make-steps="optimizer=lion" 2>&1 | FileCheck %s

// Tests that an unknown optimizer name is refused with the valid names.
// CHECK: kiln-make-steps: unknown optimizer 'lion'; expected one of: sgd, rmsprop, adam, adagrad
func.func @loss(%w: tensor<3xf32> {kiln.param, kiln.trainable}, %x: tensor<?x3xf32>, %y: tensor<?x3xf32>) -> tensor<f32> {
  %l = kiln.mse %y, %x : tensor<?x3xf32>, tensor<?x3xf32>
  return %l : tensor<f32>
}
