// RUN: kiln-opt %s --split-input-file --kiln-autodiff | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-autodiff --canonicalize --cse | FileCheck %s --check-prefix=CLEAN

// Tests mse: loss_grad of kind mse seeded with a 0-d 1.0; labels get none.
// CHECK-LABEL: func.func @mse_grad
// CHECK-SAME: (%[[Y:.*]]: tensor<?x3xf32>, %[[P:.*]]: tensor<?x3xf32> {kiln.trainable})
// CHECK: %[[L:.*]] = kiln.mse %[[Y]], %[[P]]
// CHECK: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[DP:.*]] = kiln.loss_grad %[[Y]], %[[P]], %[[ONE]] kind = mse : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
// CHECK-NEXT: return %[[L]], %[[DP]] : tensor<f32>, tensor<?x3xf32>
// CLEAN-LABEL: func.func @mse_grad
// CLEAN: kiln.loss_grad %{{.*}} kind = mse
func.func @mse(%y: tensor<?x3xf32>, %p: tensor<?x3xf32> {kiln.trainable}) -> tensor<f32> {
  %l = kiln.mse %y, %p : tensor<?x3xf32>, tensor<?x3xf32>
  return %l : tensor<f32>
}

// -----
// Tests mae, with a target that itself depends on a trainable argument: mse
// and mae depend on y_pred - y_true only, so y_true's adjoint is the negated
// loss_grad.
// CHECK-LABEL: func.func @mae_active_target_grad
// CHECK-SAME: (%[[T:.*]]: tensor<?x3xf32> {kiln.trainable}, %[[P:.*]]: tensor<?x3xf32> {kiln.trainable})
// CHECK: %[[Y:.*]] = kiln.relu %[[T]]
// CHECK: %[[DP:.*]] = kiln.loss_grad %[[Y]], %[[P]], %{{.*}} kind = mae : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
// CHECK: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[DY:.*]] = kiln.sub %[[Z]], %[[DP]] : tensor<f32>, tensor<?x3xf32>
// CHECK: %[[DT:.*]] = kiln.relu_grad %[[DY]], %[[Y]]
// CHECK: return %{{.*}}, %[[DT]], %[[DP]]
// CLEAN-LABEL: func.func @mae_active_target_grad
// CLEAN: kiln.loss_grad %{{.*}} kind = mae
func.func @mae_active_target(%t: tensor<?x3xf32> {kiln.trainable}, %p: tensor<?x3xf32> {kiln.trainable}) -> tensor<f32> {
  %y = kiln.relu %t : tensor<?x3xf32>
  %l = kiln.mae %y, %p : tensor<?x3xf32>, tensor<?x3xf32>
  return %l : tensor<f32>
}

// -----
// Tests binary cross-entropy on probabilities (no sigmoid to fold): the
// clipped probability gradient, without from_logits.
// CHECK-LABEL: func.func @binary_probs_grad
// CHECK-SAME: (%[[Y:.*]]: tensor<?x1xf32>, %[[P:.*]]: tensor<?x1xf32> {kiln.trainable})
// CHECK: kiln.binary_crossentropy %[[Y]], %[[P]] :
// CHECK: %[[DP:.*]] = kiln.loss_grad %[[Y]], %[[P]], %{{.*}} kind = binary_crossentropy : tensor<?x1xf32>, tensor<?x1xf32>, tensor<f32>
// CHECK: return %{{.*}}, %[[DP]]
// CLEAN-LABEL: func.func @binary_probs_grad
// CLEAN-NOT: from_logits
// CLEAN: return
func.func @binary_probs(%y: tensor<?x1xf32>, %p: tensor<?x1xf32> {kiln.trainable}) -> tensor<f32> {
  %l = kiln.binary_crossentropy %y, %p : tensor<?x1xf32>, tensor<?x1xf32>
  return %l : tensor<f32>
}

// -----
// Tests binary cross-entropy of a sigmoid: folded into from_logits before
// differentiation, so the gradient is (sigmoid(z) - y) / n and no
// sigmoid_grad is built. The original function keeps its sigmoid.
// CHECK-LABEL: func.func @binary_sigmoid(
// CHECK: kiln.sigmoid
// CHECK-LABEL: func.func @binary_sigmoid_grad
// CHECK-SAME: (%[[Y:.*]]: tensor<?x1xf32>, %[[Z:.*]]: tensor<?x1xf32> {kiln.trainable})
// CHECK-NOT: kiln.sigmoid
// CHECK: kiln.binary_crossentropy %[[Y]], %[[Z]] from_logits
// CHECK: %[[DZ:.*]] = kiln.loss_grad %[[Y]], %[[Z]], %{{.*}} kind = binary_crossentropy from_logits
// CHECK-NOT: kiln.sigmoid_grad
// CHECK: return %{{.*}}, %[[DZ]]
// CLEAN-LABEL: func.func @binary_sigmoid_grad
// CLEAN-NOT: kiln.sigmoid
// CLEAN: return
func.func @binary_sigmoid(%y: tensor<?x1xf32>, %z: tensor<?x1xf32> {kiln.trainable}) -> tensor<f32> {
  %p = kiln.sigmoid %z : tensor<?x1xf32>
  %l = kiln.binary_crossentropy %y, %p : tensor<?x1xf32>, tensor<?x1xf32>
  return %l : tensor<f32>
}

