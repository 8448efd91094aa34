// RUN: kiln-opt %s --split-input-file --kiln-autodiff | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-autodiff --canonicalize --cse | FileCheck %s --check-prefix=CLEAN

// Tests a two-layer MLP: dW = x^T.dy and dx = dy.W^T through matmul's
// transpose flags (never a kiln.transpose), db as a batch sum, relu_grad on
// the hidden layer, and no adjoint for the network input.
// CHECK-LABEL: func.func @mlp_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>, %[[W1:.*]]: tensor<784x64xf32> {kiln.trainable}, %[[B1:.*]]: tensor<64xf32> {kiln.trainable}, %[[W2:.*]]: tensor<64x10xf32> {kiln.trainable}, %[[Y:.*]]: tensor<?xi32>)
// CHECK-SAME: -> (tensor<f32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x10xf32>)
// CHECK-SAME: attributes {kiln.gradient_of = @mlp}
// CHECK: %[[H:.*]] = kiln.dense %[[X]], %[[W1]], %[[B1]]
// CHECK: %[[R:.*]] = kiln.relu %[[H]]
// CHECK: %[[Z:.*]] = kiln.dense %[[R]], %[[W2]]
// CHECK: %[[L:.*]] = kiln.sparse_categorical_crossentropy %[[Y]], %[[Z]] from_logits
// CHECK: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[DZ:.*]] = kiln.loss_grad %[[Y]], %[[Z]], %[[ONE]] kind = sparse_categorical_crossentropy from_logits
// CHECK: %[[DR:.*]] = kiln.matmul %[[DZ]], %[[W2]] transpose_rhs : tensor<?x10xf32>, tensor<64x10xf32>
// CHECK: %[[DW2:.*]] = kiln.matmul %[[R]], %[[DZ]] transpose_lhs : tensor<?x64xf32>, tensor<?x10xf32>
// CHECK: %[[DH:.*]] = kiln.relu_grad %[[DR]], %[[R]] : tensor<?x64xf32>
// CHECK: %[[DW1:.*]] = kiln.matmul %[[X]], %[[DH]] transpose_lhs : tensor<?x784xf32>, tensor<?x64xf32>
// CHECK: %[[DB1:.*]] = kiln.reduce_sum %[[DH]] axes = [0] : tensor<?x64xf32>
// CHECK-NOT: kiln.transpose
// CHECK: return %[[L]], %[[DW1]], %[[DB1]], %[[DW2]] : tensor<f32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x10xf32>
// CLEAN-LABEL: func.func @mlp_grad
// CLEAN: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CLEAN: kiln.loss_grad %{{.*}}, %{{.*}}, %[[ONE]]
// CLEAN-COUNT-3: kiln.matmul
// CLEAN-NOT: kiln.matmul
// CLEAN: return
func.func @mlp(%x: tensor<?x784xf32>, %w1: tensor<784x64xf32> {kiln.trainable},
               %b1: tensor<64xf32> {kiln.trainable}, %w2: tensor<64x10xf32> {kiln.trainable},
               %y: tensor<?xi32>) -> tensor<f32> {
  %h = kiln.dense %x, %w1, %b1 : tensor<?x784xf32>, tensor<784x64xf32>, tensor<64xf32>
  %r = kiln.relu %h : tensor<?x64xf32>
  %z = kiln.dense %r, %w2 : tensor<?x64xf32>, tensor<64x10xf32>
  %l = kiln.sparse_categorical_crossentropy %y, %z from_logits : tensor<?xi32>, tensor<?x10xf32>
  return %l : tensor<f32>
}

// -----
// Tests a rank-3 dense with a static batch: the leading dimensions are
// flattened with kiln.reshape for dW, and db sums over both leading axes.
// CHECK-LABEL: func.func @dense_rank3_static_grad
// CHECK-SAME: (%[[X:.*]]: tensor<8x5x4xf32>, %[[W:.*]]: tensor<4x3xf32> {kiln.trainable}, %[[B:.*]]: tensor<3xf32> {kiln.trainable}, %[[Y:.*]]: tensor<8x5x3xf32>)
// CHECK: %[[Z:.*]] = kiln.dense %[[X]], %[[W]], %[[B]]
// CHECK: %[[DZ:.*]] = kiln.loss_grad %[[Y]], %[[Z]], %{{.*}} kind = mse : tensor<8x5x3xf32>, tensor<8x5x3xf32>, tensor<f32>
// CHECK: %[[DZ2:.*]] = kiln.reshape %[[DZ]] : tensor<8x5x3xf32> -> tensor<40x3xf32>
// CHECK: %[[X2:.*]] = kiln.reshape %[[X]] : tensor<8x5x4xf32> -> tensor<40x4xf32>
// CHECK: %[[DW:.*]] = kiln.matmul %[[X2]], %[[DZ2]] transpose_lhs : tensor<40x4xf32>, tensor<40x3xf32>
// CHECK: %[[DB:.*]] = kiln.reduce_sum %[[DZ]] axes = [0, 1] : tensor<8x5x3xf32>
// CHECK: return %{{.*}}, %[[DW]], %[[DB]] : tensor<f32>, tensor<4x3xf32>, tensor<3xf32>
// CLEAN-LABEL: func.func @dense_rank3_static_grad
// CLEAN-NOT: kiln.matmul %{{.*}} transpose_rhs
// CLEAN: return
func.func @dense_rank3_static(%x: tensor<8x5x4xf32>, %w: tensor<4x3xf32> {kiln.trainable},
                              %b: tensor<3xf32> {kiln.trainable}, %y: tensor<8x5x3xf32>) -> tensor<f32> {
  %z = kiln.dense %x, %w, %b : tensor<8x5x4xf32>, tensor<4x3xf32>, tensor<3xf32>
  %l = kiln.mse %y, %z : tensor<8x5x3xf32>, tensor<8x5x3xf32>
  return %l : tensor<f32>
}

