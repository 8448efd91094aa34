// RUN: kiln-opt %s --kiln-make-steps --kiln-lower-to-linalg | FileCheck %s --check-prefix=LINALG
// RUN: kiln-opt %s --kiln-make-steps --kiln-lower-to-linalg --kiln-bufferize | FileCheck %s --check-prefix=BUFFERS
// RUN: kiln-opt %s --kiln-make-steps --kiln-to-llvm | FileCheck %s --check-prefix=LLVM
// RUN: kiln-opt %s --kiln-make-steps --kiln-lower-to-linalg --kiln-bufferize --kiln-lower-to-llvm | FileCheck %s --check-prefix=LLVM
// RUN: kiln-opt %s --kiln-make-steps --kiln-lower-to-linalg --kiln-optimize="cpu=sapphirerapids" --kiln-bufferize --kiln-lower-to-llvm="cpu=sapphirerapids" | FileCheck %s --check-prefix=LLVM
// RUN: kiln-opt %s --kiln-make-steps --kiln-lower-to-linalg --kiln-optimize="cpu=x86-64 threads=1" | FileCheck %s --check-prefix=OPT
// RUN: kiln-opt %s --kiln-make-steps --kiln-to-llvm="optimize=false" | FileCheck %s --check-prefix=LLVM

// Tests that a one-layer softmax classifier goes through every named stage:
// autodiff and inlining leave one train_step of linalg on tensors,
// kiln-optimize turns it into vector code for the target (optional: without
// it, linalg lowers to scalar loops), one-shot bufferization updates the
// parameters in their argument buffers, and the last stage leaves only the
// LLVM dialect.
module attributes {kiln.optimizer = #kiln.optimizer<kind = adam, learning_rate = 1.0e-03>} {
func.func @forward(%w: tensor<4x3xf32> {kiln.param}, %b: tensor<3xf32> {kiln.param}, %x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %z = kiln.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x3xf32>, tensor<3xf32>
  %p = kiln.softmax %z axis = -1 : tensor<?x3xf32>
  return %p : tensor<?x3xf32>
}
func.func @loss(%w: tensor<4x3xf32> {kiln.param, kiln.trainable}, %b: tensor<3xf32> {kiln.param, kiln.trainable}, %x: tensor<?x4xf32>, %y: tensor<?xi32>) -> (tensor<f32>, tensor<f32>) {
  %p = call @forward(%w, %b, %x) : (tensor<4x3xf32>, tensor<3xf32>, tensor<?x4xf32>) -> tensor<?x3xf32>
  %l = kiln.sparse_categorical_crossentropy %y, %p : tensor<?xi32>, tensor<?x3xf32>
  %a = kiln.sparse_categorical_accuracy %y, %p : tensor<?xi32>, tensor<?x3xf32>
  return %l, %a : tensor<f32>, tensor<f32>
}
}

// The loss and forward functions are inlined and dropped; no kiln op is left.
// LINALG-NOT: func.func private @loss
// LINALG-LABEL: func.func @train_step
// LINALG-NOT: {{ kiln\.[a-z_0-9]+ }}
// LINALG: linalg.matmul
// LINALG: linalg.generic
// LINALG-LABEL: func.func @eval_step
// LINALG-LABEL: func.func @predict_step
// LINALG-NOT: {{ kiln\.[a-z_0-9]+ }}

// Parameters and Adam's moments are updated in their argument buffers by one
// generic, and nothing is copied into them.
// BUFFERS-LABEL: func.func @train_step
// BUFFERS-SAME: (%[[W:[^:]*]]: memref<4x3xf32>, %{{[^:]*}}: memref<3xf32>, %[[M:[^:]*]]: memref<4x3xf32>, %{{[^:]*}}: memref<3xf32>, %[[V:[^:]*]]: memref<4x3xf32>
// BUFFERS-NOT: outs(%[[W]] :
// BUFFERS: linalg.generic {{.*}} outs(%[[W]], %[[M]], %[[V]] : memref<4x3xf32>, memref<4x3xf32>, memref<4x3xf32>)
// BUFFERS-NOT: outs(%[[W]] :
// BUFFERS-LABEL: func.func @eval_step
// BUFFERS-NOT: tensor<

// kiln-optimize leaves vector code in scf loops on tensors; only the
// accuracy's arg-max (a two-result reduction the vectorizer does not take)
// stays a linalg op, lowered to loops later.
// OPT-LABEL: func.func @train_step
// OPT-NOT: linalg.matmul
// OPT: vector.contract
// OPT-NOT: linalg.matmul
// OPT-LABEL: func.func @predict_step
// OPT-NOT: linalg.

// LLVM: llvm.func @train_step
// LLVM: llvm.func @_mlir_ciface_train_step
// LLVM: llvm.func @_mlir_ciface_eval_step
// LLVM: llvm.func @_mlir_ciface_predict_step
// The step layouts stay on the functions through the lowering.
// LLVM-SAME: kiln.step_layout = {{\[}}["params", 2], ["inputs", 1], ["outputs", 1]]
// LLVM-NOT: linalg.
// LLVM-NOT: memref.
// LLVM-NOT: {{ kiln\.[a-z_0-9]+ }}
