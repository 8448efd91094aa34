// RUN: kiln-opt %s --split-input-file --kiln-autodiff --canonicalize --cse | FileCheck %s

// Tests a simple RNN: the forward scan is rebuilt to stack each step's
// incoming state and its h.U product (the tape) and no longer stacks the
// states nobody reads; the backward is a reverse scan over the tape that
// recomputes only the elementwise part, carries dh and stacks d(xw); dU,
// the sum over steps of h_t^T.ds_t, is one matmul after the loop over the
// flattened tape and the stacked ds.
// CHECK-LABEL: func.func @rnn_grad
// CHECK-SAME: (%[[XW:.*]]: tensor<5x?x4xf32> {kiln.trainable}, %[[H0:.*]]: tensor<?x4xf32>, %[[U:.*]]: tensor<4x4xf32> {kiln.trainable}, %[[R:.*]]: tensor<?x4xf32>)
// CHECK: %[[FWD:.*]]:3 = kiln.scan sequences(%[[XW]] : tensor<5x?x4xf32>) init(%[[H0]] : tensor<?x4xf32>) captures(%[[U]] : tensor<4x4xf32>) -> tensor<?x4xf32>, tensor<5x?x4xf32>, tensor<5x?x4xf32>
// CHECK-NEXT: ^bb0(%[[X:.*]]: tensor<?x4xf32>, %[[HP:.*]]: tensor<?x4xf32>, %[[UU:.*]]: tensor<4x4xf32>):
// CHECK-NEXT: %[[M:.*]] = kiln.matmul %[[HP]], %[[UU]]
// CHECK: kiln.yield %{{.*}}, %[[HP]], %[[M]]
// CHECK: %[[BWD:.*]]:2 = kiln.scan reverse sequences(%[[XW]], %[[FWD]]#1, %[[FWD]]#2 : {{.*}}) init(%{{.*}} : tensor<?x4xf32>) captures(%[[U]] : tensor<4x4xf32>)
// CHECK-NEXT: ^bb0(%[[BX:.*]]: tensor<?x4xf32>, %[[BH:.*]]: tensor<?x4xf32>, %[[BM:.*]]: tensor<?x4xf32>, %[[DH:.*]]: tensor<?x4xf32>, %[[BU:.*]]: tensor<4x4xf32>):
// CHECK-NOT: kiln.matmul %[[BH]]
// CHECK: %[[S:.*]] = kiln.add %[[BX]], %[[BM]]
// CHECK: %[[T:.*]] = kiln.tanh %[[S]]
// CHECK: %[[DS:.*]] = kiln.tanh_grad %[[DH]], %[[T]]
// CHECK: %[[DHP:.*]] = kiln.matmul %[[DS]], %[[BU]] transpose_rhs
// CHECK-NEXT: kiln.yield %[[DHP]], %[[DS]]
// CHECK: %[[HF:.*]] = tensor.collapse_shape %[[FWD]]#1 {{\[\[}}0, 1], [2]]
// CHECK: %[[DF:.*]] = tensor.collapse_shape %[[BWD]]#1 {{\[\[}}0, 1], [2]]
// CHECK: %[[DU:.*]] = kiln.matmul %[[HF]], %[[DF]] transpose_lhs : tensor<?x4xf32>, tensor<?x4xf32>
// CHECK: return %{{.*}}, %[[BWD]]#1, %[[DU]] : tensor<f32>, tensor<5x?x4xf32>, tensor<4x4xf32>
func.func @rnn(%xw: tensor<5x?x4xf32> {kiln.trainable}, %h0: tensor<?x4xf32>, %u: tensor<4x4xf32> {kiln.trainable}, %r: tensor<?x4xf32>) -> tensor<f32> {
  %h, %hs = kiln.scan sequences(%xw : tensor<5x?x4xf32>) init(%h0 : tensor<?x4xf32>) captures(%u : tensor<4x4xf32>) -> tensor<?x4xf32>, tensor<5x?x4xf32> {
  ^bb0(%x: tensor<?x4xf32>, %hp: tensor<?x4xf32>, %uu: tensor<4x4xf32>):
    %m = kiln.matmul %hp, %uu : tensor<?x4xf32>, tensor<4x4xf32>
    %s = kiln.add %x, %m : tensor<?x4xf32>, tensor<?x4xf32>
    %n = kiln.tanh %s : tensor<?x4xf32>
    kiln.yield %n, %n : tensor<?x4xf32>, tensor<?x4xf32>
  }
  %p = kiln.mul %h, %r : tensor<?x4xf32>, tensor<?x4xf32>
  %l = kiln.reduce_sum %p axes = [0, 1] : tensor<?x4xf32>
  return %l : tensor<f32>
}

// -----
// Tests that split's gradient concatenates its parts' adjoints, zeros for
// a part the loss does not read.
// CHECK-LABEL: func.func @split_grad
// CHECK: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<2x3xf32>
// CHECK: kiln.concatenate %{{.*}}, %[[Z]] axis = 1 : tensor<2x5xf32>, tensor<2x3xf32>
func.func @split(%z: tensor<2x8xf32> {kiln.trainable}) -> tensor<f32> {
  %a, %b = kiln.split %z axis = 1 sizes = [5, 3] : tensor<2x8xf32>
  %l = kiln.reduce_sum %a axes = [0, 1] : tensor<2x5xf32>
  return %l : tensor<f32>
}

// -----
// Tests that a product sum stays in the loop when its stacked factor could
// not be sized before the loop: ds.U^T's factor here has type ?x6, which no
// sequence step or carried value has (the GRU without reset_after has one).
// CHECK-LABEL: func.func @unsized_grad
// CHECK: kiln.scan reverse {{.*}} init(%{{.*}}, %{{.*}} : tensor<?x2xf32>, tensor<2x6xf32>)
// CHECK: %[[P:.*]] = kiln.matmul %{{.*}}, %{{.*}} transpose_lhs : tensor<?x2xf32>, tensor<?x6xf32>
// CHECK: %[[ACC:.*]] = kiln.add %{{.*}}, %[[P]] : tensor<2x6xf32>, tensor<2x6xf32>
// CHECK: kiln.yield %{{.*}}, %[[ACC]]
func.func @unsized(%xs: tensor<3x?x2xf32>, %h0: tensor<?x2xf32>, %u: tensor<2x6xf32> {kiln.trainable}) -> tensor<f32> {
  %h = kiln.scan sequences(%xs : tensor<3x?x2xf32>) init(%h0 : tensor<?x2xf32>) captures(%u : tensor<2x6xf32>) -> tensor<?x2xf32> {
  ^bb0(%x: tensor<?x2xf32>, %hp: tensor<?x2xf32>, %uu: tensor<2x6xf32>):
    %m = kiln.matmul %hp, %uu : tensor<?x2xf32>, tensor<2x6xf32>
    %a, %b, %c = kiln.split %m axis = 1 sizes = [2, 2, 2] : tensor<?x6xf32>
    %s = kiln.add %x, %a : tensor<?x2xf32>, tensor<?x2xf32>
    %bc = kiln.mul %b, %c : tensor<?x2xf32>, tensor<?x2xf32>
    %t = kiln.add %s, %bc : tensor<?x2xf32>, tensor<?x2xf32>
    %n = kiln.tanh %t : tensor<?x2xf32>
    kiln.yield %n : tensor<?x2xf32>
  }
  %l = kiln.reduce_sum %h axes = [0, 1] : tensor<?x2xf32>
  return %l : tensor<f32>
}
