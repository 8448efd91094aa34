// RUN: kiln-opt %s --split-input-file --kiln-make-steps | FileCheck %s

// Tests that a model with two trainable parameters gets train, eval and
// predict steps whose parameters and optimizer state are updated in place,
// each with its argument layout recorded (kiln.step_layout); the optimizer
// and its hyper-parameters come from the module's #kiln.optimizer.
module attributes {kiln.optimizer = #kiln.optimizer<kind = adam, learning_rate = 1.0e-03>} {
func.func @forward(%w: tensor<4x2xf32> {kiln.param}, %b: tensor<2xf32> {kiln.param}, %x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %h = kiln.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x2xf32>, tensor<2xf32>
  %p = kiln.softmax %h axis = -1 : tensor<?x2xf32>
  return %p : tensor<?x2xf32>
}
func.func @loss(%w: tensor<4x2xf32> {kiln.param, kiln.trainable}, %b: tensor<2xf32> {kiln.param, kiln.trainable}, %x: tensor<?x4xf32>, %y: tensor<?xi32>) -> (tensor<f32>, tensor<f32>) {
  %p = call @forward(%w, %b, %x) : (tensor<4x2xf32>, tensor<2xf32>, tensor<?x4xf32>) -> tensor<?x2xf32>
  %l = kiln.sparse_categorical_crossentropy %y, %p : tensor<?xi32>, tensor<?x2xf32>
  %a = kiln.sparse_categorical_accuracy %y, %p : tensor<?xi32>, tensor<?x2xf32>
  return %l, %a : tensor<f32>, tensor<f32>
}
}

// CHECK: func.func private @forward
// CHECK: func.func private @loss
// Adam: params, then all first moments, then all second moments, the step
// counter, the learning rate, the batch, the results.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[W:.*]]: memref<4x2xf32>, %[[B:.*]]: memref<2xf32>, %[[MW:.*]]: memref<4x2xf32>, %[[MB:.*]]: memref<2xf32>, %[[VW:.*]]: memref<4x2xf32>, %[[VB:.*]]: memref<2xf32>, %[[IT:.*]]: memref<i64>, %[[LR:.*]]: memref<f32>, %[[X:.*]]: memref<?x4xf32>, %[[Y:.*]]: memref<?xi32>, %[[OUT:.*]]: memref<2xf32>)
// CHECK-SAME: kiln.step_layout = {{\[}}["params", 2], ["slots", 4], ["iterations", 1], ["learning_rate", 1], ["inputs", 1], ["targets", 1], ["results", 1]]
// CHECK-SAME: llvm.emit_c_interface
// CHECK-DAG: %[[WT:.*]] = bufferization.to_tensor %[[W]] restrict writable
// CHECK-DAG: %[[XT:.*]] = bufferization.to_tensor %[[X]] restrict :
// CHECK: %[[STEP:.*]] = memref.load %[[IT]][]
// CHECK: %[[G:.*]]:4 = kiln.value_and_grad @loss(%[[WT]], %{{.*}}, %[[XT]], %{{.*}})
// CHECK: %[[RATE:.*]] = memref.load %[[LR]][]
// CHECK: %[[NW:.*]], %[[NM:.*]], %[[NV:.*]] = kiln.adam_update %[[WT]], %[[G]]#2, %{{.*}}, %{{.*}}, %[[STEP]] learning_rate %[[RATE]] beta_1 = 0.899999976 beta_2 = 9.990000e-01 epsilon = 1.000000e-07
// CHECK: bufferization.materialize_in_destination %[[NW]] in restrict writable %[[W]]
// CHECK: bufferization.materialize_in_destination %[[NM]] in restrict writable %[[MW]]
// CHECK: bufferization.materialize_in_destination %[[NV]] in restrict writable %[[VW]]
// CHECK: kiln.adam_update %{{.*}}, %[[G]]#3
// CHECK: %[[NEXT:.*]] = arith.addi %[[STEP]], %{{.*}} : i64
// CHECK: memref.store %[[NEXT]], %[[IT]][]
// CHECK: %[[L:.*]] = tensor.extract %[[G]]#0[]
// CHECK: memref.store %[[L]], %[[OUT]][%{{.*}}]
// CHECK: %[[A:.*]] = tensor.extract %[[G]]#1[]
// CHECK: memref.store %[[A]], %[[OUT]][%{{.*}}]
// CHECK-LABEL: func.func @eval_step
// CHECK-SAME: (%{{.*}}: memref<4x2xf32>, %{{.*}}: memref<2xf32>, %{{.*}}: memref<?x4xf32>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<2xf32>)
// CHECK-SAME: kiln.step_layout = {{\[}}["params", 2], ["inputs", 1], ["targets", 1], ["results", 1]]
// CHECK-NOT: writable
// CHECK: call @loss
// CHECK-LABEL: func.func @predict_step
// CHECK-SAME: (%{{.*}}: memref<4x2xf32>, %{{.*}}: memref<2xf32>, %{{.*}}: memref<?x4xf32>, %[[P:.*]]: memref<?x2xf32>)
// CHECK-SAME: kiln.step_layout = {{\[}}["params", 2], ["inputs", 1], ["outputs", 1]]
// CHECK: %[[R:.*]] = call @forward
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %[[P]]

