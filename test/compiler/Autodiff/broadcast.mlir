// RUN: kiln-opt %s --split-input-file --kiln-autodiff | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-autodiff --canonicalize --cse | FileCheck %s --check-prefix=CLEAN

// Tests add with a broadcast bias: the bias adjoint is reduced back to the
// bias shape with reduce_like, the same-shaped operand's is not.
// CHECK-LABEL: func.func @add_bias_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32> {kiln.trainable}, %[[B:.*]]: tensor<10xf32> {kiln.trainable})
// CHECK: %[[G:.*]] = kiln.broadcast_like %{{.*}} : tensor<f32>, tensor<?x10xf32>
// CHECK-NOT: kiln.reduce_like %[[G]], %[[X]]
// CHECK: %[[DB:.*]] = kiln.reduce_like %[[G]], %[[B]] : tensor<?x10xf32>, tensor<10xf32>
// CHECK: return %{{.*}}, %[[G]], %[[DB]] : tensor<f32>, tensor<?x10xf32>, tensor<10xf32>
// CLEAN-LABEL: func.func @add_bias_grad
// CLEAN-COUNT-1: kiln.reduce_like
func.func @add_bias(%x: tensor<?x10xf32> {kiln.trainable}, %b: tensor<10xf32> {kiln.trainable}) -> tensor<f32> {
  %0 = kiln.add %x, %b : tensor<?x10xf32>, tensor<10xf32>
  %1 = kiln.reduce_sum %0 axes = [0, 1] : tensor<?x10xf32>
  return %1 : tensor<f32>
}

// -----
// Tests mul, sub and div against a 0-d scalar, a (?, 1) column and a (1, 10)
// row: each adjoint is computed on the broadcast shape and reduced back;
// sub negates and div's divisor gets -dy * a / b^2.
// CHECK-LABEL: func.func @broadcast_chain_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>, %[[S:.*]]: tensor<f32> {kiln.trainable}, %[[C:.*]]: tensor<?x1xf32> {kiln.trainable}, %[[R:.*]]: tensor<1x10xf32> {kiln.trainable})
// CHECK: %[[M:.*]] = kiln.mul %[[X]], %[[S]]
// CHECK: %[[D:.*]] = kiln.sub %[[M]], %[[C]]
// CHECK: %[[Q:.*]] = kiln.div %[[D]], %[[R]]
// CHECK: %[[G:.*]] = kiln.broadcast_like %{{.*}}, %[[Q]] : tensor<f32>, tensor<?x10xf32>
// div: d lhs = dy / b (already the lhs shape), d rhs = -reduce(dy * a / (b * b))
// CHECK: %[[DD:.*]] = kiln.div %[[G]], %[[R]] : tensor<?x10xf32>, tensor<1x10xf32>
// CHECK: %[[NUM:.*]] = kiln.mul %[[G]], %[[D]] : tensor<?x10xf32>, tensor<?x10xf32>
// CHECK: %[[DEN:.*]] = kiln.mul %[[R]], %[[R]] : tensor<1x10xf32>, tensor<1x10xf32>
// CHECK: %[[RAT:.*]] = kiln.div %[[NUM]], %[[DEN]] : tensor<?x10xf32>, tensor<1x10xf32>
// CHECK: %[[RED:.*]] = kiln.reduce_like %[[RAT]], %[[R]] : tensor<?x10xf32>, tensor<1x10xf32>
// CHECK: %[[Z0:.*]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[DR:.*]] = kiln.sub %[[Z0]], %[[RED]] : tensor<f32>, tensor<1x10xf32>
// sub: d rhs = -reduce(dy)
// CHECK: %[[DCR:.*]] = kiln.reduce_like %[[DD]], %[[C]] : tensor<?x10xf32>, tensor<?x1xf32>
// CHECK: %[[Z1:.*]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[DC:.*]] = kiln.sub %[[Z1]], %[[DCR]] : tensor<f32>, tensor<?x1xf32>
// mul: d scalar = reduce(dy * x)
// CHECK: %[[DSM:.*]] = kiln.mul %[[DD]], %[[X]] : tensor<?x10xf32>, tensor<?x10xf32>
// CHECK: %[[DS:.*]] = kiln.reduce_like %[[DSM]], %[[S]] : tensor<?x10xf32>, tensor<f32>
// CHECK: return %{{.*}}, %[[DS]], %[[DC]], %[[DR]] : tensor<f32>, tensor<f32>, tensor<?x1xf32>, tensor<1x10xf32>
// CLEAN-LABEL: func.func @broadcast_chain_grad
// CLEAN-COUNT-1: arith.constant dense<0.000000e+00>
// CLEAN-NOT: arith.constant dense<0.000000e+00>
// CLEAN: return
func.func @broadcast_chain(%x: tensor<?x10xf32>, %s: tensor<f32> {kiln.trainable},
                           %c: tensor<?x1xf32> {kiln.trainable}, %r: tensor<1x10xf32> {kiln.trainable}) -> tensor<f32> {
  %0 = kiln.mul %x, %s : tensor<?x10xf32>, tensor<f32>
  %1 = kiln.sub %0, %c : tensor<?x10xf32>, tensor<?x1xf32>
  %2 = kiln.div %1, %r : tensor<?x10xf32>, tensor<1x10xf32>
  %3 = kiln.reduce_sum %2 axes = [0, 1] : tensor<?x10xf32>
  return %3 : tensor<f32>
}

// -----
// Tests a broadcast lhs: the (4) lhs of a (3, 4) product is reduced back.
// CHECK-LABEL: func.func @broadcast_lhs_grad
// CHECK-SAME: (%[[A:.*]]: tensor<4xf32> {kiln.trainable}, %[[B:.*]]: tensor<3x4xf32>)
// CHECK: %[[G:.*]] = kiln.broadcast_like
// CHECK: %[[P:.*]] = kiln.mul %[[G]], %[[B]] : tensor<3x4xf32>, tensor<3x4xf32>
// CHECK: %[[DA:.*]] = kiln.reduce_like %[[P]], %[[A]] : tensor<3x4xf32>, tensor<4xf32>
// CHECK: return %{{.*}}, %[[DA]] : tensor<f32>, tensor<4xf32>
// CLEAN-LABEL: func.func @broadcast_lhs_grad
// CLEAN: kiln.reduce_like
func.func @broadcast_lhs(%a: tensor<4xf32> {kiln.trainable}, %b: tensor<3x4xf32>) -> tensor<f32> {
  %0 = kiln.mul %a, %b : tensor<4xf32>, tensor<3x4xf32>
  %1 = kiln.reduce_sum %0 axes = [0, 1] : tensor<3x4xf32>
  return %1 : tensor<f32>
}
