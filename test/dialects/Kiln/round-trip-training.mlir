// RUN: kiln-opt %s --split-input-file | FileCheck %s
// RUN: kiln-opt %s --split-input-file | kiln-opt --split-input-file | FileCheck %s
// RUN: kiln-opt %s --split-input-file --mlir-print-op-generic | kiln-opt --split-input-file | FileCheck %s

// Tests the broadcasting pair used by gradients of broadcasting ops.
// CHECK-LABEL: func.func @broadcasting
func.func @broadcasting(%dy: tensor<?x300xf32>, %b: tensor<300xf32>, %s: tensor<?x1xf32>) -> (tensor<300xf32>, tensor<?x300xf32>) {
  // CHECK: kiln.reduce_like %{{.*}}, %{{.*}} : tensor<?x300xf32>, tensor<300xf32>
  %0 = kiln.reduce_like %dy, %b : tensor<?x300xf32>, tensor<300xf32>
  // CHECK: kiln.broadcast_like %{{.*}}, %{{.*}} : tensor<?x1xf32>, tensor<?x300xf32>
  %1 = kiln.broadcast_like %s, %dy : tensor<?x1xf32>, tensor<?x300xf32>
  return %0, %1 : tensor<300xf32>, tensor<?x300xf32>
}

// -----
// Tests the activation and reduction gradient ops.
// CHECK-LABEL: func.func @activation_grads
func.func @activation_grads(%dy: tensor<?x10xf32>, %x: tensor<?x10xf32>, %m: tensor<?xf32>, %dm: tensor<?xf32>) -> (tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>) {
  // CHECK: kiln.relu_grad %{{.*}}, %{{.*}} : tensor<?x10xf32>
  %0 = kiln.relu_grad %dy, %x : tensor<?x10xf32>
  // CHECK: kiln.sigmoid_grad %{{.*}}, %{{.*}} : tensor<?x10xf32>
  %1 = kiln.sigmoid_grad %dy, %x : tensor<?x10xf32>
  // CHECK: kiln.tanh_grad %{{.*}}, %{{.*}} : tensor<?x10xf32>
  %2 = kiln.tanh_grad %dy, %x : tensor<?x10xf32>
  // CHECK: kiln.softmax_grad %{{.*}}, %{{.*}} axis = -1 : tensor<?x10xf32>
  %3 = kiln.softmax_grad %dy, %x axis = -1 : tensor<?x10xf32>
  // CHECK: kiln.reduce_max_grad %{{.*}}, %{{.*}}, %{{.*}} axes = [1] : tensor<?xf32>, tensor<?x10xf32>, tensor<?xf32>
  %4 = kiln.reduce_max_grad %dm, %x, %m axes = [1] : tensor<?xf32>, tensor<?x10xf32>, tensor<?xf32>
  return %0, %1, %2, %3, %4 : tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>
}

// -----
// Tests the window gradient ops, including a strided same-padded conv.
// CHECK-LABEL: func.func @window_grads
func.func @window_grads(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x32xf32>, %dy: tensor<?x14x14x32xf32>, %p: tensor<?x26x26x32xf32>, %dp: tensor<?x13x13x32xf32>) -> (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<?x26x26x32xf32>) {
  // CHECK: kiln.conv2d_input_grad %{{.*}}, %{{.*}} strides = [2, 2] padding = same : tensor<?x14x14x32xf32>, tensor<3x3x1x32xf32> -> tensor<?x28x28x1xf32>
  %0 = kiln.conv2d_input_grad %dy, %k strides = [2, 2] padding = same : tensor<?x14x14x32xf32>, tensor<3x3x1x32xf32> -> tensor<?x28x28x1xf32>
  // CHECK: kiln.conv2d_kernel_grad %{{.*}}, %{{.*}} strides = [2, 2] padding = same : tensor<?x28x28x1xf32>, tensor<?x14x14x32xf32> -> tensor<3x3x1x32xf32>
  %1 = kiln.conv2d_kernel_grad %x, %dy strides = [2, 2] padding = same : tensor<?x28x28x1xf32>, tensor<?x14x14x32xf32> -> tensor<3x3x1x32xf32>
  // CHECK: kiln.max_pool2d_grad %{{.*}}, %{{.*}} pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x13x13x32xf32>, tensor<?x26x26x32xf32>
  %2 = kiln.max_pool2d_grad %dp, %p pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x13x13x32xf32>, tensor<?x26x26x32xf32>
  return %0, %1, %2 : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<?x26x26x32xf32>
}