// -----

// Tests that frozen (non-trainable) parameters are passed but not updated,
// that a loss-only module gets no predict_step, and that a module without
// #kiln.optimizer trains with plain SGD: no state, the rate from its
// argument.
func.func @loss(%w: tensor<3xf32> {kiln.param, kiln.trainable}, %f: tensor<3xf32> {kiln.param}, %x: tensor<?x3xf32>, %y: tensor<?x3xf32>) -> tensor<f32> {
  %a = kiln.mul %x, %w : tensor<?x3xf32>, tensor<3xf32>
  %b = kiln.add %a, %f : tensor<?x3xf32>, tensor<3xf32>
  %l = kiln.mse %y, %b : tensor<?x3xf32>, tensor<?x3xf32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[W:.*]]: memref<3xf32>, %[[F:.*]]: memref<3xf32>, %{{.*}}: memref<i64>, %[[LR:.*]]: memref<f32>, %{{.*}}: memref<?x3xf32>, %{{.*}}: memref<?x3xf32>, %{{.*}}: memref<1xf32>)
// CHECK-SAME: kiln.step_layout = {{\[}}["params", 2], ["slots", 0], ["iterations", 1], ["learning_rate", 1], ["inputs", 1], ["targets", 1], ["results", 1]]
// CHECK: kiln.value_and_grad @loss({{.*}}) : ({{.*}}) -> (tensor<f32>, tensor<3xf32>)
// CHECK: %[[RATE:.*]] = memref.load %[[LR]][]
// CHECK: kiln.sgd_update %{{.*}}, %{{.*}} learning_rate %[[RATE]] : tensor<3xf32>
// CHECK-NOT: kiln.sgd_update
// CHECK-NOT: materialize_in_destination {{.*}} %[[F]]
// CHECK-LABEL: func.func @eval_step
// CHECK-NOT: predict_step

// -----

// Tests SGD with Nesterov momentum: one velocity per parameter.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%{{.*}}: memref<4x2xf32>, %{{.*}}: memref<4x2xf32>, %{{.*}}: memref<i64>, %{{.*}}: memref<f32>
// CHECK-SAME: ["slots", 1]
// CHECK: kiln.sgd_momentum_update %{{.*}}, %{{.*}}, %{{.*}} learning_rate %{{.*}} momentum = 0.899999976 nesterov : tensor<4x2xf32>
module attributes {kiln.optimizer = #kiln.optimizer<kind = sgd, learning_rate = 0.1, momentum = 0.9, nesterov = true>} {
func.func @loss(%w: tensor<4x2xf32> {kiln.param, kiln.trainable}, %x: tensor<?x4xf32>, %y: tensor<?x2xf32>) -> tensor<f32> {
  %p = kiln.dense %x, %w : tensor<?x4xf32>, tensor<4x2xf32>
  %l = kiln.mse %y, %p : tensor<?x2xf32>, tensor<?x2xf32>
  return %l : tensor<f32>
}
}

// -----

// Tests RMSprop with Keras's defaults.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: ["slots", 1]
// CHECK: kiln.rmsprop_update %{{.*}}, %{{.*}}, %{{.*}} learning_rate %{{.*}} rho = 0.899999976 epsilon = 1.000000e-07 : tensor<4x2xf32>
module attributes {kiln.optimizer = #kiln.optimizer<kind = rmsprop, learning_rate = 1.0e-03>} {
func.func @loss(%w: tensor<4x2xf32> {kiln.param, kiln.trainable}, %x: tensor<?x4xf32>, %y: tensor<?x2xf32>) -> tensor<f32> {
  %p = kiln.dense %x, %w : tensor<?x4xf32>, tensor<4x2xf32>
  %l = kiln.mse %y, %p : tensor<?x2xf32>, tensor<?x2xf32>
  return %l : tensor<f32>
}
}

