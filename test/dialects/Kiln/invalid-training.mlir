// RUN: kiln-opt %s --split-input-file --verify-diagnostics

// Tests that broadcast_like refuses shapes that do not broadcast.
func.func @broadcast_like(%a: tensor<?x3xf32>, %b: tensor<?x4xf32>) {
  // expected-error @+1 {{'kiln.broadcast_like' cannot broadcast 'tensor<?x3xf32>' to the shape of 'tensor<?x4xf32>'}}
  %0 = kiln.broadcast_like %a, %b : tensor<?x3xf32>, tensor<?x4xf32>
  return
}

// -----
// Tests that reduce_like refuses a target that is not broadcast to the input.
func.func @reduce_like(%a: tensor<?x300xf32>, %b: tensor<100xf32>) {
  // expected-error @+1 {{'kiln.reduce_like' cannot reduce 'tensor<?x300xf32>' to the shape of 'tensor<100xf32>': it is not a broadcast of it}}
  %0 = kiln.reduce_like %a, %b : tensor<?x300xf32>, tensor<100xf32>
  return
}

// -----
// Tests that activation gradients need equal types.
func.func @relu_grad(%dy: tensor<?x10xf32>, %x: tensor<?x11xf32>) {
  // expected-error @+1 {{'kiln.relu_grad' op failed to verify that all of {dy, output, result} have same type}}
  %0 = "kiln.relu_grad"(%dy, %x) : (tensor<?x10xf32>, tensor<?x11xf32>) -> tensor<?x10xf32>
  return
}

// -----
func.func @softmax_grad_axis(%dy: tensor<?x10xf32>, %y: tensor<?x10xf32>) {
  // expected-error @+1 {{'kiln.softmax_grad' op axis 3 is out of range for 'tensor<?x10xf32>'}}
  %0 = kiln.softmax_grad %dy, %y axis = 3 : tensor<?x10xf32>
  return
}

// -----
// Tests that reduce_max_grad needs dy shaped as the reduction's result.
func.func @reduce_max_grad(%dy: tensor<?x10xf32>, %x: tensor<?x10xf32>, %m: tensor<?xf32>) {
  // expected-error @+1 {{'kiln.reduce_max_grad' expects dy and output shaped as the reduction's result (None,), got 'tensor<?x10xf32>'}}
  %0 = kiln.reduce_max_grad %dy, %x, %m axes = [1] : tensor<?x10xf32>, tensor<?x10xf32>, tensor<?xf32>
  return
}

// -----
// Tests that conv2d_input_grad checks that its stated input maps to dy.
func.func @conv_input_grad(%dy: tensor<?x26x26x32xf32>, %k: tensor<3x3x1x32xf32>) {
  // expected-error @+1 {{'kiln.conv2d_input_grad' op shapes do not form a conv2d: input 'tensor<?x27x28x1xf32>' with kernel 'tensor<3x3x1x32xf32>' does not give 'tensor<?x26x26x32xf32>'}}
  %0 = kiln.conv2d_input_grad %dy, %k strides = [1, 1] padding = valid : tensor<?x26x26x32xf32>, tensor<3x3x1x32xf32> -> tensor<?x27x28x1xf32>
  return
}

// -----
func.func @conv_kernel_grad(%x: tensor<?x28x28x1xf32>, %dy: tensor<?x26x26x32xf32>) {
  // expected-error @+1 {{'kiln.conv2d_kernel_grad' op shapes do not form a conv2d}}
  %0 = kiln.conv2d_kernel_grad %x, %dy strides = [1, 1] padding = valid : tensor<?x28x28x1xf32>, tensor<?x26x26x32xf32> -> tensor<5x5x1x32xf32>
  return
}

// -----
func.func @conv_kernel_grad_rank(%x: tensor<?x28x28xf32>, %dy: tensor<?x26x26x32xf32>) {
  // expected-error @+1 {{'kiln.conv2d_kernel_grad' op expects NHWC input and output and a static HWIO kernel}}
  %0 = kiln.conv2d_kernel_grad %x, %dy strides = [1, 1] padding = valid : tensor<?x28x28xf32>, tensor<?x26x26x32xf32> -> tensor<3x3x1x32xf32>
  return
}

// -----
// Tests that max_pool2d_grad needs dy of the pooled shape.
func.func @pool_grad(%dy: tensor<?x12x13x32xf32>, %x: tensor<?x26x26x32xf32>) {
  // expected-error @+1 {{'kiln.max_pool2d_grad' dy 'tensor<?x12x13x32xf32>' does not have the pooled shape (None, 13, 13, 32)}}
  %0 = kiln.max_pool2d_grad %dy, %x pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x12x13x32xf32>, tensor<?x26x26x32xf32>
  return
}

// -----
// Tests that loss_grad checks labels against the loss kind.
func.func @loss_grad_labels(%l: tensor<?xi32>, %p: tensor<?x10xf32>, %one: tensor<f32>) {
  // expected-error @+1 {{'kiln.loss_grad' y_true 'tensor<?xi32>' does not fit y_pred 'tensor<?x10xf32>' for loss 'categorical_crossentropy'}}
  %0 = kiln.loss_grad %l, %p, %one kind = categorical_crossentropy : tensor<?xi32>, tensor<?x10xf32>, tensor<f32>
  return
}

// -----
func.func @loss_grad_logits(%y: tensor<?x10xf32>, %p: tensor<?x10xf32>, %one: tensor<f32>) {
  // expected-error @+1 {{'kiln.loss_grad' from_logits only applies to cross-entropy losses}}
  %0 = kiln.loss_grad %y, %p, %one kind = mse from_logits : tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>
  return
}