// -----
// Tests loss gradients on probabilities and on logits, and from_logits losses.
// CHECK-LABEL: func.func @loss_grads
func.func @loss_grads(%y: tensor<?x10xf32>, %l: tensor<?xi32>, %p: tensor<?x10xf32>, %one: tensor<f32>) -> (tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  // CHECK: kiln.loss_grad %{{.*}}, %{{.*}}, %{{.*}} kind = mse : tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>
  %0 = kiln.loss_grad %y, %p, %one kind = mse : tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>
  // CHECK: kiln.loss_grad %{{.*}}, %{{.*}}, %{{.*}} kind = sparse_categorical_crossentropy from_logits : tensor<?xi32>, tensor<?x10xf32>, tensor<f32>
  %1 = kiln.loss_grad %l, %p, %one kind = sparse_categorical_crossentropy from_logits : tensor<?xi32>, tensor<?x10xf32>, tensor<f32>
  // CHECK: kiln.categorical_crossentropy %{{.*}}, %{{.*}} from_logits : tensor<?x10xf32>, tensor<?x10xf32>
  %2 = kiln.categorical_crossentropy %y, %p from_logits : tensor<?x10xf32>, tensor<?x10xf32>
  // CHECK: kiln.sparse_categorical_crossentropy %{{.*}}, %{{.*}} from_logits : tensor<?xi32>, tensor<?x10xf32>
  %3 = kiln.sparse_categorical_crossentropy %l, %p from_logits : tensor<?xi32>, tensor<?x10xf32>
  // CHECK: kiln.binary_crossentropy %{{.*}}, %{{.*}} from_logits : tensor<?x10xf32>, tensor<?x10xf32>
  %4 = kiln.binary_crossentropy %y, %p from_logits : tensor<?x10xf32>, tensor<?x10xf32>
  return %0, %1, %2, %3, %4 : tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>, tensor<f32>, tensor<f32>
}

// -----
// Tests every optimizer update.
// CHECK-LABEL: func.func @optimizers
// CHECK-SAME: %[[LR:[^:]*]]: f32)
func.func @optimizers(%p: tensor<300xf32>, %g: tensor<300xf32>, %s1: tensor<300xf32>, %s2: tensor<300xf32>, %it: i64, %lr: f32) -> (tensor<300xf32>, tensor<300xf32>, tensor<300xf32>, tensor<300xf32>, tensor<300xf32>) {
  // CHECK: kiln.sgd_update %{{.*}}, %{{.*}} learning_rate %[[LR]] : tensor<300xf32>
  %0 = kiln.sgd_update %p, %g learning_rate %lr : tensor<300xf32>
  // CHECK: kiln.sgd_momentum_update %{{.*}}, %{{.*}}, %{{.*}} learning_rate %[[LR]] momentum = 0.899999976 nesterov : tensor<300xf32>
  %1:2 = kiln.sgd_momentum_update %p, %g, %s1 learning_rate %lr momentum = 0.9 nesterov : tensor<300xf32>
  // CHECK: kiln.rmsprop_update %{{.*}}, %{{.*}}, %{{.*}} learning_rate %[[LR]] rho = 0.899999976 epsilon = 1.000000e-07 : tensor<300xf32>
  %2:2 = kiln.rmsprop_update %p, %g, %s1 learning_rate %lr rho = 0.9 epsilon = 1.0e-7 : tensor<300xf32>
  // CHECK: kiln.adam_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} learning_rate %[[LR]] beta_1 = 0.899999976 beta_2 = 9.990000e-01 epsilon = 1.000000e-07 : tensor<300xf32>
  %3:3 = kiln.adam_update %p, %g, %s1, %s2, %it learning_rate %lr beta_1 = 0.9 beta_2 = 0.999 epsilon = 1.0e-7 : tensor<300xf32>
  // CHECK: kiln.adagrad_update %{{.*}}, %{{.*}}, %{{.*}} learning_rate %[[LR]] epsilon = 1.000000e-07 : tensor<300xf32>
  %4:2 = kiln.adagrad_update %p, %g, %s1 learning_rate %lr epsilon = 1.0e-7 : tensor<300xf32>
  return %0, %1#0, %2#0, %3#0, %4#0 : tensor<300xf32>, tensor<300xf32>, tensor<300xf32>, tensor<300xf32>, tensor<300xf32>
}