// -----
// Tests categorical cross-entropy on probabilities (no softmax): loss_grad
// through the normalization and clip, without from_logits.
// CHECK-LABEL: func.func @categorical_probs_grad
// CHECK-SAME: (%[[Y:.*]]: tensor<?x10xf32>, %[[P:.*]]: tensor<?x10xf32> {kiln.trainable})
// CHECK: %[[DP:.*]] = kiln.loss_grad %[[Y]], %[[P]], %{{.*}} kind = categorical_crossentropy : tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>
// CHECK: return %{{.*}}, %[[DP]]
// CLEAN-LABEL: func.func @categorical_probs_grad
// CLEAN-NOT: from_logits
// CLEAN: return
func.func @categorical_probs(%y: tensor<?x10xf32>, %p: tensor<?x10xf32> {kiln.trainable}) -> tensor<f32> {
  %l = kiln.categorical_crossentropy %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  return %l : tensor<f32>
}

// -----
// Tests the softmax + categorical cross-entropy fusion: the gradient is one
// loss_grad from the logits, (softmax(z) - y) / batch, with no
// softmax_grad, while an accuracy metric still reads the softmax and passes
// through undifferentiated.
// CHECK-LABEL: func.func @categorical_softmax_grad
// CHECK-SAME: (%[[Y:.*]]: tensor<?x10xf32>, %[[Z:.*]]: tensor<?x10xf32> {kiln.trainable})
// CHECK: %[[P:.*]] = kiln.softmax %[[Z]] axis = -1
// CHECK: %[[L:.*]] = kiln.categorical_crossentropy %[[Y]], %[[Z]] from_logits
// CHECK: %[[A:.*]] = kiln.categorical_accuracy %[[Y]], %[[P]]
// CHECK: %[[DZ:.*]] = kiln.loss_grad %[[Y]], %[[Z]], %{{.*}} kind = categorical_crossentropy from_logits : tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>
// CHECK-NOT: kiln.softmax_grad
// CHECK: return %[[L]], %[[A]], %[[DZ]] : tensor<f32>, tensor<f32>, tensor<?x10xf32>
// CLEAN-LABEL: func.func @categorical_softmax_grad
// CLEAN: kind = categorical_crossentropy from_logits
func.func @categorical_softmax(%y: tensor<?x10xf32>, %z: tensor<?x10xf32> {kiln.trainable}) -> (tensor<f32>, tensor<f32>) {
  %p = kiln.softmax %z axis = -1 : tensor<?x10xf32>
  %l = kiln.categorical_crossentropy %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  %a = kiln.categorical_accuracy %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  return %l, %a : tensor<f32>, tensor<f32>
}

// -----
// Tests sparse categorical cross-entropy on probabilities and of a softmax:
// integer labels get no adjoint; the softmax case becomes from_logits.
// CHECK-LABEL: func.func @sparse_grad
// CHECK-SAME: (%[[L:.*]]: tensor<?xi32>, %[[P:.*]]: tensor<?x10xf32> {kiln.trainable}, %[[Z:.*]]: tensor<?x10xf32> {kiln.trainable})
// CHECK: kiln.sparse_categorical_crossentropy %[[L]], %[[P]] :
// CHECK: kiln.sparse_categorical_crossentropy %[[L]], %[[Z]] from_logits
// CHECK: %[[DZ:.*]] = kiln.loss_grad %[[L]], %[[Z]], %{{.*}} kind = sparse_categorical_crossentropy from_logits : tensor<?xi32>, tensor<?x10xf32>, tensor<f32>
// CHECK: %[[DP:.*]] = kiln.loss_grad %[[L]], %[[P]], %{{.*}} kind = sparse_categorical_crossentropy : tensor<?xi32>, tensor<?x10xf32>, tensor<f32>
// CHECK: return %{{.*}}, %[[DP]], %[[DZ]]
// CLEAN-LABEL: func.func @sparse_grad
// CLEAN-COUNT-2: kiln.loss_grad
func.func @sparse(%l: tensor<?xi32>, %p: tensor<?x10xf32> {kiln.trainable}, %z: tensor<?x10xf32> {kiln.trainable}) -> tensor<f32> {
  %0 = kiln.sparse_categorical_crossentropy %l, %p : tensor<?xi32>, tensor<?x10xf32>
  %q = kiln.softmax %z axis = 1 : tensor<?x10xf32>
  %1 = kiln.sparse_categorical_crossentropy %l, %q : tensor<?xi32>, tensor<?x10xf32>
  %2 = kiln.add %0, %1 : tensor<f32>, tensor<f32>
  return %2 : tensor<f32>
}

// -----
// Tests that a loss's epsilon (its clip) reaches its gradient.
// CHECK-LABEL: func.func @epsilon_grad
// CHECK: kiln.loss_grad %{{.*}}, %{{.*}}, %{{.*}} kind = sparse_categorical_crossentropy {epsilon = 1.000000e-04 : f64}
func.func @epsilon(%y: tensor<?xi32>, %p: tensor<?x3xf32> {kiln.trainable}) -> tensor<f32> {
  %l = kiln.sparse_categorical_crossentropy %y, %p {epsilon = 1.0e-4 : f64} : tensor<?xi32>, tensor<?x3xf32>
  return %l : tensor<f32>
}
