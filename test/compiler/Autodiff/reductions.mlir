// RUN: kiln-opt %s --split-input-file --kiln-autodiff | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-autodiff --canonicalize --cse | FileCheck %s --check-prefix=CLEAN

// Tests reduce_sum over a middle axis without keepdims: the adjoint is
// reshaped to the keepdims form, then broadcast back to the input.
// CHECK-LABEL: func.func @sum_middle_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x4xf32> {kiln.trainable})
// CHECK: %[[S:.*]] = kiln.reduce_sum %[[X]] axes = [1] : tensor<?x3x4xf32>
// CHECK: %[[G:.*]] = kiln.broadcast_like %{{.*}}, %[[S]] : tensor<f32>, tensor<?x4xf32>
// CHECK: %[[K:.*]] = kiln.reshape %[[G]] : tensor<?x4xf32> -> tensor<?x1x4xf32>
// CHECK: %[[DX:.*]] = kiln.broadcast_like %[[K]], %[[X]] : tensor<?x1x4xf32>, tensor<?x3x4xf32>
// CHECK: return %{{.*}}, %[[DX]]
// CLEAN-LABEL: func.func @sum_middle_grad
// CLEAN: kiln.reshape
func.func @sum_middle(%x: tensor<?x3x4xf32> {kiln.trainable}) -> tensor<f32> {
  %0 = kiln.reduce_sum %x axes = [1] : tensor<?x3x4xf32>
  %1 = kiln.reduce_sum %0 axes = [0, 1] : tensor<?x4xf32>
  return %1 : tensor<f32>
}

// -----
// Tests reduce_mean over the dynamic batch with keepdims: the adjoint is
// divided by the batch size read with tensor.dim, then broadcast (no reshape).
// CHECK-LABEL: func.func @mean_batch_keepdims_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32> {kiln.trainable})
// CHECK: %[[M:.*]] = kiln.reduce_mean %[[X]] axes = [0] keepdims : tensor<?x4xf32>
// CHECK: %[[G:.*]] = kiln.broadcast_like %{{.*}}, %[[M]] : tensor<f32>, tensor<1x4xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xf32>
// CHECK: %[[NI:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: %[[NF:.*]] = arith.sitofp %[[NI]] : i64 to f32
// CHECK: %[[NT:.*]] = tensor.from_elements %[[NF]] : tensor<f32>
// CHECK: %[[Q:.*]] = kiln.div %[[G]], %[[NT]] : tensor<1x4xf32>, tensor<f32>
// CHECK-NOT: kiln.reshape
// CHECK: %[[DX:.*]] = kiln.broadcast_like %[[Q]], %[[X]] : tensor<1x4xf32>, tensor<?x4xf32>
// CHECK: return %{{.*}}, %[[DX]]
// CLEAN-LABEL: func.func @mean_batch_keepdims_grad
// CLEAN: tensor.dim
func.func @mean_batch_keepdims(%x: tensor<?x4xf32> {kiln.trainable}) -> tensor<f32> {
  %0 = kiln.reduce_mean %x axes = [0] keepdims : tensor<?x4xf32>
  %1 = kiln.reduce_sum %0 axes = [0, 1] : tensor<1x4xf32>
  return %1 : tensor<f32>
}

// -----
// Tests reduce_mean over static axes (a constant count) and over two
// dynamic axes (a product of tensor.dim), with a trailing reduced axis on a
// tensor with two dynamic sizes: kiln.reshape cannot add the unit axis, so
// tensor.expand_shape does.
// CHECK-LABEL: func.func @mean_dynamic_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x4xf32> {kiln.trainable})
// CHECK: %[[M1:.*]] = kiln.reduce_mean %[[X]] axes = [2]
// CHECK: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[D0:.*]] = tensor.dim %[[M1]], %{{.*}}
// CHECK: %[[D1:.*]] = tensor.dim %[[M1]], %{{.*}}
// CHECK: %[[N:.*]] = arith.muli %[[D0]], %[[D1]] : index
// CHECK: %[[NI:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: %[[NF:.*]] = arith.sitofp %[[NI]] : i64 to f32
// CHECK: %[[NT:.*]] = tensor.from_elements %[[NF]] : tensor<f32>
// CHECK: %[[Q:.*]] = kiln.div %[[ONE]], %[[NT]] : tensor<f32>, tensor<f32>
// CHECK: %[[DM1:.*]] = kiln.broadcast_like %[[Q]], %[[M1]] : tensor<f32>, tensor<?x?xf32>
// CHECK: %[[FOUR:.*]] = arith.constant dense<4.000000e+00> : tensor<f32>
// CHECK: %[[Q2:.*]] = kiln.div %[[DM1]], %[[FOUR]] : tensor<?x?xf32>, tensor<f32>
// CHECK: %[[E:.*]] = tensor.expand_shape %[[Q2]] {{\[}}[0], [1, 2]] output_shape [%{{.*}}, %{{.*}}, 1] : tensor<?x?xf32> into tensor<?x?x1xf32>
// CHECK: %[[DX:.*]] = kiln.broadcast_like %[[E]], %[[X]] : tensor<?x?x1xf32>, tensor<?x?x4xf32>
// CHECK: return %{{.*}}, %[[DX]]
// CLEAN-LABEL: func.func @mean_dynamic_grad
// CLEAN: tensor.expand_shape
func.func @mean_dynamic(%x: tensor<?x?x4xf32> {kiln.trainable}) -> tensor<f32> {
  %0 = kiln.reduce_mean %x axes = [2] : tensor<?x?x4xf32>
  %1 = kiln.reduce_mean %0 axes = [0, 1] : tensor<?x?xf32>
  return %1 : tensor<f32>
}

// -----
// Tests reduce_max, with and without keepdims: reduce_max_grad reads the
// input and the result and keeps the reduction's attributes.
// CHECK-LABEL: func.func @max_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32> {kiln.trainable})
// CHECK: %[[M:.*]] = kiln.reduce_max %[[X]] axes = [1] : tensor<?x10xf32>
// CHECK: %[[K:.*]] = kiln.reduce_max %[[X]] axes = [-1] keepdims : tensor<?x10xf32>
// CHECK: %[[DK:.*]] = kiln.reduce_max_grad %{{.*}}, %[[X]], %[[K]] axes = [-1] keepdims : tensor<?x1xf32>, tensor<?x10xf32>, tensor<?x1xf32>
// CHECK: %[[DM:.*]] = kiln.reduce_max_grad %{{.*}}, %[[X]], %[[M]] axes = [1] : tensor<?xf32>, tensor<?x10xf32>, tensor<?xf32>
// CHECK: %[[DX:.*]] = kiln.add %[[DK]], %[[DM]] : tensor<?x10xf32>, tensor<?x10xf32>
// CHECK: return %{{.*}}, %[[DX]]
// CLEAN-LABEL: func.func @max_grad
// CLEAN-COUNT-2: kiln.reduce_max_grad
func.func @max(%x: tensor<?x10xf32> {kiln.trainable}) -> tensor<f32> {
  %m = kiln.reduce_max %x axes = [1] : tensor<?x10xf32>
  %k = kiln.reduce_max %x axes = [-1] keepdims : tensor<?x10xf32>
  %s1 = kiln.reduce_sum %m axes = [0] : tensor<?xf32>
  %s2 = kiln.reduce_sum %k axes = [0, 1] : tensor<?x1xf32>
  %s = kiln.add %s1, %s2 : tensor<f32>, tensor<f32>
  return %s : tensor<f32>
}