// -----
// Tests the accuracy metrics.
// CHECK-LABEL: func.func @metrics
func.func @metrics(%y: tensor<?x10xf32>, %l: tensor<?x1xi64>, %p: tensor<?x10xf32>) -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  // CHECK: kiln.binary_accuracy %{{.*}}, %{{.*}} threshold = 5.000000e-01 : tensor<?x10xf32>, tensor<?x10xf32>
  %0 = kiln.binary_accuracy %y, %p threshold = 0.5 : tensor<?x10xf32>, tensor<?x10xf32>
  // CHECK: kiln.categorical_accuracy %{{.*}}, %{{.*}} : tensor<?x10xf32>, tensor<?x10xf32>
  %1 = kiln.categorical_accuracy %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  // CHECK: kiln.sparse_categorical_accuracy %{{.*}}, %{{.*}} : tensor<?x1xi64>, tensor<?x10xf32>
  %2 = kiln.sparse_categorical_accuracy %l, %p : tensor<?x1xi64>, tensor<?x10xf32>
  return %0, %1, %2 : tensor<f32>, tensor<f32>, tensor<f32>
}

// -----
// Tests the top-k accuracies and the confusion counts (4 rows x thresholds).
// CHECK-LABEL: func.func @confusion
func.func @confusion(%y: tensor<?x10xf32>, %l: tensor<?xi32>, %p: tensor<?x10xf32>) -> (tensor<f32>, tensor<f32>, tensor<4x3xf32>, tensor<4x1xf32>) {
  // CHECK: kiln.top_k_categorical_accuracy %{{.*}}, %{{.*}} k = 5 : tensor<?x10xf32>, tensor<?x10xf32>
  %0 = kiln.top_k_categorical_accuracy %y, %p k = 5 : tensor<?x10xf32>, tensor<?x10xf32>
  // CHECK: kiln.sparse_top_k_categorical_accuracy %{{.*}}, %{{.*}} k = 3 : tensor<?xi32>, tensor<?x10xf32>
  %1 = kiln.sparse_top_k_categorical_accuracy %l, %p k = 3 : tensor<?xi32>, tensor<?x10xf32>
  // CHECK: kiln.confusion_counts %{{.*}}, %{{.*}} thresholds = [0.000000e+00, 5.000000e-01, 1.000000e+00] : tensor<?x10xf32>, tensor<?x10xf32>
  %2 = kiln.confusion_counts %y, %p thresholds = [0.0, 0.5, 1.0] : tensor<?x10xf32>, tensor<?x10xf32>
  // CHECK: kiln.confusion_counts %{{.*}}, %{{.*}} thresholds = [5.000000e-01] top_k = 2 class_id = 9 : tensor<?x10xf32>, tensor<?x10xf32>
  %3 = kiln.confusion_counts %y, %p thresholds = [0.5] top_k = 2 class_id = 9 : tensor<?x10xf32>, tensor<?x10xf32>
  return %0, %1, %2, %3 : tensor<f32>, tensor<f32>, tensor<4x3xf32>, tensor<4x1xf32>
}

// -----
// Tests a gradient request: loss and metric results, then one gradient per trainable argument.
func.func private @loss(%w: tensor<4x2xf32> {kiln.trainable}, %x: tensor<?x4xf32>, %y: tensor<?xi32>) -> (tensor<f32>, tensor<f32>)
// CHECK-LABEL: func.func @value_and_grad
func.func @value_and_grad(%w: tensor<4x2xf32>, %x: tensor<?x4xf32>, %y: tensor<?xi32>) -> tensor<4x2xf32> {
  // CHECK: kiln.value_and_grad @loss(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<4x2xf32>, tensor<?x4xf32>, tensor<?xi32>) -> (tensor<f32>, tensor<f32>, tensor<4x2xf32>)
  %l, %a, %dw = kiln.value_and_grad @loss(%w, %x, %y) : (tensor<4x2xf32>, tensor<?x4xf32>, tensor<?xi32>) -> (tensor<f32>, tensor<f32>, tensor<4x2xf32>)
  return %dw : tensor<4x2xf32>
}

// -----
// Tests that #kiln.optimizer keeps what is written and leaves out the
// hyper-parameters at Keras's defaults.
// CHECK: module attributes {kiln.optimizer = #kiln.optimizer<kind = adam, learning_rate = 2.000000e-03, beta_2 = 0.98999999999999999>}
module attributes {kiln.optimizer = #kiln.optimizer<kind = adam, learning_rate = 0.002, beta_1 = 0.9, beta_2 = 0.99>} {
}

// -----
// CHECK: module attributes {kiln.optimizer = #kiln.optimizer<kind = sgd, learning_rate = 1.000000e-01, momentum = 9.000000e-01, nesterov = true>}
module attributes {kiln.optimizer = #kiln.optimizer<kind = sgd, learning_rate = 1.0e-1, momentum = 0.9, nesterov = true>} {
}
