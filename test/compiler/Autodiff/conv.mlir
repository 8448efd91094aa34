// RUN: kiln-opt %s --split-input-file --kiln-autodiff | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-autodiff --canonicalize --cse | FileCheck %s --check-prefix=CLEAN

// Tests conv2d with a bias on the network input: the kernel adjoint is
// conv2d_kernel_grad, the bias adjoint sums dy over N, H and W, and the
// input adjoint (the transposed convolution) is not built for the input.
// CHECK-LABEL: func.func @conv_first_layer_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x28x28x1xf32>, %[[K:.*]]: tensor<3x3x1x8xf32> {kiln.trainable}, %[[B:.*]]: tensor<8xf32> {kiln.trainable}, %[[Y:.*]]: tensor<?x26x26x8xf32>)
// CHECK: %[[C:.*]] = kiln.conv2d %[[X]], %[[K]], %[[B]] strides = [1, 1] padding = valid
// CHECK: %[[DC:.*]] = kiln.loss_grad %[[Y]], %[[C]], %{{.*}} kind = mse
// CHECK-NOT: kiln.conv2d_input_grad
// CHECK: %[[DK:.*]] = kiln.conv2d_kernel_grad %[[X]], %[[DC]] strides = [1, 1] padding = valid : tensor<?x28x28x1xf32>, tensor<?x26x26x8xf32> -> tensor<3x3x1x8xf32>
// CHECK: %[[DB:.*]] = kiln.reduce_sum %[[DC]] axes = [0, 1, 2] : tensor<?x26x26x8xf32>
// CHECK: return %{{.*}}, %[[DK]], %[[DB]] : tensor<f32>, tensor<3x3x1x8xf32>, tensor<8xf32>
// CLEAN-LABEL: func.func @conv_first_layer_grad
// CLEAN-NOT: kiln.conv2d_input_grad
// CLEAN: return
func.func @conv_first_layer(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x8xf32> {kiln.trainable},
                            %b: tensor<8xf32> {kiln.trainable}, %y: tensor<?x26x26x8xf32>) -> tensor<f32> {
  %c = kiln.conv2d %x, %k, %b strides = [1, 1] padding = valid : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>, tensor<8xf32>
  %l = kiln.mse %y, %c : tensor<?x26x26x8xf32>, tensor<?x26x26x8xf32>
  return %l : tensor<f32>
}

