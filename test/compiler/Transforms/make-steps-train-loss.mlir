// RUN: kiln-opt %s --split-input-file --verify-diagnostics --kiln-make-steps | FileCheck %s

// Tests that a model with @train_loss trains on it: train_step passes the
// step counter as its kiln.step argument, writes the state update (the new
// moving statistic, parameter #1) back into that parameter's buffer in
// place, and stores only the scalars; eval_step still calls @loss.
func.func @loss(%w: tensor<4xf32> {kiln.param, kiln.trainable}, %m: tensor<4xf32> {kiln.param},
                %x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %c = kiln.sub %x, %m : tensor<?x4xf32>, tensor<4xf32>
  %p = kiln.mul %c, %w : tensor<?x4xf32>, tensor<4xf32>
  %l = kiln.mse %y, %p : tensor<?x4xf32>, tensor<?x4xf32>
  return %l : tensor<f32>
}
func.func @train_loss(%w: tensor<4xf32> {kiln.param, kiln.trainable}, %m: tensor<4xf32> {kiln.param},
                      %x: tensor<?x4xf32>, %y: tensor<?x4xf32>, %step: tensor<i64> {kiln.step})
    -> (tensor<f32>, tensor<4xf32>) attributes {kiln.state_updates = array<i64: 1>} {
  %mean = kiln.reduce_mean %x axes = [0] : tensor<?x4xf32>
  %c = kiln.sub %x, %mean : tensor<?x4xf32>, tensor<4xf32>
  %d = kiln.dropout %c, %step rate = 0.5 seed = 3 : tensor<?x4xf32>, tensor<i64>
  %p = kiln.mul %d, %w : tensor<?x4xf32>, tensor<4xf32>
  %l = kiln.mse %y, %p : tensor<?x4xf32>, tensor<?x4xf32>
  return %l, %mean : tensor<f32>, tensor<4xf32>
}

// CHECK: func.func private @loss
// CHECK: func.func private @train_loss
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[W:.*]]: memref<4xf32>, %[[M:.*]]: memref<4xf32>, %[[IT:.*]]: memref<i64>, %[[LR:.*]]: memref<f32>, %[[X:.*]]: memref<?x4xf32>, %[[Y:.*]]: memref<?x4xf32>, %[[OUT:.*]]: memref<1xf32>)
// CHECK: %[[N:.*]] = memref.load %[[IT]][] : memref<i64>
// CHECK: %[[STEP:.*]] = tensor.from_elements %[[N]] : tensor<i64>
// CHECK: %[[R:.*]]:3 = kiln.value_and_grad @train_loss(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[STEP]])
// CHECK: kiln.sgd_update
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[W]]
// CHECK: bufferization.materialize_in_destination %[[R]]#1 in restrict writable %[[M]]
// CHECK: memref.store %{{.*}}, %[[IT]][]
// CHECK: tensor.extract %[[R]]#0[]
// CHECK-LABEL: func.func @eval_step
// CHECK: call @loss(

// -----
// Tests that a state update must name a non-trainable parameter.
func.func @loss(%w: tensor<4xf32> {kiln.param, kiln.trainable}, %x: tensor<?x4xf32>,
                %y: tensor<?x4xf32>) -> tensor<f32> {
  %p = kiln.mul %x, %w : tensor<?x4xf32>, tensor<4xf32>
  %l = kiln.mse %y, %p : tensor<?x4xf32>, tensor<?x4xf32>
  return %l : tensor<f32>
}
// expected-error @+1 {{kiln-make-steps: state update #0 names a trainable parameter (#0)}}
func.func @train_loss(%w: tensor<4xf32> {kiln.param, kiln.trainable}, %x: tensor<?x4xf32>,
                      %y: tensor<?x4xf32>) -> (tensor<f32>, tensor<4xf32>)
    attributes {kiln.state_updates = array<i64: 0>} {
  %p = kiln.mul %x, %w : tensor<?x4xf32>, tensor<4xf32>
  %l = kiln.mse %y, %p : tensor<?x4xf32>, tensor<?x4xf32>
  return %l, %w : tensor<f32>, tensor<4xf32>
}

// -----
// Tests that @train_loss must return what @loss returns.
func.func @loss(%w: tensor<4xf32> {kiln.param, kiln.trainable}, %x: tensor<?x4xf32>,
                %y: tensor<?x4xf32>) -> (tensor<f32>, tensor<f32>) {
  %p = kiln.mul %x, %w : tensor<?x4xf32>, tensor<4xf32>
  %l = kiln.mse %y, %p : tensor<?x4xf32>, tensor<?x4xf32>
  return %l, %l : tensor<f32>, tensor<f32>
}
// expected-error @+1 {{kiln-make-steps: @train_loss must take @loss's parameters, inputs and targets and return its loss and metrics}}
func.func @train_loss(%w: tensor<4xf32> {kiln.param, kiln.trainable}, %x: tensor<?x4xf32>,
                      %y: tensor<?x4xf32>) -> tensor<f32> {
  %p = kiln.mul %x, %w : tensor<?x4xf32>, tensor<4xf32>
  %l = kiln.mse %y, %p : tensor<?x4xf32>, tensor<?x4xf32>
  return %l : tensor<f32>
}
