// RUN: kiln-opt %s --split-input-file --kiln-make-steps --kiln-data-parallel | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-make-steps --kiln-data-parallel=bucket-bytes=40 | FileCheck %s --check-prefix=SMALL
// RUN: kiln-opt %s --split-input-file --kiln-make-steps --kiln-data-parallel --kiln-lower-to-linalg --kiln-bufferize | FileCheck %s --check-prefix=CALL

// Tests that the gradients of @train_step are packed (flattened, in order)
// into one bucket, reduced by one kiln.all_reduce, and that the optimizer
// updates read the reduced values sliced back out, while the packing reads
// the replica's own gradients. With 40-byte buckets the 32-byte kernel
// gradient and the 8-byte bias gradient fit one bucket... and a third,
// larger parameter goes alone.
module attributes {kiln.optimizer = #kiln.optimizer<kind = sgd, learning_rate = 1.0e-01>} {
func.func @forward(%w: tensor<4x2xf32> {kiln.param}, %b: tensor<2xf32> {kiln.param}, %v: tensor<2x3xf32> {kiln.param}, %x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %h = kiln.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x2xf32>, tensor<2xf32>
  %o = kiln.dense %h, %v : tensor<?x2xf32>, tensor<2x3xf32>
  return %o : tensor<?x3xf32>
}
func.func @loss(%w: tensor<4x2xf32> {kiln.param, kiln.trainable}, %b: tensor<2xf32> {kiln.param, kiln.trainable}, %v: tensor<2x3xf32> {kiln.param, kiln.trainable}, %x: tensor<?x4xf32>, %y: tensor<?x3xf32>) -> tensor<f32> {
  %p = call @forward(%w, %b, %v, %x) : (tensor<4x2xf32>, tensor<2xf32>, tensor<2x3xf32>, tensor<?x4xf32>) -> tensor<?x3xf32>
  %l = kiln.mse %y, %p : tensor<?x3xf32>, tensor<?x3xf32>
  return %l : tensor<f32>
}
}

// CHECK-LABEL: func.func @train_step
// CHECK: %[[G:.*]]:4 = kiln.value_and_grad @loss(
// CHECK: %[[F0:.*]] = kiln.reshape %[[G]]#1 : tensor<4x2xf32> -> tensor<8xf32>
// CHECK: %[[F2:.*]] = kiln.reshape %[[G]]#3 : tensor<2x3xf32> -> tensor<6xf32>
// CHECK: %[[B:.*]] = kiln.concatenate %[[F0]], %[[G]]#2, %[[F2]] axis = 0 : tensor<8xf32>, tensor<2xf32>, tensor<6xf32>
// CHECK: %[[R:.*]] = kiln.all_reduce %[[B]] mode = mean : tensor<16xf32>
// CHECK: %[[S0:.*]] = tensor.extract_slice %[[R]][0] [8] [1] : tensor<16xf32> to tensor<8xf32>
// CHECK: %[[R0:.*]] = kiln.reshape %[[S0]] : tensor<8xf32> -> tensor<4x2xf32>
// CHECK: %[[R1:.*]] = tensor.extract_slice %[[R]][8] [2] [1] : tensor<16xf32> to tensor<2xf32>
// CHECK: %[[S2:.*]] = tensor.extract_slice %[[R]][10] [6] [1] : tensor<16xf32> to tensor<6xf32>
// CHECK: %[[R2:.*]] = kiln.reshape %[[S2]] : tensor<6xf32> -> tensor<2x3xf32>
// CHECK-NOT: kiln.all_reduce
// CHECK: kiln.sgd_update %{{.*}}, %[[R0]] learning_rate
// CHECK: kiln.sgd_update %{{.*}}, %[[R1]] learning_rate
// CHECK: kiln.sgd_update %{{.*}}, %[[R2]] learning_rate
// CHECK-LABEL: func.func @eval_step
// CHECK-NOT: kiln.all_reduce

// SMALL-LABEL: func.func @train_step
// SMALL: %[[G:.*]]:4 = kiln.value_and_grad @loss(
// SMALL: %[[F0:.*]] = kiln.reshape %[[G]]#1 : tensor<4x2xf32> -> tensor<8xf32>
// SMALL: %[[B:.*]] = kiln.concatenate %[[F0]], %[[G]]#2 axis = 0 : tensor<8xf32>, tensor<2xf32>
// SMALL: kiln.all_reduce %[[B]] mode = mean : tensor<10xf32>
// SMALL: %[[F2:.*]] = kiln.reshape %[[G]]#3 : tensor<2x3xf32> -> tensor<6xf32>
// SMALL: %[[R2:.*]] = kiln.all_reduce %[[F2]] mode = mean : tensor<6xf32>
// SMALL: kiln.reshape %[[R2]] : tensor<6xf32> -> tensor<2x3xf32>

// After bufferization each bucket is reduced in place by the runtime.
// CALL-LABEL: func.func @train_step
// CALL: %[[BUF:.*]] = memref.alloc() {{.*}}: memref<16xf32>
// CALL: %[[CAST:.*]] = memref.cast %[[BUF]] : memref<16xf32> to memref<?xf32, strided<[?], offset: ?>>
// CALL: call @kiln_all_reduce_f32(%[[CAST]], %{{.*}}) : (memref<?xf32, strided<[?], offset: ?>>, i32) -> ()
// CALL: func.func private @kiln_all_reduce_f32(memref<?xf32, strided<[?], offset: ?>>, i32)

// -----

// Tests that a state update (moving statistics, result #1 of @loss) is
// reduced with the gradients, so replicas keep the same state.
func.func @loss(%w: tensor<4xf32> {kiln.param, kiln.trainable}, %h: tensor<4xf32> {kiln.param},
                %x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> (tensor<f32>, tensor<4xf32>)
    attributes {kiln.state_updates = array<i64: 1>} {
  %p = kiln.mul %x, %w : tensor<?x4xf32>, tensor<4xf32>
  %m = kiln.reduce_mean %x axes = [0] : tensor<?x4xf32>
  %l = kiln.mse %y, %p : tensor<?x4xf32>, tensor<?x4xf32>
  return %l, %m : tensor<f32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[W:.*]]: memref<4xf32>, %[[H:.*]]: memref<4xf32>,
// CHECK: %[[G:.*]]:3 = kiln.value_and_grad @loss(
// CHECK: %[[B:.*]] = kiln.concatenate %[[G]]#1, %[[G]]#2 axis = 0 : tensor<4xf32>, tensor<4xf32>
// CHECK: %[[R:.*]] = kiln.all_reduce %[[B]] mode = mean : tensor<8xf32>
// CHECK: %[[S:.*]] = tensor.extract_slice %[[R]][0] [4] [1]
// CHECK: %[[D:.*]] = tensor.extract_slice %[[R]][4] [4] [1]
// CHECK: kiln.sgd_update %{{.*}}, %[[D]]
// CHECK: bufferization.materialize_in_destination %[[S]] in restrict writable %[[H]]