// -----
// Tests a rank-3 dense with a dynamic batch, where kiln.reshape cannot merge
// the batch into another dimension: tensor.collapse_shape flattens, and the
// input adjoint is expanded back with the batch size read from the input.
// CHECK-LABEL: func.func @dense_rank3_dynamic_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x5x4xf32> {kiln.trainable}, %[[W:.*]]: tensor<4x3xf32> {kiln.trainable}, %[[Y:.*]]: tensor<?x5x3xf32>)
// CHECK: %[[DZ:.*]] = kiln.loss_grad
// CHECK: %[[DZ2:.*]] = tensor.collapse_shape %[[DZ]] {{\[}}[0, 1], [2]] : tensor<?x5x3xf32> into tensor<?x3xf32>
// CHECK: %[[X2:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<?x5x4xf32> into tensor<?x4xf32>
// CHECK: %[[DX2:.*]] = kiln.matmul %[[DZ2]], %[[W]] transpose_rhs : tensor<?x3xf32>, tensor<4x3xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x5x4xf32>
// CHECK: %[[DX:.*]] = tensor.expand_shape %[[DX2]] {{\[}}[0, 1], [2]] output_shape [%[[N]], 5, 4] : tensor<?x4xf32> into tensor<?x5x4xf32>
// CHECK: %[[DW:.*]] = kiln.matmul %[[X2]], %[[DZ2]] transpose_lhs : tensor<?x4xf32>, tensor<?x3xf32>
// CHECK: return %{{.*}}, %[[DX]], %[[DW]] : tensor<f32>, tensor<?x5x4xf32>, tensor<4x3xf32>
// CLEAN-LABEL: func.func @dense_rank3_dynamic_grad
// CLEAN: tensor.expand_shape
// CLEAN: return
func.func @dense_rank3_dynamic(%x: tensor<?x5x4xf32> {kiln.trainable}, %w: tensor<4x3xf32> {kiln.trainable},
                               %y: tensor<?x5x3xf32>) -> tensor<f32> {
  %z = kiln.dense %x, %w : tensor<?x5x4xf32>, tensor<4x3xf32>
  %l = kiln.mse %y, %z : tensor<?x5x3xf32>, tensor<?x5x3xf32>
  return %l : tensor<f32>
}

