// RUN: kiln-opt %s --split-input-file --kiln-autodiff --verify-diagnostics

// Tests that a metric feeding the loss is reported: metrics have no gradient.
func.func @metric_on_path(%w: tensor<4x2xf32> {kiln.trainable}, %x: tensor<?x4xf32>, %y: tensor<?x2xf32>) -> tensor<f32> {
  %p = kiln.dense %x, %w : tensor<?x4xf32>, tensor<4x2xf32>
  // expected-error @+1 {{kiln-autodiff: 'kiln.categorical_accuracy' has no gradient but lies on the path from a trainable argument to the loss of @metric_on_path}}
  %a = kiln.categorical_accuracy %y, %p : tensor<?x2xf32>, tensor<?x2xf32>
  return %a : tensor<f32>
}

// -----
// Tests that an optimizer update on the path to the loss is reported.
func.func @optimizer_on_path(%w: tensor<4xf32> {kiln.trainable}, %g: tensor<4xf32>, %lr: f32) -> tensor<f32> {
  // expected-error @+1 {{kiln-autodiff: 'kiln.sgd_update' has no gradient}}
  %u = kiln.sgd_update %w, %g learning_rate %lr : tensor<4xf32>
  %l = kiln.reduce_sum %u axes = [0] : tensor<4xf32>
  return %l : tensor<f32>
}

// -----
// Tests that a gradient op used in a forward computation is reported, and
// that every offending op is, not only the first.
func.func @gradient_ops_on_path(%w: tensor<4xf32> {kiln.trainable}, %x: tensor<4xf32>) -> tensor<f32> {
  // expected-error @+1 {{kiln-autodiff: 'kiln.relu_grad' has no gradient}}
  %0 = kiln.relu_grad %x, %w : tensor<4xf32>
  // expected-error @+1 {{kiln-autodiff: 'kiln.broadcast_like' has no gradient}}
  %1 = kiln.broadcast_like %0, %x : tensor<4xf32>, tensor<4xf32>
  %l = kiln.reduce_sum %1 axes = [0] : tensor<4xf32>
  return %l : tensor<f32>
}

// -----
// Tests that a region op on the active path (an RNN-style time loop) is
// reported as not differentiable yet.
func.func @loop_on_path(%w: tensor<4x4xf32> {kiln.trainable}, %h0: tensor<?x4xf32>) -> tensor<f32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  // expected-error @+1 {{kiln-autodiff: cannot differentiate through 'scf.for' yet}}
  %h = scf.for %i = %c0 to %c3 step %c1 iter_args(%h1 = %h0) -> (tensor<?x4xf32>) {
    %n = kiln.dense %h1, %w : tensor<?x4xf32>, tensor<4x4xf32>
    %t = kiln.tanh %n : tensor<?x4xf32>
    scf.yield %t : tensor<?x4xf32>
  }
  %l = kiln.reduce_mean %h axes = [0, 1] : tensor<?x4xf32>
  return %l : tensor<f32>
}

// -----
// Tests that a region op that reads a trainable value only from inside its
// region (captured from above) is still found on the active path.
func.func @if_captures(%w: tensor<4xf32> {kiln.trainable}, %c: i1, %x: tensor<4xf32>) -> tensor<f32> {
  // expected-error @+1 {{kiln-autodiff: cannot differentiate through 'scf.if' yet}}
  %r = scf.if %c -> (tensor<4xf32>) {
    scf.yield %w : tensor<4xf32>
  } else {
    scf.yield %x : tensor<4xf32>
  }
  %l = kiln.reduce_sum %r axes = [0] : tensor<4xf32>
  return %l : tensor<f32>
}

// -----
// Tests that a call on the active path is reported.
func.func private @layer(tensor<4xf32>) -> tensor<4xf32>
func.func @call_on_path(%w: tensor<4xf32> {kiln.trainable}) -> tensor<f32> {
  // expected-error @+1 {{kiln-autodiff: cannot differentiate through 'func.call' yet}}
  %0 = func.call @layer(%w) : (tensor<4xf32>) -> tensor<4xf32>
  %l = kiln.reduce_sum %0 axes = [0] : tensor<4xf32>
  return %l : tensor<f32>
}

// -----
// Tests that cross-entropy labels computed from a trainable argument are
// reported: loss_grad gives no label adjoint.
func.func @active_labels(%w: tensor<4x2xf32> {kiln.trainable}, %x: tensor<?x4xf32>) -> tensor<f32> {
  %p = kiln.dense %x, %w : tensor<?x4xf32>, tensor<4x2xf32>
  // expected-error @+1 {{kiln-autodiff: 'kiln.categorical_crossentropy' has no gradient for operand #0, which depends on a trainable argument of @active_labels}}
  %l = kiln.categorical_crossentropy %p, %p : tensor<?x2xf32>, tensor<?x2xf32>
  return %l : tensor<f32>
}

// -----
// Tests that result #0 must be a 0-d loss.
// expected-error @+1 {{kiln-autodiff: @not_a_loss must return a 0-d floating-point loss first}}
func.func @not_a_loss(%w: tensor<4xf32> {kiln.trainable}) -> tensor<4xf32> {
  return %w : tensor<4xf32>
}

// -----
// Tests that a function with several blocks is reported.
// expected-error @+1 {{kiln-autodiff: cannot differentiate @branchy: only straight-line single-block functions are supported yet}}
func.func @branchy(%w: tensor<f32> {kiln.trainable}, %c: i1) -> tensor<f32> {
  cf.cond_br %c, ^a, ^b
^a:
  return %w : tensor<f32>
^b:
  return %w : tensor<f32>
}

// -----
// Tests that an existing @<name>_grad that the pass did not generate is
// not overwritten.
// expected-error @+1 {{kiln-autodiff: cannot generate the gradient of @taken: the symbol @taken_grad already exists}}
func.func @taken(%w: tensor<4xf32> {kiln.trainable}) -> tensor<f32> {
  %l = kiln.reduce_sum %w axes = [0] : tensor<4xf32>
  return %l : tensor<f32>
}
func.func @taken_grad() {
  return
}

// -----
// Tests that value_and_grad of a body-less function is reported.
// expected-error @+1 {{kiln-autodiff: cannot differentiate @external: it has no body}}
func.func private @external(tensor<4xf32> {kiln.trainable}) -> tensor<f32>
func.func @use_external(%w: tensor<4xf32>) -> (tensor<f32>, tensor<4xf32>) {
  %l, %g = kiln.value_and_grad @external(%w) : (tensor<4xf32>) -> (tensor<f32>, tensor<4xf32>)
  return %l, %g : tensor<f32>, tensor<4xf32>
}

// -----
// Tests that a trainable argument must be a floating-point tensor.
// expected-error @+1 {{kiln-autodiff: trainable argument #1 of @int_weight must be a floating-point tensor, got 'tensor<4xi32>'}}
func.func @int_weight(%w: tensor<4xf32> {kiln.trainable}, %i: tensor<4xi32> {kiln.trainable}) -> tensor<f32> {
  %l = kiln.reduce_sum %w axes = [0] : tensor<4xf32>
  return %l : tensor<f32>
}
