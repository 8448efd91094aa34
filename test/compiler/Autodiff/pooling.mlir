// RUN: kiln-opt %s --split-input-file --kiln-autodiff | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-autodiff --canonicalize --cse | FileCheck %s --check-prefix=CLEAN

// Tests max_pool2d between two layers: its adjoint is max_pool2d_grad with
// the same window attributes, reading the pooled layer's output.
// CHECK-LABEL: func.func @conv_pool_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x28x28x1xf32>, %[[K:.*]]: tensor<3x3x1x4xf32> {kiln.trainable}, %[[Y:.*]]: tensor<?x13x13x4xf32>)
// CHECK: %[[C:.*]] = kiln.conv2d %[[X]], %[[K]]
// CHECK: %[[P:.*]] = kiln.max_pool2d %[[C]] pool_size = [2, 2] strides = [2, 2] padding = valid
// CHECK: %[[DP:.*]] = kiln.loss_grad %[[Y]], %[[P]], %{{.*}} kind = mse
// CHECK: %[[DC:.*]] = kiln.max_pool2d_grad %[[DP]], %[[C]] pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x13x13x4xf32>, tensor<?x26x26x4xf32>
// CHECK: %[[DK:.*]] = kiln.conv2d_kernel_grad %[[X]], %[[DC]]
// CHECK: return %{{.*}}, %[[DK]]
// CLEAN-LABEL: func.func @conv_pool_grad
// CLEAN: kiln.max_pool2d_grad
func.func @conv_pool(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x4xf32> {kiln.trainable},
                     %y: tensor<?x13x13x4xf32>) -> tensor<f32> {
  %c = kiln.conv2d %x, %k strides = [1, 1] padding = valid : tensor<?x28x28x1xf32>, tensor<3x3x1x4xf32>
  %p = kiln.max_pool2d %c pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x26x26x4xf32>
  %l = kiln.mse %y, %p : tensor<?x13x13x4xf32>, tensor<?x13x13x4xf32>
  return %l : tensor<f32>
}

// -----
// Tests overlapping, same-padded pooling of a trainable tensor.
// CHECK-LABEL: func.func @pool_same_grad
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x5x3xf32> {kiln.trainable})
// CHECK: %[[P:.*]] = kiln.max_pool2d %[[X]] pool_size = [3, 3] strides = [2, 2] padding = same
// CHECK: %[[G:.*]] = kiln.broadcast_like %{{.*}}, %[[P]] : tensor<f32>, tensor<2x3x3x3xf32>
// CHECK: %[[DX:.*]] = kiln.max_pool2d_grad %[[G]], %[[X]] pool_size = [3, 3] strides = [2, 2] padding = same : tensor<2x3x3x3xf32>, tensor<2x5x5x3xf32>
// CHECK: return %{{.*}}, %[[DX]] : tensor<f32>, tensor<2x5x5x3xf32>
// CLEAN-LABEL: func.func @pool_same_grad
// CLEAN: kiln.max_pool2d_grad
func.func @pool_same(%x: tensor<2x5x5x3xf32> {kiln.trainable}) -> tensor<f32> {
  %p = kiln.max_pool2d %x pool_size = [3, 3] strides = [2, 2] padding = same : tensor<2x5x5x3xf32>
  %s = kiln.reduce_sum %p axes = [0, 1, 2, 3] : tensor<2x3x3x3xf32>
  return %s : tensor<f32>
}
