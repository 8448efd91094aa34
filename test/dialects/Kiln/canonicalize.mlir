// RUN: kiln-opt %s --split-input-file --canonicalize | FileCheck %s

// Tests that cross-entropy of a last-axis softmax reads the logits instead.
// CHECK-LABEL: func.func @softmax_into_sparse
// CHECK-SAME: (%[[Z:.*]]: tensor<?x10xf32>, %[[L:.*]]: tensor<?xi32>)
// CHECK-NOT: kiln.softmax
// CHECK: kiln.sparse_categorical_crossentropy %[[L]], %[[Z]] from_logits
func.func @softmax_into_sparse(%z: tensor<?x10xf32>, %l: tensor<?xi32>) -> tensor<f32> {
  %p = kiln.softmax %z axis = -1 : tensor<?x10xf32>
  %0 = kiln.sparse_categorical_crossentropy %l, %p : tensor<?xi32>, tensor<?x10xf32>
  return %0 : tensor<f32>
}

// -----
// Tests the categorical form, with the softmax kept alive by a metric.
// CHECK-LABEL: func.func @softmax_into_categorical
// CHECK-SAME: (%[[Z:.*]]: tensor<?x10xf32>, %[[Y:.*]]: tensor<?x10xf32>)
// CHECK: %[[P:.*]] = kiln.softmax %[[Z]]
// CHECK: kiln.categorical_crossentropy %[[Y]], %[[Z]] from_logits
// CHECK: kiln.categorical_accuracy %[[Y]], %[[P]]
func.func @softmax_into_categorical(%z: tensor<?x10xf32>, %y: tensor<?x10xf32>) -> (tensor<f32>, tensor<f32>) {
  %p = kiln.softmax %z axis = 1 : tensor<?x10xf32>
  %0 = kiln.categorical_crossentropy %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  %1 = kiln.categorical_accuracy %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  return %0, %1 : tensor<f32>, tensor<f32>
}

// -----
// Tests that binary cross-entropy of a sigmoid reads the logits.
// CHECK-LABEL: func.func @sigmoid_into_binary
// CHECK-SAME: (%[[Z:.*]]: tensor<?x1xf32>, %[[Y:.*]]: tensor<?x1xf32>)
// CHECK: kiln.binary_crossentropy %[[Y]], %[[Z]] from_logits
func.func @sigmoid_into_binary(%z: tensor<?x1xf32>, %y: tensor<?x1xf32>) -> tensor<f32> {
  %p = kiln.sigmoid %z : tensor<?x1xf32>
  %0 = kiln.binary_crossentropy %y, %p : tensor<?x1xf32>, tensor<?x1xf32>
  return %0 : tensor<f32>
}

// -----
// Tests that a softmax over another axis is left alone.
// CHECK-LABEL: func.func @softmax_other_axis
// CHECK: %[[P:.*]] = kiln.softmax
// CHECK: kiln.categorical_crossentropy %{{.*}}, %[[P]] :
func.func @softmax_other_axis(%z: tensor<4x10xf32>, %y: tensor<4x10xf32>) -> tensor<f32> {
  %p = kiln.softmax %z axis = 0 : tensor<4x10xf32>
  %0 = kiln.categorical_crossentropy %y, %p : tensor<4x10xf32>, tensor<4x10xf32>
  return %0 : tensor<f32>
}

// -----
// Tests that mse of a softmax is not rewritten.
// CHECK-LABEL: func.func @mse_keeps_softmax
// CHECK: kiln.softmax
// CHECK: kiln.mse
func.func @mse_keeps_softmax(%z: tensor<4x10xf32>, %y: tensor<4x10xf32>) -> tensor<f32> {
  %p = kiln.softmax %z axis = -1 : tensor<4x10xf32>
  %0 = kiln.mse %y, %p : tensor<4x10xf32>, tensor<4x10xf32>
  return %0 : tensor<f32>
}
