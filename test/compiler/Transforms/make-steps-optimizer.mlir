// RUN: kiln-opt %s --split-input-file --kiln-make-steps --verify-diagnostics

// Tests that the optimizer is refused, with what is wrong, when the module's
// kiln.optimizer is not a #kiln.optimizer, names no Keras optimizer, or holds
// a hyper-parameter Keras would not accept.

// expected-error @+1 {{kiln-make-steps: the module's kiln.optimizer must be a #kiln.optimizer, not "adam"}}
module attributes {kiln.optimizer = "adam"} {
func.func @loss(%w: tensor<3xf32> {kiln.param, kiln.trainable}, %x: tensor<?x3xf32>, %y: tensor<?x3xf32>) -> tensor<f32> {
  %l = kiln.mse %y, %x : tensor<?x3xf32>, tensor<?x3xf32>
  return %l : tensor<f32>
}
}

// -----

// expected-error @+2 {{expected one of [sgd, rmsprop, adam, adagrad] for a Keras optimizer, got: lion}}
// expected-error @+1 {{failed to parse Kiln_OptimizerAttr parameter 'kind'}}
module attributes {kiln.optimizer = #kiln.optimizer<kind = lion, learning_rate = 0.1>} {
}

// -----

// expected-error @+1 {{#kiln.optimizer: momentum must be in [0, 1], not 1.5}}
module attributes {kiln.optimizer = #kiln.optimizer<kind = sgd, learning_rate = 0.1, momentum = 1.5>} {
}

// -----

// expected-error @+1 {{#kiln.optimizer: learning_rate must be a finite number >= 0, not -0.1}}
module attributes {kiln.optimizer = #kiln.optimizer<kind = adam, learning_rate = -0.1>} {
}

// -----

// expected-error @+1 {{#kiln.optimizer: rho, beta_1 and beta_2 must be in [0, 1] (rho = 0.9, beta_1 = 0.9, beta_2 = 2)}}
module attributes {kiln.optimizer = #kiln.optimizer<kind = adam, learning_rate = 0.1, beta_2 = 2.0>} {
}