// -----
// Tests that optimizer updates need the state shaped as the parameter.
func.func @adam_state(%p: tensor<300xf32>, %g: tensor<300xf32>, %m: tensor<100xf32>, %it: i64, %lr: f32) {
  // expected-error @+1 {{'kiln.adam_update' op failed to verify that all of {param, grad, momentum, velocity, new_param, new_momentum, new_velocity} have same type}}
  %0:3 = "kiln.adam_update"(%p, %g, %m, %m, %it, %lr) <{beta_1 = 0.9 : f32, beta_2 = 0.999 : f32, epsilon = 1.0e-7 : f32}> : (tensor<300xf32>, tensor<300xf32>, tensor<100xf32>, tensor<100xf32>, i64, f32) -> (tensor<300xf32>, tensor<300xf32>, tensor<300xf32>)
  return
}

// -----
// Tests that metrics check their label shapes.
func.func @sparse_accuracy(%l: tensor<?x10xi32>, %p: tensor<?x10xf32>) {
  // expected-error @+1 {{'kiln.sparse_categorical_accuracy' labels 'tensor<?x10xi32>' must have y_pred's shape without its class axis}}
  %0 = kiln.sparse_categorical_accuracy %l, %p : tensor<?x10xi32>, tensor<?x10xf32>
  return
}

// -----
func.func @categorical_accuracy(%y: tensor<?x9xf32>, %p: tensor<?x10xf32>) {
  // expected-error @+1 {{'kiln.categorical_accuracy' y_true 'tensor<?x9xf32>' does not match y_pred}}
  %0 = kiln.categorical_accuracy %y, %p : tensor<?x9xf32>, tensor<?x10xf32>
  return
}

// -----
func.func @binary_accuracy(%y: tensor<?x2xf32>, %p: tensor<?x1xf32>) {
  // expected-error @+1 {{'kiln.binary_accuracy' y_true 'tensor<?x2xf32>' does not match y_pred}}
  %0 = kiln.binary_accuracy %y, %p threshold = 0.5 : tensor<?x2xf32>, tensor<?x1xf32>
  return
}

// -----
// Tests that the confusion counts check thresholds, class_id and top_k.
func.func @confusion_class_id(%y: tensor<?x3xf32>, %p: tensor<?x3xf32>) {
  // expected-error @+1 {{'kiln.confusion_counts' class_id 3 is out of range for y_pred 'tensor<?x3xf32>'}}
  %0 = kiln.confusion_counts %y, %p thresholds = [0.5] class_id = 3 : tensor<?x3xf32>, tensor<?x3xf32>
  return
}

// -----
func.func @confusion_top_k(%y: tensor<?x3xf32>, %p: tensor<?x3xf32>) {
  // expected-error @+1 {{'kiln.confusion_counts' top_k 4 exceeds the 3 classes of y_pred 'tensor<?x3xf32>'}}
  %0 = kiln.confusion_counts %y, %p thresholds = [0.5] top_k = 4 : tensor<?x3xf32>, tensor<?x3xf32>
  return
}

// -----
func.func @confusion_thresholds(%y: tensor<?x3xf32>, %p: tensor<?x3xf32>) {
  // expected-error @+1 {{'kiln.confusion_counts' needs at least one threshold}}
  %0 = kiln.confusion_counts %y, %p thresholds = [] : tensor<?x3xf32>, tensor<?x3xf32>
  return
}

// -----
func.func @top_k_labels(%l: tensor<?x3xi32>, %p: tensor<?x3xf32>) {
  // expected-error @+1 {{'kiln.sparse_top_k_categorical_accuracy' labels 'tensor<?x3xi32>' must have y_pred's shape without its class axis}}
  %0 = kiln.sparse_top_k_categorical_accuracy %l, %p k = 1 : tensor<?x3xi32>, tensor<?x3xf32>
  return
}

// -----
// Tests that value_and_grad needs a function, matching arguments and results.
func.func @missing(%w: tensor<4xf32>) {
  // expected-error @+1 {{'kiln.value_and_grad' op 'nowhere' does not name a func.func}}
  %0 = kiln.value_and_grad @nowhere(%w) : (tensor<4xf32>) -> tensor<f32>
  return
}

// -----
func.func private @loss(%w: tensor<4xf32> {kiln.trainable}) -> tensor<f32>
func.func @wrong_results(%w: tensor<4xf32>) {
  // expected-error @+1 {{'kiln.value_and_grad' op results must be @loss's results followed by one gradient per kiln.trainable argument}}
  %0 = kiln.value_and_grad @loss(%w) : (tensor<4xf32>) -> tensor<f32>
  return
}

// -----
func.func private @loss(%w: tensor<4xf32> {kiln.trainable}) -> tensor<f32>
func.func @wrong_args(%w: tensor<5xf32>) {
  // expected-error @+1 {{'kiln.value_and_grad' op argument types do not match @loss}}
  %0:2 = kiln.value_and_grad @loss(%w) : (tensor<5xf32>) -> (tensor<f32>, tensor<5xf32>)
  return
}

// -----
func.func private @notloss(%w: tensor<4xf32> {kiln.trainable}) -> tensor<4xf32>
func.func @not_scalar(%w: tensor<4xf32>) {
  // expected-error @+1 {{'kiln.value_and_grad' op @notloss must return a 0-d loss tensor first}}
  %0:2 = kiln.value_and_grad @notloss(%w) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return
}

// -----
// Tests that the learning rate of an update is an f32 value.
func.func @learning_rate_type(%p: tensor<3xf32>, %g: tensor<3xf32>, %lr: f64) {
  // expected-error @+1 {{'kiln.sgd_update' op operand #2 must be 32-bit float, but got 'f64'}}
  %0 = "kiln.sgd_update"(%p, %g, %lr) : (tensor<3xf32>, tensor<3xf32>, f64) -> tensor<3xf32>
  return
}
