// RUN: kiln-opt %s --kiln-make-steps --kiln-lower-to-linalg --kiln-count-memory-passes=remarks=false | FileCheck %s --check-prefix=BEFORE
// RUN: kiln-opt %s --kiln-make-steps --kiln-lower-to-linalg --kiln-optimize="cpu=sapphirerapids threads=2 l1-kib=48 l2-kib=2048" --kiln-count-memory-passes=remarks=false | FileCheck %s --check-prefix=AFTER
// RUN: kiln-opt %s --kiln-make-steps --kiln-lower-to-linalg --kiln-optimize="cpu=haswell threads=1 l1-kib=48 l2-kib=2048" --kiln-count-memory-passes=remarks=false | FileCheck %s --check-prefix=AFTER
// RUN: kiln-opt %s --kiln-make-steps --kiln-lower-to-linalg --kiln-count-memory-passes 2>&1 | FileCheck %s --check-prefix=REMARK

// Tests the memory passes of the Fashion-MNIST MLP (784-300-100-10, relu,
// softmax, sparse categorical cross-entropy, accuracy, SGD) per step, and
// the bytes they touch at batch 32. Before kiln-optimize every linalg op is
// a pass of its own: bias broadcasts, matmuls, activations, the softmax
// statistics computed twice (loss and gradient), the softmax and the two
// reductions of the accuracy's arg-max (maximum, then its first index),
// fills, transposes, the gradient tensors and their SGD updates. After it, bias and relu run in
// their matmul's epilogue, the relu gradient in its matmul's, each SGD update
// in its gradient matmul's (the weight gradients are never written), the
// softmax statistics, cross-entropy gradient and accuracy (recomputing the
// softmax in both arg-max reductions) in a pass over rows, and each bias gradient with its update in a pass over columns.
// BEFORE: func.func @train_step{{.*}}kiln.memory_bytes = 9871184 : i64, kiln.memory_passes = 48 : i64
// BEFORE: func.func @eval_step{{.*}}kiln.memory_passes = 23 : i64
// BEFORE: func.func @predict_step{{.*}}kiln.memory_passes = 13 : i64
// AFTER: func.func @train_step{{.*}}kiln.memory_passes = 20 : i64
// AFTER: func.func @eval_step{{.*}}kiln.memory_passes = 7 : i64
// AFTER: func.func @predict_step{{.*}}kiln.memory_passes = 4 : i64
// REMARK: remark: 48 memory passes, 9871184 bytes at batch 32
func.func @forward(%w0: tensor<784x300xf32> {kiln.param}, %b0: tensor<300xf32> {kiln.param},
                %w1: tensor<300x100xf32> {kiln.param}, %b1: tensor<100xf32> {kiln.param},
                %w2: tensor<100x10xf32> {kiln.param}, %b2: tensor<10xf32> {kiln.param},
                %x: tensor<?x28x28xf32>) -> tensor<?x10xf32> {
  %flat = kiln.reshape %x : tensor<?x28x28xf32> -> tensor<?x784xf32>
  %h0 = kiln.dense %flat, %w0, %b0 : tensor<?x784xf32>, tensor<784x300xf32>, tensor<300xf32>
  %a0 = kiln.relu %h0 : tensor<?x300xf32>
  %h1 = kiln.dense %a0, %w1, %b1 : tensor<?x300xf32>, tensor<300x100xf32>, tensor<100xf32>
  %a1 = kiln.relu %h1 : tensor<?x100xf32>
  %h2 = kiln.dense %a1, %w2, %b2 : tensor<?x100xf32>, tensor<100x10xf32>, tensor<10xf32>
  %p = kiln.softmax %h2 axis = -1 : tensor<?x10xf32>
  return %p : tensor<?x10xf32>
}
func.func @loss(%w0: tensor<784x300xf32> {kiln.param, kiln.trainable}, %b0: tensor<300xf32> {kiln.param, kiln.trainable},
                %w1: tensor<300x100xf32> {kiln.param, kiln.trainable}, %b1: tensor<100xf32> {kiln.param, kiln.trainable},
                %w2: tensor<100x10xf32> {kiln.param, kiln.trainable}, %b2: tensor<10xf32> {kiln.param, kiln.trainable},
                %x: tensor<?x28x28xf32>, %y: tensor<?xi32>) -> (tensor<f32>, tensor<f32>) {
  %p = call @forward(%w0, %b0, %w1, %b1, %w2, %b2, %x) : (tensor<784x300xf32>, tensor<300xf32>, tensor<300x100xf32>, tensor<100xf32>, tensor<100x10xf32>, tensor<10xf32>, tensor<?x28x28xf32>) -> tensor<?x10xf32>
  %l = kiln.sparse_categorical_crossentropy %y, %p : tensor<?xi32>, tensor<?x10xf32>
  %a = kiln.sparse_categorical_accuracy %y, %p : tensor<?xi32>, tensor<?x10xf32>
  return %l, %a : tensor<f32>, tensor<f32>
}
