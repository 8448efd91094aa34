// RUN: kiln-opt %s --split-input-file --kiln-make-steps="optimizer=adam" | FileCheck %s --check-prefix=ADAM
// RUN: kiln-opt %s --split-input-file --kiln-make-steps | FileCheck %s --check-prefix=SGD
// RUN: kiln-opt %s --split-input-file --kiln-make-steps="optimizer=sgd momentum=0.9 nesterov=true learning-rate=0.1" | FileCheck %s --check-prefix=MOM
// RUN: kiln-opt %s --split-input-file --kiln-make-steps="optimizer=rmsprop" | FileCheck %s --check-prefix=RMS
// RUN: kiln-opt %s --split-input-file --kiln-make-steps="optimizer=adagrad" | FileCheck %s --check-prefix=ADAGRAD

// Tests that a model with two trainable parameters gets train, eval and
// predict steps whose parameters and optimizer state are updated in place,
// each with its argument layout recorded (kiln.step_layout).
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

// ADAM: func.func private @forward
// ADAM: func.func private @loss
// Adam: params, then all first moments, then all second moments, the step counter, the batch, the results.
// ADAM-LABEL: func.func @train_step
// ADAM-SAME: (%[[W:.*]]: memref<4x2xf32>, %[[B:.*]]: memref<2xf32>, %[[MW:.*]]: memref<4x2xf32>, %[[MB:.*]]: memref<2xf32>, %[[VW:.*]]: memref<4x2xf32>, %[[VB:.*]]: memref<2xf32>, %[[IT:.*]]: memref<i64>, %[[X:.*]]: memref<?x4xf32>, %[[Y:.*]]: memref<?xi32>, %[[OUT:.*]]: memref<2xf32>)
// ADAM-SAME: kiln.step_layout = {{\[}}["params", 2], ["slots", 4], ["iterations", 1], ["inputs", 1], ["targets", 1], ["results", 1]]
// ADAM-SAME: llvm.emit_c_interface
// ADAM-DAG: %[[WT:.*]] = bufferization.to_tensor %[[W]] restrict writable
// ADAM-DAG: %[[XT:.*]] = bufferization.to_tensor %[[X]] restrict :
// ADAM: %[[G:.*]]:4 = kiln.value_and_grad @loss(%[[WT]], %{{.*}}, %[[XT]], %{{.*}})
// ADAM: %[[STEP:.*]] = memref.load %[[IT]][]
// ADAM: %[[NW:.*]], %[[NM:.*]], %[[NV:.*]] = kiln.adam_update %[[WT]], %[[G]]#2, %{{.*}}, %{{.*}}, %[[STEP]] learning_rate = 1.000000e-03
// ADAM: bufferization.materialize_in_destination %[[NW]] in restrict writable %[[W]]
// ADAM: bufferization.materialize_in_destination %[[NM]] in restrict writable %[[MW]]
// ADAM: bufferization.materialize_in_destination %[[NV]] in restrict writable %[[VW]]
// ADAM: kiln.adam_update %{{.*}}, %[[G]]#3
// ADAM: %[[NEXT:.*]] = arith.addi %[[STEP]], %{{.*}} : i64
// ADAM: memref.store %[[NEXT]], %[[IT]][]
// ADAM: %[[L:.*]] = tensor.extract %[[G]]#0[]
// ADAM: memref.store %[[L]], %[[OUT]][%{{.*}}]
// ADAM: %[[A:.*]] = tensor.extract %[[G]]#1[]
// ADAM: memref.store %[[A]], %[[OUT]][%{{.*}}]
// ADAM-LABEL: func.func @eval_step
// ADAM-SAME: (%{{.*}}: memref<4x2xf32>, %{{.*}}: memref<2xf32>, %{{.*}}: memref<?x4xf32>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<2xf32>)
// ADAM-SAME: kiln.step_layout = {{\[}}["params", 2], ["inputs", 1], ["targets", 1], ["results", 1]]
// ADAM-NOT: writable
// ADAM: call @loss
// ADAM-LABEL: func.func @predict_step
// ADAM-SAME: (%{{.*}}: memref<4x2xf32>, %{{.*}}: memref<2xf32>, %{{.*}}: memref<?x4xf32>, %[[P:.*]]: memref<?x2xf32>)
// ADAM-SAME: kiln.step_layout = {{\[}}["params", 2], ["inputs", 1], ["outputs", 1]]
// ADAM: %[[R:.*]] = call @forward
// ADAM: bufferization.materialize_in_destination %[[R]] in restrict writable %[[P]]

