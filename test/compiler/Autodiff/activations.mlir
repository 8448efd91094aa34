// RUN: kiln-opt %s --split-input-file --kiln-autodiff | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-autodiff --canonicalize --cse | FileCheck %s --check-prefix=CLEAN

// Tests relu: relu_grad reads the activation's result, as sigmoid_grad and
// tanh_grad do.
// CHECK-LABEL: func.func @relu_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32> {kiln.trainable}, %[[Y:.*]]: tensor<?x10xf32>)
// CHECK: %[[A:.*]] = kiln.relu %[[X]]
// CHECK: %[[DA:.*]] = kiln.loss_grad %[[Y]], %[[A]], %{{.*}} kind = mse
// CHECK: %[[DX:.*]] = kiln.relu_grad %[[DA]], %[[A]] : tensor<?x10xf32>
// CHECK: return %{{.*}}, %[[DX]]
// CLEAN-LABEL: func.func @relu_grad
// CLEAN: kiln.relu_grad
func.func @relu(%x: tensor<?x10xf32> {kiln.trainable}, %y: tensor<?x10xf32>) -> tensor<f32> {
  %a = kiln.relu %x : tensor<?x10xf32>
  %l = kiln.mse %y, %a : tensor<?x10xf32>, tensor<?x10xf32>
  return %l : tensor<f32>
}

// -----
// Tests sigmoid and tanh: their *_grad ops read the activation's result.
// CHECK-LABEL: func.func @sigmoid_tanh_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32> {kiln.trainable}, %[[Y:.*]]: tensor<?x10xf32>)
// CHECK: %[[S:.*]] = kiln.sigmoid %[[X]]
// CHECK: %[[T:.*]] = kiln.tanh %[[S]]
// CHECK: %[[DT:.*]] = kiln.loss_grad %[[Y]], %[[T]], %{{.*}} kind = mae
// CHECK: %[[DS:.*]] = kiln.tanh_grad %[[DT]], %[[T]] : tensor<?x10xf32>
// CHECK: %[[DX:.*]] = kiln.sigmoid_grad %[[DS]], %[[S]] : tensor<?x10xf32>
// CHECK: return %{{.*}}, %[[DX]]
// CLEAN-LABEL: func.func @sigmoid_tanh_grad
// CLEAN: kiln.tanh_grad
// CLEAN: kiln.sigmoid_grad
func.func @sigmoid_tanh(%x: tensor<?x10xf32> {kiln.trainable}, %y: tensor<?x10xf32>) -> tensor<f32> {
  %s = kiln.sigmoid %x : tensor<?x10xf32>
  %t = kiln.tanh %s : tensor<?x10xf32>
  %l = kiln.mae %y, %t : tensor<?x10xf32>, tensor<?x10xf32>
  return %l : tensor<f32>
}

// -----
// Tests a softmax that no loss absorbs (mse, along axis 0): softmax_grad
// reads the softmax result and keeps the axis.
// CHECK-LABEL: func.func @softmax_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32> {kiln.trainable}, %[[Y:.*]]: tensor<?x10xf32>)
// CHECK: %[[P:.*]] = kiln.softmax %[[X]] axis = 0
// CHECK: %[[DP:.*]] = kiln.loss_grad %[[Y]], %[[P]], %{{.*}} kind = mse
// CHECK: %[[DX:.*]] = kiln.softmax_grad %[[DP]], %[[P]] axis = 0 : tensor<?x10xf32>
// CHECK: return %{{.*}}, %[[DX]]
// CLEAN-LABEL: func.func @softmax_grad
// CLEAN: kiln.softmax_grad
func.func @softmax(%x: tensor<?x10xf32> {kiln.trainable}, %y: tensor<?x10xf32>) -> tensor<f32> {
  %p = kiln.softmax %x axis = 0 : tensor<?x10xf32>
  %l = kiln.mse %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  return %l : tensor<f32>
}

// -----
// Tests exp (dy * exp(x), reusing the result) and log (dy / x).
// CHECK-LABEL: func.func @exp_log_grad
// CHECK-SAME: (%[[X:.*]]: tensor<4x3xf32> {kiln.trainable})
// CHECK: %[[E:.*]] = kiln.exp %[[X]]
// CHECK: %[[L:.*]] = kiln.log %[[E]]
// CHECK: %[[G:.*]] = kiln.broadcast_like %{{.*}}, %[[L]] : tensor<f32>, tensor<4x3xf32>
// CHECK: %[[DE:.*]] = kiln.div %[[G]], %[[E]] : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK: %[[DX:.*]] = kiln.mul %[[DE]], %[[E]] : tensor<4x3xf32>, tensor<4x3xf32>
// CHECK: return %{{.*}}, %[[DX]] : tensor<f32>, tensor<4x3xf32>
// CLEAN-LABEL: func.func @exp_log_grad
// CLEAN: kiln.div
// CLEAN: kiln.mul
func.func @exp_log(%x: tensor<4x3xf32> {kiln.trainable}) -> tensor<f32> {
  %e = kiln.exp %x : tensor<4x3xf32>
  %l = kiln.log %e : tensor<4x3xf32>
  %s = kiln.reduce_sum %l axes = [0, 1] : tensor<4x3xf32>
  return %s : tensor<f32>
}
