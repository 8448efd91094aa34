// RUN: kiln-opt %s --split-input-file --kiln-autodiff | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-autodiff --canonicalize --cse | FileCheck %s --check-prefix=CLEAN

// Tests fan-out: a residual connection reads %h twice (relu and add) and
// mul reads %s as both operands; each value's adjoint is the kiln.add of
// its contributions, accumulated before it is propagated further.
// CHECK-LABEL: func.func @residual_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[W:.*]]: tensor<8x8xf32> {kiln.trainable})
// CHECK: %[[H:.*]] = kiln.dense %[[X]], %[[W]]
// CHECK: %[[R:.*]] = kiln.relu %[[H]]
// CHECK: %[[S:.*]] = kiln.add %[[R]], %[[H]]
// CHECK: %[[SQ:.*]] = kiln.mul %[[S]], %[[S]]
// CHECK: %[[G:.*]] = kiln.broadcast_like %{{.*}}, %[[SQ]]
// CHECK: %[[G1:.*]] = kiln.mul %[[G]], %[[S]]
// CHECK: %[[G2:.*]] = kiln.mul %[[G]], %[[S]]
// CHECK: %[[DS:.*]] = kiln.add %[[G1]], %[[G2]] : tensor<?x8xf32>, tensor<?x8xf32>
// CHECK: %[[DR:.*]] = kiln.relu_grad %[[DS]], %[[R]]
// CHECK: %[[DH:.*]] = kiln.add %[[DS]], %[[DR]] : tensor<?x8xf32>, tensor<?x8xf32>
// CHECK: %[[DW:.*]] = kiln.matmul %[[X]], %[[DH]] transpose_lhs
// CHECK: return %{{.*}}, %[[DW]]
// CLEAN-LABEL: func.func @residual_grad
// CSE merges the two identical products dy * s.
// CLEAN: kiln.reduce_mean
// CLEAN: %[[G1:.*]] = kiln.mul
// CLEAN-NOT: kiln.mul
// CLEAN: kiln.add %[[G1]], %[[G1]]
func.func @residual(%x: tensor<?x8xf32>, %w: tensor<8x8xf32> {kiln.trainable}) -> tensor<f32> {
  %h = kiln.dense %x, %w : tensor<?x8xf32>, tensor<8x8xf32>
  %r = kiln.relu %h : tensor<?x8xf32>
  %s = kiln.add %r, %h : tensor<?x8xf32>, tensor<?x8xf32>
  %sq = kiln.mul %s, %s : tensor<?x8xf32>, tensor<?x8xf32>
  %l = kiln.reduce_mean %sq axes = [0, 1] : tensor<?x8xf32>
  return %l : tensor<f32>
}

// -----
// Tests a weight shared by two layers (tied weights): its gradient sums the
// kernel adjoints of both dense ops.
// CHECK-LABEL: func.func @tied_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[W:.*]]: tensor<4x4xf32> {kiln.trainable}, %[[Y:.*]]: tensor<?x4xf32>)
// CHECK: %[[H:.*]] = kiln.dense %[[X]], %[[W]]
// CHECK: %[[Z:.*]] = kiln.dense %[[H]], %[[W]]
// CHECK: %[[DZ:.*]] = kiln.loss_grad
// CHECK: %[[DH:.*]] = kiln.matmul %[[DZ]], %[[W]] transpose_rhs
// CHECK: %[[DW2:.*]] = kiln.matmul %[[H]], %[[DZ]] transpose_lhs
// CHECK: %[[DW1:.*]] = kiln.matmul %[[X]], %[[DH]] transpose_lhs
// CHECK: %[[DW:.*]] = kiln.add %[[DW2]], %[[DW1]] : tensor<4x4xf32>, tensor<4x4xf32>
// CHECK: return %{{.*}}, %[[DW]]
// CLEAN-LABEL: func.func @tied_grad
// CLEAN: kiln.add
func.func @tied(%x: tensor<?x4xf32>, %w: tensor<4x4xf32> {kiln.trainable}, %y: tensor<?x4xf32>) -> tensor<f32> {
  %h = kiln.dense %x, %w : tensor<?x4xf32>, tensor<4x4xf32>
  %z = kiln.dense %h, %w : tensor<?x4xf32>, tensor<4x4xf32>
  %l = kiln.mse %y, %z : tensor<?x4xf32>, tensor<?x4xf32>
  return %l : tensor<f32>
}