// Plain SGD has no state and uses Keras's default learning rate 0.01.
// SGD-LABEL: func.func @train_step
// SGD-SAME: (%{{.*}}: memref<4x2xf32>, %{{.*}}: memref<2xf32>, %{{.*}}: memref<i64>, %{{.*}}: memref<?x4xf32>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<2xf32>)
// SGD: kiln.sgd_update %{{.*}}, %{{.*}} learning_rate = 0.00999999977 : tensor<4x2xf32>
// SGD: kiln.sgd_update %{{.*}}, %{{.*}} learning_rate = 0.00999999977 : tensor<2xf32>

// MOM-LABEL: func.func @train_step
// MOM-SAME: (%{{.*}}: memref<4x2xf32>, %{{.*}}: memref<2xf32>, %{{.*}}: memref<4x2xf32>, %{{.*}}: memref<2xf32>, %{{.*}}: memref<i64>
// MOM: kiln.sgd_momentum_update %{{.*}}, %{{.*}}, %{{.*}} learning_rate = 1.000000e-01 momentum = 0.899999976 nesterov : tensor<4x2xf32>

// RMS-LABEL: func.func @train_step
// RMS: kiln.rmsprop_update %{{.*}}, %{{.*}}, %{{.*}} learning_rate = 1.000000e-03 rho = 0.899999976 epsilon = 1.000000e-07 : tensor<4x2xf32>

// ADAGRAD-LABEL: func.func @train_step
// ADAGRAD: kiln.adagrad_update %{{.*}}, %{{.*}}, %{{.*}} learning_rate = 1.000000e-03 epsilon = 1.000000e-07 : tensor<4x2xf32>

// -----

// Tests that frozen (non-trainable) parameters are passed but not updated,
// and that a loss-only module gets no predict_step.
func.func @loss(%w: tensor<3xf32> {kiln.param, kiln.trainable}, %f: tensor<3xf32> {kiln.param}, %x: tensor<?x3xf32>, %y: tensor<?x3xf32>) -> tensor<f32> {
  %a = kiln.mul %x, %w : tensor<?x3xf32>, tensor<3xf32>
  %b = kiln.add %a, %f : tensor<?x3xf32>, tensor<3xf32>
  %l = kiln.mse %y, %b : tensor<?x3xf32>, tensor<?x3xf32>
  return %l : tensor<f32>
}
// SGD-LABEL: func.func @train_step
// SGD-SAME: (%[[W:.*]]: memref<3xf32>, %[[F:.*]]: memref<3xf32>, %{{.*}}: memref<i64>, %{{.*}}: memref<?x3xf32>, %{{.*}}: memref<?x3xf32>, %{{.*}}: memref<1xf32>)
// SGD-SAME: kiln.step_layout = {{\[}}["params", 2], ["slots", 0], ["iterations", 1], ["inputs", 1], ["targets", 1], ["results", 1]]
// SGD: kiln.value_and_grad @loss({{.*}}) : ({{.*}}) -> (tensor<f32>, tensor<3xf32>)
// SGD-COUNT-1: kiln.sgd_update
// SGD-NOT: materialize_in_destination {{.*}} %[[F]]
// SGD-LABEL: func.func @eval_step
// SGD-NOT: predict_step