// -----
// Tests a small CNN: the second, strided and same-padded conv2d passes its
// adjoint to the first through conv2d_input_grad typed as its input, the
// Flatten reshape is undone, and the softmax + categorical cross-entropy is
// differentiated as one loss_grad from logits.
// CHECK-LABEL: func.func @cnn_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x28x28x1xf32>, %[[K1:.*]]: tensor<3x3x1x8xf32> {kiln.trainable}, %[[K2:.*]]: tensor<3x3x8x4xf32> {kiln.trainable}, %[[W:.*]]: tensor<784x10xf32> {kiln.trainable}, %[[Y:.*]]: tensor<?x10xf32>)
// CHECK: %[[C1:.*]] = kiln.conv2d %[[X]], %[[K1]] strides = [1, 1] padding = same
// CHECK: %[[R1:.*]] = kiln.relu %[[C1]]
// CHECK: %[[C2:.*]] = kiln.conv2d %[[R1]], %[[K2]] strides = [2, 2] padding = same
// CHECK: %[[F:.*]] = kiln.reshape %[[C2]] : tensor<?x14x14x4xf32> -> tensor<?x784xf32>
// CHECK: %[[Z:.*]] = kiln.dense %[[F]], %[[W]]
// CHECK-NOT: kiln.softmax
// CHECK: kiln.categorical_crossentropy %[[Y]], %[[Z]] from_logits
// CHECK: %[[DZ:.*]] = kiln.loss_grad %[[Y]], %[[Z]], %{{.*}} kind = categorical_crossentropy from_logits
// CHECK: %[[DF:.*]] = kiln.matmul %[[DZ]], %[[W]] transpose_rhs
// CHECK: %[[DW:.*]] = kiln.matmul %[[F]], %[[DZ]] transpose_lhs
// CHECK: %[[DC2:.*]] = kiln.reshape %[[DF]] : tensor<?x784xf32> -> tensor<?x14x14x4xf32>
// CHECK: %[[DR1:.*]] = kiln.conv2d_input_grad %[[DC2]], %[[K2]] strides = [2, 2] padding = same : tensor<?x14x14x4xf32>, tensor<3x3x8x4xf32> -> tensor<?x28x28x8xf32>
// CHECK: %[[DK2:.*]] = kiln.conv2d_kernel_grad %[[R1]], %[[DC2]] strides = [2, 2] padding = same : tensor<?x28x28x8xf32>, tensor<?x14x14x4xf32> -> tensor<3x3x8x4xf32>
// CHECK: %[[DC1:.*]] = kiln.relu_grad %[[DR1]], %[[R1]]
// CHECK: %[[DK1:.*]] = kiln.conv2d_kernel_grad %[[X]], %[[DC1]] strides = [1, 1] padding = same
// CHECK: return %{{.*}}, %[[DK1]], %[[DK2]], %[[DW]]
// CLEAN-LABEL: func.func @cnn_grad
// CLEAN-COUNT-1: kiln.conv2d_input_grad
// CLEAN-NOT: kiln.conv2d_input_grad
// CLEAN: return
func.func @cnn(%x: tensor<?x28x28x1xf32>, %k1: tensor<3x3x1x8xf32> {kiln.trainable},
               %k2: tensor<3x3x8x4xf32> {kiln.trainable}, %w: tensor<784x10xf32> {kiln.trainable},
               %y: tensor<?x10xf32>) -> tensor<f32> {
  %0 = kiln.conv2d %x, %k1 strides = [1, 1] padding = same : tensor<?x28x28x1xf32>, tensor<3x3x1x8xf32>
  %1 = kiln.relu %0 : tensor<?x28x28x8xf32>
  %2 = kiln.conv2d %1, %k2 strides = [2, 2] padding = same : tensor<?x28x28x8xf32>, tensor<3x3x8x4xf32>
  %3 = kiln.reshape %2 : tensor<?x14x14x4xf32> -> tensor<?x784xf32>
  %4 = kiln.dense %3, %w : tensor<?x784xf32>, tensor<784x10xf32>
  %5 = kiln.softmax %4 axis = -1 : tensor<?x10xf32>
  %l = kiln.categorical_crossentropy %y, %5 : tensor<?x10xf32>, tensor<?x10xf32>
  return %l : tensor<f32>
}

// -----
// Tests that the input adjoint is built when the input itself is trainable.
// CHECK-LABEL: func.func @conv_input_grad
// CHECK-SAME: (%[[X:.*]]: tensor<1x5x5x2xf32> {kiln.trainable}, %[[K:.*]]: tensor<2x2x2x3xf32>)
// CHECK: %[[G:.*]] = kiln.broadcast_like %{{.*}} : tensor<f32>, tensor<1x4x4x3xf32>
// CHECK: %[[DX:.*]] = kiln.conv2d_input_grad %[[G]], %[[K]] strides = [1, 1] padding = valid : tensor<1x4x4x3xf32>, tensor<2x2x2x3xf32> -> tensor<1x5x5x2xf32>
// CHECK-NOT: kiln.conv2d_kernel_grad
// CHECK: return %{{.*}}, %[[DX]] : tensor<f32>, tensor<1x5x5x2xf32>
// CLEAN-LABEL: func.func @conv_input_grad
// CLEAN: kiln.conv2d_input_grad
func.func @conv_input(%x: tensor<1x5x5x2xf32> {kiln.trainable}, %k: tensor<2x2x2x3xf32>) -> tensor<f32> {
  %0 = kiln.conv2d %x, %k strides = [1, 1] padding = valid : tensor<1x5x5x2xf32>, tensor<2x2x2x3xf32>
  %1 = kiln.reduce_sum %0 axes = [0, 1, 2, 3] : tensor<1x4x4x3xf32>
  return %1 : tensor<f32>
}
