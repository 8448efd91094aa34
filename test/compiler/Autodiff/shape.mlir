// RUN: kiln-opt %s --split-input-file --kiln-autodiff | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-autodiff --canonicalize --cse | FileCheck %s --check-prefix=CLEAN

// Tests reshape (the adjoint is reshaped back) and transpose (the adjoint is
// transposed by the inverse permutation).
// CHECK-LABEL: func.func @reshape_transpose_grad
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32> {kiln.trainable})
// CHECK: %[[T:.*]] = kiln.transpose %[[X]] permutation = [1, 2, 0]
// CHECK: %[[R:.*]] = kiln.reshape %[[T]] : tensor<3x4x2xf32> -> tensor<24xf32>
// CHECK: %[[G:.*]] = kiln.broadcast_like %{{.*}}, %[[R]] : tensor<f32>, tensor<24xf32>
// CHECK: %[[DT:.*]] = kiln.reshape %[[G]] : tensor<24xf32> -> tensor<3x4x2xf32>
// CHECK: %[[DX:.*]] = kiln.transpose %[[DT]] permutation = [2, 0, 1] : tensor<3x4x2xf32>
// CHECK: return %{{.*}}, %[[DX]] : tensor<f32>, tensor<2x3x4xf32>
// CLEAN-LABEL: func.func @reshape_transpose_grad
// CLEAN: kiln.transpose %{{.*}} permutation = [2, 0, 1]
func.func @reshape_transpose(%x: tensor<2x3x4xf32> {kiln.trainable}) -> tensor<f32> {
  %0 = kiln.transpose %x permutation = [1, 2, 0] : tensor<2x3x4xf32>
  %1 = kiln.reshape %0 : tensor<3x4x2xf32> -> tensor<24xf32>
  %2 = kiln.reduce_sum %1 axes = [0] : tensor<24xf32>
  return %2 : tensor<f32>
}

// -----
// Tests a Flatten with a dynamic batch: the adjoint keeps the batch dynamic.
// CHECK-LABEL: func.func @flatten_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x28x28xf32> {kiln.trainable}, %[[W:.*]]: tensor<784x10xf32>, %[[Y:.*]]: tensor<?x10xf32>)
// CHECK: %[[F:.*]] = kiln.reshape %[[X]] : tensor<?x28x28xf32> -> tensor<?x784xf32>
// CHECK: %[[DF:.*]] = kiln.matmul %{{.*}}, %[[W]] transpose_rhs
// CHECK: %[[DX:.*]] = kiln.reshape %[[DF]] : tensor<?x784xf32> -> tensor<?x28x28xf32>
// CHECK: return %{{.*}}, %[[DX]] : tensor<f32>, tensor<?x28x28xf32>
// CLEAN-LABEL: func.func @flatten_grad
// CLEAN: kiln.reshape %{{.*}} : tensor<?x784xf32> -> tensor<?x28x28xf32>
func.func @flatten(%x: tensor<?x28x28xf32> {kiln.trainable}, %w: tensor<784x10xf32>, %y: tensor<?x10xf32>) -> tensor<f32> {
  %f = kiln.reshape %x : tensor<?x28x28xf32> -> tensor<?x784xf32>
  %z = kiln.dense %f, %w : tensor<?x784xf32>, tensor<784x10xf32>
  %l = kiln.mse %y, %z : tensor<?x10xf32>, tensor<?x10xf32>
  return %l : tensor<f32>
}

// -----

// Tests that each input of a concatenation gets its slice of the adjoint,
// at offsets that follow the (dynamic) sizes of the earlier inputs.
// CHECK-LABEL: func.func @concat_grad
// CLEAN-LABEL: func.func @concat_grad
// CLEAN-SAME: (%[[A:.*]]: tensor<?x3xf32> {kiln.trainable}, %[[B:.*]]: tensor<?x2xf32> {kiln.trainable}, %[[R:.*]]: tensor<?x5xf32>)
// CLEAN: kiln.broadcast_like
// CLEAN: %[[DC:[^ ]+]] = kiln.mul %{{[^ ]+}}, %[[R]]
// CLEAN: %[[NA:[^ ]+]] = tensor.dim %[[A]]
// CLEAN: %[[DA:[^ ]+]] = tensor.extract_slice %[[DC]][0, 0] [%[[NA]], 3] [1, 1] : tensor<?x5xf32> to tensor<?x3xf32>
// CLEAN: %[[NB:[^ ]+]] = tensor.dim %[[B]]
// CLEAN: %[[DB:[^ ]+]] = tensor.extract_slice %[[DC]][0, 3] [%[[NB]], 2] [1, 1] : tensor<?x5xf32> to tensor<?x2xf32>
// CLEAN: return %{{.*}}, %[[DA]], %[[DB]]
func.func @concat(%a: tensor<?x3xf32> {kiln.trainable}, %b: tensor<?x2xf32> {kiln.trainable}, %r: tensor<?x5xf32>) -> tensor<f32> {
  %c = kiln.concatenate %a, %b axis = 1 : tensor<?x3xf32>, tensor<?x2xf32>
  %m = kiln.mul %c, %r : tensor<?x5xf32>, tensor<?x5xf32>
  %l = kiln.reduce_sum %m axes = [0, 1] : tensor<?x5xf32>
  return %l : tensor<f32>
}