// -----

// Tests Adagrad with its own epsilon.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: ["slots", 1]
// CHECK: kiln.adagrad_update %{{.*}}, %{{.*}}, %{{.*}} learning_rate %{{.*}} epsilon = 9.99999974E-5 : tensor<4x2xf32>
module attributes {kiln.optimizer = #kiln.optimizer<kind = adagrad, learning_rate = 1.0e-03, epsilon = 1.0e-04>} {
func.func @loss(%w: tensor<4x2xf32> {kiln.param, kiln.trainable}, %x: tensor<?x4xf32>, %y: tensor<?x2xf32>) -> tensor<f32> {
  %p = kiln.dense %x, %w : tensor<?x4xf32>, tensor<4x2xf32>
  %l = kiln.mse %y, %p : tensor<?x2xf32>, tensor<?x2xf32>
  return %l : tensor<f32>
}
}


// -----

// Tests that a module with @forward alone (a model never compiled, as kilnc
// builds it for prediction) gets predict_step alone.
module {
func.func @forward(%w: tensor<4x2xf32> {kiln.param}, %b: tensor<2xf32> {kiln.param}, %x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %h = kiln.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x2xf32>, tensor<2xf32>
  return %h : tensor<?x2xf32>
}
}

// CHECK: func.func private @forward
// CHECK-NOT: @train_step
// CHECK-NOT: @eval_step
// CHECK-LABEL: func.func @predict_step
// CHECK-SAME: (%[[W:.*]]: memref<4x2xf32>, %[[B:.*]]: memref<2xf32>, %[[X:.*]]: memref<?x4xf32>, %[[OUT:.*]]: memref<?x2xf32>)
// CHECK-SAME: kiln.step_layout = {{\[}}["params", 2], ["inputs", 1], ["outputs", 1]]
// CHECK: %[[R:.*]] = call @forward
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %[[OUT]]

// -----

// Tests that a metric result larger than a scalar (the confusion counts of
// Keras's Precision, AUC, ...) fills its elements of the results buffer,
// row-major, after the scalars before it: the buffer holds 1 + 1 + 4x2 floats.
func.func @loss(%w: tensor<4x1xf32> {kiln.param, kiln.trainable}, %x: tensor<?x4xf32>, %y: tensor<?x1xf32>) -> (tensor<f32>, tensor<f32>, tensor<4x2xf32>) {
  %z = kiln.matmul %x, %w : tensor<?x4xf32>, tensor<4x1xf32>
  %p = kiln.sigmoid %z : tensor<?x1xf32>
  %l = kiln.binary_crossentropy %y, %p : tensor<?x1xf32>, tensor<?x1xf32>
  %a = kiln.binary_accuracy %y, %p threshold = 0.5 : tensor<?x1xf32>, tensor<?x1xf32>
  %c = kiln.confusion_counts %y, %p thresholds = [0.25, 0.5] : tensor<?x1xf32>, tensor<?x1xf32>
  return %l, %a, %c : tensor<f32>, tensor<f32>, tensor<4x2xf32>
}

// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[OUT:[^:]*]]: memref<10xf32>)
// CHECK: %[[G:.*]]:4 = kiln.value_and_grad @loss
// CHECK: memref.store %{{.*}}, %[[OUT]][%{{.*}}]
// CHECK: memref.store %{{.*}}, %[[OUT]][%{{.*}}]
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[G]]#2 {{\[\[}}0, 1]] : tensor<4x2xf32> into tensor<8xf32>
// CHECK: %[[SLOT:.*]] = memref.subview %[[OUT]][2] [8] [1] : memref<10xf32> to memref<8xf32, strided<[1], offset: 2>>
// CHECK: bufferization.materialize_in_destination %[[FLAT]] in restrict writable %[[SLOT]]
// CHECK-LABEL: func.func @eval_step
// CHECK-SAME: memref<10xf32>)
// CHECK: %[[R:.*]]:3 = call @loss
// CHECK: tensor.collapse_shape %[[R]]#2
// CHECK: memref.subview %{{.*}}[2] [8] [1]
