// RUN: kiln-opt %s --split-input-file | FileCheck %s
// RUN: kiln-opt %s --split-input-file | kiln-opt --split-input-file | FileCheck %s
// RUN: kiln-opt %s --split-input-file --mlir-print-op-generic | kiln-opt --split-input-file | FileCheck %s

// Tests that a dense layer with and without bias prints its inferred shape.
// CHECK-LABEL: func.func @dense
func.func @dense(%x: tensor<?x784xf32>, %w: tensor<784x300xf32>, %b: tensor<300xf32>) -> (tensor<?x300xf32>, tensor<?x300xf32>) {
  // CHECK: kiln.dense %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x784xf32>, tensor<784x300xf32>, tensor<300xf32>
  %0 = kiln.dense %x, %w, %b : tensor<?x784xf32>, tensor<784x300xf32>, tensor<300xf32>
  // CHECK: kiln.dense %{{.*}}, %{{.*}} : tensor<?x784xf32>, tensor<784x300xf32>
  %1 = kiln.dense %x, %w : tensor<?x784xf32>, tensor<784x300xf32>
  return %0, %1 : tensor<?x300xf32>, tensor<?x300xf32>
}

// -----
// Tests dense on a rank-3 input, contracting the last axis.
// CHECK-LABEL: func.func @dense_rank3
func.func @dense_rank3(%x: tensor<?x5x8xf32>, %w: tensor<8x3xf32>) -> tensor<?x5x3xf32> {
  // CHECK: kiln.dense
  %0 = kiln.dense %x, %w : tensor<?x5x8xf32>, tensor<8x3xf32>
  return %0 : tensor<?x5x3xf32>
}

// -----
// Tests matmul, its transposed forms and the batched form.
// CHECK-LABEL: func.func @matmul
func.func @matmul(%a: tensor<?x4xf32>, %b: tensor<4x8xf32>, %c: tensor<?x8xf32>, %d: tensor<2x3x4xf32>, %e: tensor<2x4x5xf32>)
    -> (tensor<?x8xf32>, tensor<4x8xf32>, tensor<?x4xf32>, tensor<2x3x5xf32>) {
  // CHECK: kiln.matmul %{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<4x8xf32>
  %0 = kiln.matmul %a, %b : tensor<?x4xf32>, tensor<4x8xf32>
  // CHECK: kiln.matmul %{{.*}}, %{{.*}} transpose_lhs : tensor<?x4xf32>, tensor<?x8xf32>
  %1 = kiln.matmul %a, %c transpose_lhs : tensor<?x4xf32>, tensor<?x8xf32>
  // CHECK: kiln.matmul %{{.*}}, %{{.*}} transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %2 = kiln.matmul %c, %b transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  // CHECK: kiln.matmul %{{.*}}, %{{.*}} : tensor<2x3x4xf32>, tensor<2x4x5xf32>
  %3 = kiln.matmul %d, %e : tensor<2x3x4xf32>, tensor<2x4x5xf32>
  return %0, %1, %2, %3 : tensor<?x8xf32>, tensor<4x8xf32>, tensor<?x4xf32>, tensor<2x3x5xf32>
}

// -----
// Tests the four broadcasting binary ops.
// CHECK-LABEL: func.func @binary
func.func @binary(%a: tensor<?x300xf32>, %b: tensor<300xf32>, %c: tensor<?x1xf32>) -> (tensor<?x300xf32>, tensor<?x300xf32>, tensor<?x300xf32>, tensor<?x300xf32>) {
  // CHECK: kiln.add %{{.*}}, %{{.*}} : tensor<?x300xf32>, tensor<300xf32>
  %0 = kiln.add %a, %b : tensor<?x300xf32>, tensor<300xf32>
  // CHECK: kiln.sub %{{.*}}, %{{.*}} : tensor<300xf32>, tensor<?x300xf32>
  %1 = kiln.sub %b, %a : tensor<300xf32>, tensor<?x300xf32>
  // CHECK: kiln.mul %{{.*}}, %{{.*}} : tensor<?x300xf32>, tensor<?x1xf32>
  %2 = kiln.mul %a, %c : tensor<?x300xf32>, tensor<?x1xf32>
  // CHECK: kiln.div %{{.*}}, %{{.*}} : tensor<?x300xf32>, tensor<?x300xf32>
  %3 = kiln.div %a, %a : tensor<?x300xf32>, tensor<?x300xf32>
  return %0, %1, %2, %3 : tensor<?x300xf32>, tensor<?x300xf32>, tensor<?x300xf32>, tensor<?x300xf32>
}

