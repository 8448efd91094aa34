// RUN: kiln-opt %s --split-input-file --kiln-autodiff | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-autodiff --canonicalize --cse | FileCheck %s --check-prefix=CLEAN
// RUN: kiln-opt %s --split-input-file --kiln-autodiff --kiln-autodiff | FileCheck %s --check-prefix=TWICE

// Tests that every kiln.value_and_grad becomes a func.call of one generated
// @<callee>_grad, and that the metric result passes through undifferentiated
// (no gradient op reads the accuracy's operands).
// CHECK-LABEL: func.func private @step(
// CHECK-LABEL: func.func private @step_grad
// CHECK-SAME: (%[[W:.*]]: tensor<4x2xf32> {kiln.trainable}, %[[X:.*]]: tensor<?x4xf32>, %[[Y:.*]]: tensor<?xi32>)
// CHECK-SAME: -> (tensor<f32>, tensor<f32>, tensor<4x2xf32>)
// CHECK-SAME: attributes {kiln.gradient_of = @step}
// CHECK: %[[Z:.*]] = kiln.dense %[[X]], %[[W]]
// CHECK: %[[P:.*]] = kiln.softmax %[[Z]]
// CHECK: %[[L:.*]] = kiln.sparse_categorical_crossentropy %[[Y]], %[[Z]] from_logits
// CHECK: %[[A:.*]] = kiln.sparse_categorical_accuracy %[[Y]], %[[P]]
// CHECK: %[[DZ:.*]] = kiln.loss_grad %[[Y]], %[[Z]]
// CHECK-NOT: kiln.softmax_grad
// CHECK: %[[DW:.*]] = kiln.matmul %[[X]], %[[DZ]] transpose_lhs
// CHECK-NEXT: return %[[L]], %[[A]], %[[DW]] : tensor<f32>, tensor<f32>, tensor<4x2xf32>
// CHECK-LABEL: func.func @train
// CHECK-SAME: (%[[W:.*]]: tensor<4x2xf32>, %[[X:.*]]: tensor<?x4xf32>, %[[Y:.*]]: tensor<?xi32>)
// CHECK-NOT: kiln.value_and_grad
// CHECK: %[[R0:.*]]:3 = call @step_grad(%[[W]], %[[X]], %[[Y]]) : (tensor<4x2xf32>, tensor<?x4xf32>, tensor<?xi32>) -> (tensor<f32>, tensor<f32>, tensor<4x2xf32>)
// CHECK: %[[R1:.*]]:3 = call @step_grad(%[[W]], %[[X]], %[[Y]])
// CHECK: return %[[R0]]#0, %[[R0]]#1, %[[R1]]#2
// CLEAN-LABEL: func.func private @step_grad
// CLEAN-LABEL: func.func @train
// CLEAN: call @step_grad
// TWICE-LABEL: func.func private @step_grad
// TWICE-NOT: @step_grad_grad
// TWICE-NOT: func.func private @step_grad
// TWICE: func.func @train
func.func private @step(%w: tensor<4x2xf32> {kiln.trainable}, %x: tensor<?x4xf32>, %y: tensor<?xi32>)
    -> (tensor<f32>, tensor<f32>) {
  %z = kiln.dense %x, %w : tensor<?x4xf32>, tensor<4x2xf32>
  %p = kiln.softmax %z axis = -1 : tensor<?x2xf32>
  %l = kiln.sparse_categorical_crossentropy %y, %p : tensor<?xi32>, tensor<?x2xf32>
  %a = kiln.sparse_categorical_accuracy %y, %p : tensor<?xi32>, tensor<?x2xf32>
  return %l, %a : tensor<f32>, tensor<f32>
}
func.func @train(%w: tensor<4x2xf32>, %x: tensor<?x4xf32>, %y: tensor<?xi32>)
    -> (tensor<f32>, tensor<f32>, tensor<4x2xf32>) {
  %l, %a, %dw = kiln.value_and_grad @step(%w, %x, %y)
      : (tensor<4x2xf32>, tensor<?x4xf32>, tensor<?xi32>) -> (tensor<f32>, tensor<f32>, tensor<4x2xf32>)
  %l2, %a2, %dw2 = kiln.value_and_grad @step(%w, %x, %y)
      : (tensor<4x2xf32>, tensor<?x4xf32>, tensor<?xi32>) -> (tensor<f32>, tensor<f32>, tensor<4x2xf32>)
  return %l, %a, %dw2 : tensor<f32>, tensor<f32>, tensor<4x2xf32>
}

