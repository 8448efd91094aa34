// RUN: kiln-opt %s --split-input-file --verify-diagnostics --kiln-make-steps | FileCheck %s

// Tests a model whose @forward and @loss rewrite a parameter (a stateful
// layer's state, #1) in every step: train_step, eval_step and predict_step
// all take its buffer writable and write its new value back in place;
// predict_step outputs only @forward's own result and eval_step stores only
// the loss.
func.func @forward(%w: tensor<4xf32> {kiln.param}, %h: tensor<2x4xf32> {kiln.param},
                   %x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<2x4xf32>)
    attributes {kiln.state_updates = array<i64: 1>} {
  %h0 = tensor.cast %h : tensor<2x4xf32> to tensor<?x4xf32>
  %s = kiln.add %x, %h0 : tensor<?x4xf32>, tensor<?x4xf32>
  %p = kiln.mul %s, %w : tensor<?x4xf32>, tensor<4xf32>
  %n = tensor.cast %s : tensor<?x4xf32> to tensor<2x4xf32>
  return %p, %n : tensor<?x4xf32>, tensor<2x4xf32>
}
func.func @loss(%w: tensor<4xf32> {kiln.param, kiln.trainable}, %h: tensor<2x4xf32> {kiln.param},
                %x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> (tensor<f32>, tensor<2x4xf32>)
    attributes {kiln.state_updates = array<i64: 1>} {
  %p:2 = call @forward(%w, %h, %x) : (tensor<4xf32>, tensor<2x4xf32>, tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<2x4xf32>)
  %l = kiln.mse %y, %p#0 : tensor<?x4xf32>, tensor<?x4xf32>
  return %l, %p#1 : tensor<f32>, tensor<2x4xf32>
}

// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[W:.*]]: memref<4xf32>, %[[H:.*]]: memref<2x4xf32>,
// CHECK: %[[R:.*]]:3 = kiln.value_and_grad @loss(
// CHECK: bufferization.materialize_in_destination %[[R]]#1 in restrict writable %[[H]]
// CHECK-LABEL: func.func @eval_step
// CHECK-SAME: (%[[EW:.*]]: memref<4xf32>, %[[EH:.*]]: memref<2x4xf32>, %{{.*}}: memref<?x4xf32>, %{{.*}}: memref<?x4xf32>, %[[OUT:.*]]: memref<1xf32>)
// CHECK: bufferization.to_tensor %[[EW]] restrict :
// CHECK: bufferization.to_tensor %[[EH]] restrict writable
// CHECK: %[[E:.*]]:2 = call @loss(
// CHECK: memref.store %{{.*}}, %[[OUT]]
// CHECK: bufferization.materialize_in_destination %[[E]]#1 in restrict writable %[[EH]]
// CHECK-LABEL: func.func @predict_step
// CHECK-SAME: (%{{.*}}: memref<4xf32>, %[[PH:.*]]: memref<2x4xf32>, %{{.*}}: memref<?x4xf32>, %[[Y:.*]]: memref<?x4xf32>)
// CHECK: %[[P:.*]]:2 = call @forward(
// CHECK: bufferization.materialize_in_destination %[[P]]#0 in restrict writable %[[Y]]
// CHECK: bufferization.materialize_in_destination %[[P]]#1 in restrict writable %[[PH]]

// -----
// Tests that @forward's state updates are checked like @train_loss's.
// expected-error @+1 {{kiln-make-steps: state update #0 must name a kiln.param argument of its result's type}}
func.func @forward(%w: tensor<4xf32> {kiln.param}, %x: tensor<?x4xf32>)
    -> (tensor<?x4xf32>, tensor<3xf32>) attributes {kiln.state_updates = array<i64: 0>} {
  %p = kiln.mul %x, %w : tensor<?x4xf32>, tensor<4xf32>
  %z = arith.constant dense<0.0> : tensor<3xf32>
  return %p, %z : tensor<?x4xf32>, tensor<3xf32>
}