// -----
// Tests reshape (Flatten) and transpose.
// CHECK-LABEL: func.func @shape_ops
func.func @shape_ops(%x: tensor<?x28x28xf32>, %w: tensor<784x300xf32>) -> (tensor<?x784xf32>, tensor<300x784xf32>) {
  // CHECK: kiln.reshape %{{.*}} : tensor<?x28x28xf32> -> tensor<?x784xf32>
  %0 = kiln.reshape %x : tensor<?x28x28xf32> -> tensor<?x784xf32>
  // CHECK: kiln.transpose %{{.*}} permutation = [1, 0] : tensor<784x300xf32>
  %1 = kiln.transpose %w permutation = [1, 0] : tensor<784x300xf32>
  return %0, %1 : tensor<?x784xf32>, tensor<300x784xf32>
}

// -----
// Tests the reductions with and without keepdims and with a negative axis.
// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<?x10xf32>) -> (tensor<?xf32>, tensor<?x1xf32>, tensor<f32>) {
  // CHECK: kiln.reduce_sum %{{.*}} axes = [1] : tensor<?x10xf32>
  %0 = kiln.reduce_sum %x axes = [1] : tensor<?x10xf32>
  // CHECK: kiln.reduce_max %{{.*}} axes = [-1] keepdims : tensor<?x10xf32>
  %1 = kiln.reduce_max %x axes = [-1] keepdims : tensor<?x10xf32>
  // CHECK: kiln.reduce_mean %{{.*}} axes = [0, 1] : tensor<?x10xf32>
  %2 = kiln.reduce_mean %x axes = [0, 1] : tensor<?x10xf32>
  return %0, %1, %2 : tensor<?xf32>, tensor<?x1xf32>, tensor<f32>
}

// -----
// Tests argmax (the axis removed) and the comparisons and extrema, which
// broadcast as the arithmetic does.
// CHECK-LABEL: func.func @argmax_compare
func.func @argmax_compare(%x: tensor<?x10xf32>, %b: tensor<10xf32>) -> (tensor<?xf32>, tensor<10xf32>, tensor<?x10xf32>, tensor<?x10xf32>) {
  // CHECK: kiln.argmax %{{.*}} axis = -1 : tensor<?x10xf32>
  %0 = kiln.argmax %x axis = -1 : tensor<?x10xf32>
  // CHECK: kiln.argmax %{{.*}} axis = 0 : tensor<?x10xf32>
  %1 = kiln.argmax %x axis = 0 : tensor<?x10xf32>
  // CHECK: kiln.greater_equal %{{.*}}, %{{.*}} : tensor<?x10xf32>, tensor<10xf32>
  %2 = kiln.greater_equal %x, %b : tensor<?x10xf32>, tensor<10xf32>
  // CHECK: kiln.maximum %{{.*}}, %{{.*}} : tensor<?x10xf32>, tensor<10xf32>
  %3 = kiln.maximum %x, %b : tensor<?x10xf32>, tensor<10xf32>
  return %0, %1, %2, %3 : tensor<?xf32>, tensor<10xf32>, tensor<?x10xf32>, tensor<?x10xf32>
}

// -----
// Tests conv2d with valid and same padding, strides and an optional bias.
// CHECK-LABEL: func.func @conv2d
func.func @conv2d(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x32xf32>, %b: tensor<32xf32>) -> (tensor<?x26x26x32xf32>, tensor<?x14x14x32xf32>) {
  // CHECK: kiln.conv2d %{{.*}}, %{{.*}}, %{{.*}} strides = [1, 1] padding = valid : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>
  %0 = kiln.conv2d %x, %k, %b strides = [1, 1] padding = valid : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>
  // CHECK: kiln.conv2d %{{.*}}, %{{.*}} strides = [2, 2] padding = same : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>
  %1 = kiln.conv2d %x, %k strides = [2, 2] padding = same : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>
  return %0, %1 : tensor<?x26x26x32xf32>, tensor<?x14x14x32xf32>
}

// -----
// Tests max_pool2d with valid and same padding on an odd size.
// CHECK-LABEL: func.func @max_pool2d
func.func @max_pool2d(%x: tensor<?x11x11x8xf32>) -> (tensor<?x5x5x8xf32>, tensor<?x6x6x8xf32>) {
  // CHECK: kiln.max_pool2d %{{.*}} pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x11x11x8xf32>
  %0 = kiln.max_pool2d %x pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x11x11x8xf32>
  // CHECK: kiln.max_pool2d %{{.*}} pool_size = [2, 2] strides = [2, 2] padding = same : tensor<?x11x11x8xf32>
  %1 = kiln.max_pool2d %x pool_size = [2, 2] strides = [2, 2] padding = same : tensor<?x11x11x8xf32>
  return %0, %1 : tensor<?x5x5x8xf32>, tensor<?x6x6x8xf32>
}