// -----
// Tests trainable arguments the loss does not depend on: a static one gets
// an arith.constant of zeros, a dynamic one a broadcast of a 0-d zero.
// CHECK-LABEL: func.func @unused_grad
// CHECK-SAME: (%[[W:.*]]: tensor<3xf32> {kiln.trainable}, %[[U:.*]]: tensor<2x3xf32> {kiln.trainable}, %[[V:.*]]: tensor<?x3xf32> {kiln.trainable})
// CHECK: %[[DW:.*]] = kiln.broadcast_like %{{.*}}, %[[W]] : tensor<f32>, tensor<3xf32>
// CHECK: %[[DU:.*]] = arith.constant dense<0.000000e+00> : tensor<2x3xf32>
// CHECK: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[DV:.*]] = kiln.broadcast_like %[[Z]], %[[V]] : tensor<f32>, tensor<?x3xf32>
// CHECK: return %{{.*}}, %[[DW]], %[[DU]], %[[DV]] : tensor<f32>, tensor<3xf32>, tensor<2x3xf32>, tensor<?x3xf32>
// CLEAN-LABEL: func.func @unused_grad
// CLEAN: arith.constant dense<0.000000e+00> : tensor<2x3xf32>
func.func @unused(%w: tensor<3xf32> {kiln.trainable}, %u: tensor<2x3xf32> {kiln.trainable},
                  %v: tensor<?x3xf32> {kiln.trainable}) -> tensor<f32> {
  %l = kiln.reduce_sum %w axes = [0] : tensor<3xf32>
  return %l : tensor<f32>
}

// -----
// Tests a loss that depends on no trainable argument, and inactive uses of a
// trainable argument (a metric, a second result): all gradients are zeros
// and nothing is differentiated.
// CHECK-LABEL: func.func @constant_loss_grad
// CHECK-SAME: (%[[W:.*]]: tensor<4xf32> {kiln.trainable}, %[[X:.*]]: tensor<4xf32>)
// CHECK: %[[L:.*]] = kiln.reduce_sum %[[X]]
// CHECK: %[[M:.*]] = kiln.mul %[[W]], %[[W]]
// CHECK-NEXT: %[[DW:.*]] = arith.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-NEXT: return %[[L]], %[[M]], %[[DW]] : tensor<f32>, tensor<4xf32>, tensor<4xf32>
// CLEAN-LABEL: func.func @constant_loss_grad
// CLEAN-NOT: kiln.broadcast_like
// CLEAN: return
func.func @constant_loss(%w: tensor<4xf32> {kiln.trainable}, %x: tensor<4xf32>) -> (tensor<f32>, tensor<4xf32>) {
  %l = kiln.reduce_sum %x axes = [0] : tensor<4xf32>
  %m = kiln.mul %w, %w : tensor<4xf32>, tensor<4xf32>
  return %l, %m : tensor<f32>, tensor<4xf32>
}

// -----
// Tests value_and_grad of a callee with no trainable argument: its gradient
// function returns only its results.
// CHECK-LABEL: func.func private @eval_grad
// CHECK-SAME: (%{{.*}}: tensor<4xf32>) -> tensor<f32>
// CHECK-LABEL: func.func @run
// CHECK: call @eval_grad(%{{.*}}) : (tensor<4xf32>) -> tensor<f32>
// CLEAN-LABEL: func.func @run
// CLEAN: call @eval_grad
func.func private @eval(%x: tensor<4xf32>) -> tensor<f32> {
  %l = kiln.reduce_sum %x axes = [0] : tensor<4xf32>
  return %l : tensor<f32>
}
func.func @run(%x: tensor<4xf32>) -> tensor<f32> {
  %l = kiln.value_and_grad @eval(%x) : (tensor<4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----
// Tests that functions without trainable arguments and not named by a
// value_and_grad are left alone.
// CHECK-LABEL: func.func @plain
// CHECK-NOT: @plain_grad
// CLEAN-LABEL: func.func @plain
func.func @plain(%x: tensor<4xf32>) -> tensor<f32> {
  %l = kiln.reduce_sum %x axes = [0] : tensor<4xf32>
  return %l : tensor<f32>
}