// -----
// Tests matmul's gradient for each transpose_lhs / transpose_rhs pair: the
// adjoints are matmuls with flags, and a twice-used operand sums both.
// CHECK-LABEL: func.func @matmul_flags_grad
// CHECK-SAME: (%[[A:.*]]: tensor<4x5xf32> {kiln.trainable}, %[[B:.*]]: tensor<5x6xf32> {kiln.trainable}, %[[C:.*]]: tensor<4x6xf32> {kiln.trainable}, %[[D:.*]]: tensor<6x5xf32> {kiln.trainable})
// CHECK: %[[G3:.*]] = kiln.broadcast_like %{{.*}} : tensor<f32>, tensor<5x4xf32>
// CHECK: %[[G2:.*]] = kiln.broadcast_like %{{.*}} : tensor<f32>, tensor<4x6xf32>
// CHECK: %[[G1:.*]] = kiln.broadcast_like %{{.*}} : tensor<f32>, tensor<6x5xf32>
// CHECK: %[[G0:.*]] = kiln.broadcast_like %{{.*}} : tensor<f32>, tensor<4x6xf32>
// C3 = D^T.C^T: dD = C^T.dC3^T, dC = dC3^T.D^T
// CHECK: %[[DD3:.*]] = kiln.matmul %[[C]], %[[G3]] transpose_lhs transpose_rhs : tensor<4x6xf32>, tensor<5x4xf32>
// CHECK: %[[DC3:.*]] = kiln.matmul %[[G3]], %[[D]] transpose_lhs transpose_rhs : tensor<5x4xf32>, tensor<6x5xf32>
// C2 = A.D^T: dA = dC2.D, dD = dC2^T.A
// CHECK: %[[DA2:.*]] = kiln.matmul %[[G2]], %[[D]] : tensor<4x6xf32>, tensor<6x5xf32>
// CHECK: %[[DD2:.*]] = kiln.matmul %[[G2]], %[[A]] transpose_lhs : tensor<4x6xf32>, tensor<4x5xf32>
// CHECK: %[[DD:.*]] = kiln.add %[[DD3]], %[[DD2]] : tensor<6x5xf32>, tensor<6x5xf32>
// C1 = C^T.A: dC = A.dC1^T, dA = C.dC1
// CHECK: %[[DC1:.*]] = kiln.matmul %[[A]], %[[G1]] transpose_rhs : tensor<4x5xf32>, tensor<6x5xf32>
// CHECK: %[[DA1:.*]] = kiln.matmul %[[C]], %[[G1]] : tensor<4x6xf32>, tensor<6x5xf32>
// CHECK: %[[DC:.*]] = kiln.add %[[DC3]], %[[DC1]]
// CHECK: %[[DA21:.*]] = kiln.add %[[DA2]], %[[DA1]]
// C0 = A.B: dA = dC0.B^T, dB = A^T.dC0
// CHECK: %[[DA0:.*]] = kiln.matmul %[[G0]], %[[B]] transpose_rhs : tensor<4x6xf32>, tensor<5x6xf32>
// CHECK: %[[DB:.*]] = kiln.matmul %[[A]], %[[G0]] transpose_lhs : tensor<4x5xf32>, tensor<4x6xf32>
// CHECK: %[[DA:.*]] = kiln.add %[[DA21]], %[[DA0]]
// CHECK: return %{{.*}}, %[[DA]], %[[DB]], %[[DC]], %[[DD]]
// CLEAN-LABEL: func.func @matmul_flags_grad
// CLEAN-NOT: kiln.transpose
// CLEAN: return
func.func @matmul_flags(%a: tensor<4x5xf32> {kiln.trainable}, %b: tensor<5x6xf32> {kiln.trainable},
                        %c: tensor<4x6xf32> {kiln.trainable}, %d: tensor<6x5xf32> {kiln.trainable}) -> tensor<f32> {
  %0 = kiln.matmul %a, %b : tensor<4x5xf32>, tensor<5x6xf32>
  %1 = kiln.matmul %c, %a transpose_lhs : tensor<4x6xf32>, tensor<4x5xf32>
  %2 = kiln.matmul %a, %d transpose_rhs : tensor<4x5xf32>, tensor<6x5xf32>
  %3 = kiln.matmul %d, %c transpose_lhs transpose_rhs : tensor<6x5xf32>, tensor<4x6xf32>
  %s0 = kiln.reduce_sum %0 axes = [0, 1] : tensor<4x6xf32>
  %s1 = kiln.reduce_sum %1 axes = [0, 1] : tensor<6x5xf32>
  %s2 = kiln.reduce_sum %2 axes = [0, 1] : tensor<4x6xf32>
  %s3 = kiln.reduce_sum %3 axes = [0, 1] : tensor<5x4xf32>
  %t0 = kiln.add %s0, %s1 : tensor<f32>, tensor<f32>
  %t1 = kiln.add %s2, %s3 : tensor<f32>, tensor<f32>
  %t = kiln.add %t0, %t1 : tensor<f32>, tensor<f32>
  return %t : tensor<f32>
}

// -----
// Tests a batched (rank-3) matmul: the same formulas apply per batch.
// CHECK-LABEL: func.func @matmul_batched_grad
// CHECK-SAME: (%[[A:.*]]: tensor<?x4x5xf32> {kiln.trainable}, %[[B:.*]]: tensor<?x5x6xf32>)
// CHECK: %[[G:.*]] = kiln.broadcast_like %{{.*}}, %{{.*}} : tensor<f32>, tensor<?x4x6xf32>
// CHECK: %[[DA:.*]] = kiln.matmul %[[G]], %[[B]] transpose_rhs : tensor<?x4x6xf32>, tensor<?x5x6xf32>
// CHECK-NOT: kiln.matmul
// CHECK: return %{{.*}}, %[[DA]] : tensor<f32>, tensor<?x4x5xf32>
// CLEAN-LABEL: func.func @matmul_batched_grad
// CLEAN: return
func.func @matmul_batched(%a: tensor<?x4x5xf32> {kiln.trainable}, %b: tensor<?x5x6xf32>) -> tensor<f32> {
  %0 = kiln.matmul %a, %b : tensor<?x4x5xf32>, tensor<?x5x6xf32>
  %1 = kiln.reduce_sum %0 axes = [0, 1, 2] : tensor<?x4x6xf32>
  return %1 : tensor<f32>
}