// -----
// Tests every activation and elementwise math op.
// CHECK-LABEL: func.func @activations
func.func @activations(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  // CHECK: kiln.relu %{{.*}} : tensor<?x10xf32>
  %0 = kiln.relu %x : tensor<?x10xf32>
  // CHECK: kiln.sigmoid %{{.*}} : tensor<?x10xf32>
  %1 = kiln.sigmoid %0 : tensor<?x10xf32>
  // CHECK: kiln.tanh %{{.*}} : tensor<?x10xf32>
  %2 = kiln.tanh %1 : tensor<?x10xf32>
  // CHECK: kiln.exp %{{.*}} : tensor<?x10xf32>
  %3 = kiln.exp %2 : tensor<?x10xf32>
  // CHECK: kiln.log %{{.*}} : tensor<?x10xf32>
  %4 = kiln.log %3 : tensor<?x10xf32>
  // CHECK: kiln.softmax %{{.*}} axis = -1 : tensor<?x10xf32>
  %5 = kiln.softmax %4 axis = -1 : tensor<?x10xf32>
  return %5 : tensor<?x10xf32>
}

// -----
// Tests every loss; sparse labels as i32, i64, f32 and with a trailing 1.
// CHECK-LABEL: func.func @losses
func.func @losses(%y: tensor<?x10xf32>, %p: tensor<?x10xf32>, %l32: tensor<?xi32>, %l64: tensor<?x1xi64>, %lf: tensor<?xf32>) -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  // CHECK: kiln.mse %{{.*}}, %{{.*}} : tensor<?x10xf32>, tensor<?x10xf32>
  %0 = kiln.mse %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  // CHECK: kiln.mae
  %1 = kiln.mae %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  // CHECK: kiln.binary_crossentropy
  %2 = kiln.binary_crossentropy %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  // CHECK: kiln.categorical_crossentropy
  %3 = kiln.categorical_crossentropy %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  // CHECK: kiln.sparse_categorical_crossentropy %{{.*}}, %{{.*}} : tensor<?xi32>, tensor<?x10xf32>
  %4 = kiln.sparse_categorical_crossentropy %l32, %p : tensor<?xi32>, tensor<?x10xf32>
  // CHECK: kiln.sparse_categorical_crossentropy %{{.*}}, %{{.*}} : tensor<?x1xi64>, tensor<?x10xf32>
  %5 = kiln.sparse_categorical_crossentropy %l64, %p : tensor<?x1xi64>, tensor<?x10xf32>
  // CHECK: kiln.sparse_categorical_crossentropy %{{.*}}, %{{.*}} : tensor<?xf32>, tensor<?x10xf32>
  %6 = kiln.sparse_categorical_crossentropy %lf, %p : tensor<?xf32>, tensor<?x10xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
}

// -----
// Tests concatenate along the feature axis with a dynamic batch.
// CHECK-LABEL: func.func @concatenate
func.func @concatenate(%a: tensor<?x32xf32>, %b: tensor<?x16xf32>) -> tensor<?x48xf32> {
  // CHECK: kiln.concatenate %{{.*}}, %{{.*}} axis = 1 : tensor<?x32xf32>, tensor<?x16xf32>
  %0 = kiln.concatenate %a, %b axis = 1 : tensor<?x32xf32>, tensor<?x16xf32>
  return %0 : tensor<?x48xf32>
}

// -----

// CHECK-LABEL: func.func @hard_sigmoid
func.func @hard_sigmoid(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // CHECK: %[[Y:.*]] = kiln.hard_sigmoid %{{.*}} slope = 2.000000e-01 : tensor<?x8xf32>
  %y = kiln.hard_sigmoid %x slope = 0.2 : tensor<?x8xf32>
  // CHECK: kiln.hard_sigmoid_grad %{{.*}}, %[[Y]] slope = 2.000000e-01 : tensor<?x8xf32>
  %dx = kiln.hard_sigmoid_grad %dy, %y slope = 0.2 : tensor<?x8xf32>
  return %dx : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @reverse
func.func @reverse(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  // CHECK: kiln.reverse %{{.*}} axis = 0 : tensor<?x?x8xf32>
  %y = kiln.reverse %x axis = 0 : tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----
// Tests the data-parallel collective in both modes.
// CHECK-LABEL: func.func @all_reduce
func.func @all_reduce(%b: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>) {
  // CHECK: kiln.all_reduce %{{.*}} mode = mean : tensor<16xf32>
  %0 = kiln.all_reduce %b mode = mean : tensor<16xf32>
  // CHECK: kiln.all_reduce %{{.*}} mode = sum : tensor<16xf32>
  %1 = kiln.all_reduce %0 mode = sum : tensor<16xf32>
  return %0, %1 : tensor<16xf32>, tensor<16xf32>
}
