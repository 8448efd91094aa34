// RUN: kiln-opt %s --split-input-file --kiln-make-steps --verify-diagnostics

// Tests that a module without @loss or @forward is refused.
// expected-error @+1 {{kiln-make-steps: the module has no @loss or @forward function}}
module {
  func.func @other(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
    return %x : tensor<?x3xf32>
  }
}

// -----
// Tests that @forward alone needs an input after its parameters.
module {
  // expected-error @+1 {{kiln-make-steps: @forward takes no input after its kiln.param arguments}}
  func.func @forward(%w: tensor<3xf32> {kiln.param}) -> tensor<3xf32> {
    return %w : tensor<3xf32>
  }
}

// -----
// Tests that the loss must be a 0-d f32 tensor.
module {
  // expected-error @+1 {{kiln-make-steps: @loss results must be f32 tensors of static shape, the loss 0-d (loss, metrics...), got 'tensor<3xf32>'}}
  func.func @loss(%w: tensor<3xf32> {kiln.param, kiln.trainable}, %x: tensor<?x3xf32>, %y: tensor<?x3xf32>) -> tensor<3xf32> {
    return %w : tensor<3xf32>
  }
}

// -----
// Tests that a metric result needs a static shape (its floats in the
// results buffer are fixed at compile time).
module {
  // expected-error @+1 {{kiln-make-steps: @loss results must be f32 tensors of static shape, the loss 0-d (loss, metrics...), got 'tensor<?xf32>'}}
  func.func @loss(%w: tensor<3xf32> {kiln.param, kiln.trainable}, %x: tensor<?x3xf32>, %y: tensor<?xf32>) -> (tensor<f32>, tensor<?xf32>) {
    %l = kiln.reduce_sum %w axes = [0] : tensor<3xf32>
    return %l, %y : tensor<f32>, tensor<?xf32>
  }
}

// -----
// Tests that a trainable argument must be a leading parameter.
module {
  // expected-error @+1 {{kiln-make-steps: trainable argument #1 must also be a leading kiln.param argument}}
  func.func @loss(%x: tensor<?x3xf32>, %w: tensor<3xf32> {kiln.trainable}, %y: tensor<?x3xf32>) -> tensor<f32> {
    %l = kiln.mse %y, %x : tensor<?x3xf32>, tensor<?x3xf32>
    return %l : tensor<f32>
  }
}

// -----
// Tests that an existing step function is not overwritten.
// expected-error @+1 {{kiln-make-steps: @train_step already exists}}
module {
  func.func @loss(%w: tensor<3xf32> {kiln.param, kiln.trainable}, %x: tensor<?x3xf32>, %y: tensor<?x3xf32>) -> tensor<f32> {
    %l = kiln.mse %y, %x : tensor<?x3xf32>, tensor<?x3xf32>
    return %l : tensor<f32>
  }
  func.func @train_step() {
    return
  }
}
