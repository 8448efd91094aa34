// RUN: kiln-opt %s --split-input-file --kiln-autodiff | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-autodiff --canonicalize --cse | FileCheck %s --check-prefix=CLEAN

// Tests activity analysis: a frozen first layer (its kernel is not
// trainable) gets no adjoint at all, label smoothing on the targets is not
// differentiated, and a metric passes through.
// CHECK-LABEL: func.func @frozen_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[W1:.*]]: tensor<8x8xf32>, %[[W2:.*]]: tensor<8x3xf32> {kiln.trainable}, %[[Y:.*]]: tensor<?x3xf32>)
// CHECK: %[[H:.*]] = kiln.dense %[[X]], %[[W1]]
// CHECK: %[[R:.*]] = kiln.relu %[[H]]
// CHECK: %[[Z:.*]] = kiln.dense %[[R]], %[[W2]]
// CHECK: %[[YS:.*]] = kiln.add
// CHECK: %[[L:.*]] = kiln.categorical_crossentropy %[[YS]], %[[Z]] from_logits
// CHECK: %[[A:.*]] = kiln.categorical_accuracy %[[Y]], %{{.*}}
// CHECK: %[[DZ:.*]] = kiln.loss_grad %[[YS]], %[[Z]]
// CHECK-NEXT: %[[DW2:.*]] = kiln.matmul %[[R]], %[[DZ]] transpose_lhs
// CHECK-NEXT: return %[[L]], %[[A]], %[[DW2]]
// CLEAN-LABEL: func.func @frozen_grad
// CLEAN-NOT: kiln.relu_grad
// CLEAN: return
func.func @frozen(%x: tensor<?x8xf32>, %w1: tensor<8x8xf32>, %w2: tensor<8x3xf32> {kiln.trainable},
                  %y: tensor<?x3xf32>) -> (tensor<f32>, tensor<f32>) {
  %h = kiln.dense %x, %w1 : tensor<?x8xf32>, tensor<8x8xf32>
  %r = kiln.relu %h : tensor<?x8xf32>
  %z = kiln.dense %r, %w2 : tensor<?x8xf32>, tensor<8x3xf32>
  %p = kiln.softmax %z axis = -1 : tensor<?x3xf32>
  %c9 = arith.constant dense<0.9> : tensor<f32>
  %c1 = arith.constant dense<0.0333333> : tensor<f32>
  %ys0 = kiln.mul %y, %c9 : tensor<?x3xf32>, tensor<f32>
  %ys = kiln.add %ys0, %c1 : tensor<?x3xf32>, tensor<f32>
  %l = kiln.categorical_crossentropy %ys, %p : tensor<?x3xf32>, tensor<?x3xf32>
  %a = kiln.categorical_accuracy %y, %p : tensor<?x3xf32>, tensor<?x3xf32>
  return %l, %a : tensor<f32>, tensor<f32>
}

// -----
// Tests that a region op off the active path (a loop over a trainable value
// whose result only feeds a second result) is kept and not differentiated.
// CHECK-LABEL: func.func @inactive_loop_grad
// CHECK-SAME: (%[[W:.*]]: tensor<4xf32> {kiln.trainable}, %[[X:.*]]: tensor<4xf32>)
// CHECK: %[[H:.*]] = scf.for
// CHECK: kiln.add
// CHECK: scf.yield
// CHECK: %[[L:.*]] = kiln.reduce_sum %[[W]]
// CHECK: %[[DW:.*]] = kiln.broadcast_like %{{.*}}, %[[W]]
// CHECK-NEXT: return %[[L]], %[[H]], %[[DW]] : tensor<f32>, tensor<4xf32>, tensor<4xf32>
// CLEAN-LABEL: func.func @inactive_loop_grad
// CLEAN: scf.for
func.func @inactive_loop(%w: tensor<4xf32> {kiln.trainable}, %x: tensor<4xf32>) -> (tensor<f32>, tensor<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %h = scf.for %i = %c0 to %c3 step %c1 iter_args(%h1 = %x) -> (tensor<4xf32>) {
    %t = kiln.add %h1, %w : tensor<4xf32>, tensor<4xf32>
    scf.yield %t : tensor<4xf32>
  }
  %l = kiln.reduce_sum %w axes = [0] : tensor<4xf32>
  return %l, %h : tensor<f32>, tensor<4xf32>
}

// -----
// Tests that the adjoint stops at a comparison and at argmax (piecewise
// constant: no gradient is built through them), while the mask they make
// still weights the loss: d/dw sum(w * (x > 0)) = (x > 0).
// CHECK-LABEL: func.func @masked_grad
// CHECK-SAME: (%[[W:.*]]: tensor<4xf32> {kiln.trainable}, %[[X:.*]]: tensor<4xf32>)
// CHECK: %[[M:.*]] = kiln.greater %[[W]], %{{.*}}
// CHECK: kiln.argmax %[[W]] axis = 0
// CHECK-NOT: kiln.greater
// CHECK: kiln.mul %{{.*}}, %[[M]]
// CHECK: return
func.func @masked(%w: tensor<4xf32> {kiln.trainable}, %x: tensor<4xf32>) -> (tensor<f32>, tensor<f32>) {
  %z = arith.constant dense<0.0> : tensor<f32>
  %m = kiln.greater %w, %z : tensor<4xf32>, tensor<f32>
  %i = kiln.argmax %w axis = 0 : tensor<4xf32>
  %p = kiln.mul %w, %m : tensor<4xf32>, tensor<4xf32>
  %l = kiln.reduce_sum %p axes = [0] : tensor<4xf32>
  %l2 = kiln.add %l, %i : tensor<f32>, tensor<f32>
  return %l2, %i : tensor<f32>, tensor<f32>
}

// -----
// Tests maximum's adjoint: the left operand takes dy where it is >= the
// right one (ties included), the right operand where it is smaller.
// CHECK-LABEL: func.func @extremum_grad
// CHECK-SAME: (%[[A:.*]]: tensor<4xf32> {kiln.trainable}, %[[B:.*]]: tensor<4xf32> {kiln.trainable})
// CHECK: %[[GE:.*]] = kiln.greater_equal %[[A]], %[[B]]
// CHECK: %[[LT:.*]] = kiln.less %[[A]], %[[B]]
// CHECK: kiln.mul %{{.*}}, %[[GE]]
// CHECK: kiln.mul %{{.*}}, %[[LT]]
func.func @extremum(%a: tensor<4xf32> {kiln.trainable}, %b: tensor<4xf32> {kiln.trainable}) -> tensor<f32> {
  %m = kiln.maximum %a, %b : tensor<4xf32>, tensor<4xf32>
  %l = kiln.reduce_sum %m axes = [0] : tensor<4xf32>
  return %l : tensor<f32>
}
