// RUN: kiln-opt %s %kiln-to-llvm | %mlir-runner | FileCheck %s

// Tests that every loss computes Keras's formula (clipping to [1e-7, 1 - 1e-7]
// in float32, normalization of categorical probabilities, from_logits forms,
// sparse labels as i32, i64 of shape (?, 1) and f32) and that loss_grad is
// its derivative: expected gradients are python3 central finite differences
// of the python3 loss, times dloss = 2.
// @main and the CHECK lines are written by expected.py (python3 expected.py).

func.func @losses(%y: tensor<?x3xf32>, %p: tensor<?x3xf32>, %yb: tensor<?x3xf32>, %pb: tensor<?x3xf32>,
                  %z: tensor<?x3xf32>, %l32: tensor<?xi32>, %l64: tensor<?x1xi64>, %lf: tensor<?xf32>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>,
        tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %0 = kiln.mse %y, %p : tensor<?x3xf32>, tensor<?x3xf32>
  %1 = kiln.mae %y, %p : tensor<?x3xf32>, tensor<?x3xf32>
  %2 = kiln.binary_crossentropy %yb, %pb : tensor<?x3xf32>, tensor<?x3xf32>
  %3 = kiln.binary_crossentropy %yb, %z from_logits : tensor<?x3xf32>, tensor<?x3xf32>
  %4 = kiln.categorical_crossentropy %y, %p : tensor<?x3xf32>, tensor<?x3xf32>
  %oh = arith.constant dense<[[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]> : tensor<2x3xf32>
  %ohd = tensor.cast %oh : tensor<2x3xf32> to tensor<?x3xf32>
  %5 = kiln.categorical_crossentropy %ohd, %z from_logits : tensor<?x3xf32>, tensor<?x3xf32>
  %6 = kiln.sparse_categorical_crossentropy %l32, %p : tensor<?xi32>, tensor<?x3xf32>
  %7 = kiln.sparse_categorical_crossentropy %l64, %p : tensor<?x1xi64>, tensor<?x3xf32>
  %8 = kiln.sparse_categorical_crossentropy %lf, %p : tensor<?xf32>, tensor<?x3xf32>
  %9 = kiln.sparse_categorical_crossentropy %l32, %z from_logits : tensor<?xi32>, tensor<?x3xf32>
  %10 = kiln.sparse_categorical_crossentropy %l64, %z from_logits : tensor<?x1xi64>, tensor<?x3xf32>
  %11 = kiln.sparse_categorical_crossentropy %lf, %z from_logits : tensor<?xf32>, tensor<?x3xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11
      : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>,
        tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
}

func.func @loss_grads(%y: tensor<?x3xf32>, %p: tensor<?x3xf32>, %yb: tensor<?x3xf32>, %pb: tensor<?x3xf32>,
                      %z: tensor<?x3xf32>, %l32: tensor<?xi32>, %l64: tensor<?x1xi64>, %dl: tensor<f32>)
    -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>,
        tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>) {
  %0 = kiln.loss_grad %y, %p, %dl kind = mse : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  %1 = kiln.loss_grad %y, %p, %dl kind = mae : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  %2 = kiln.loss_grad %yb, %pb, %dl kind = binary_crossentropy : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  %3 = kiln.loss_grad %yb, %z, %dl kind = binary_crossentropy from_logits : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  %4 = kiln.loss_grad %y, %p, %dl kind = categorical_crossentropy : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  %oh = arith.constant dense<[[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]> : tensor<2x3xf32>
  %ohd = tensor.cast %oh : tensor<2x3xf32> to tensor<?x3xf32>
  %5 = kiln.loss_grad %ohd, %z, %dl kind = categorical_crossentropy from_logits : tensor<?x3xf32>, tensor<?x3xf32>, tensor<f32>
  %6 = kiln.loss_grad %l32, %p, %dl kind = sparse_categorical_crossentropy : tensor<?xi32>, tensor<?x3xf32>, tensor<f32>
  %7 = kiln.loss_grad %l64, %z, %dl kind = sparse_categorical_crossentropy from_logits : tensor<?x1xi64>, tensor<?x3xf32>, tensor<f32>
  %ones = arith.constant dense<1> : tensor<2xi32>
  %onesd = tensor.cast %ones : tensor<2xi32> to tensor<?xi32>
  %8 = kiln.loss_grad %onesd, %p, %dl kind = sparse_categorical_crossentropy : tensor<?xi32>, tensor<?x3xf32>, tensor<f32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8
      : tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>,
        tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>
}

func.func @main() {
  %c1 = arith.constant dense<[[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]]> : tensor<2x3xf32>
  %d2 = tensor.cast %c1 : tensor<2x3xf32> to tensor<?x3xf32>
  %c3 = arith.constant dense<[[0.2, 0.6, 0.4], [0.1, 0.0, 0.7]]> : tensor<2x3xf32>
  %d4 = tensor.cast %c3 : tensor<2x3xf32> to tensor<?x3xf32>
  %c5 = arith.constant dense<[[1.0, 0.0, 1.0], [1.0, 0.5, 0.0]]> : tensor<2x3xf32>
  %d6 = tensor.cast %c5 : tensor<2x3xf32> to tensor<?x3xf32>
  %c7 = arith.constant dense<[[0.9, 0.0, 0.3], [1.0, 0.5, 0.2]]> : tensor<2x3xf32>
  %d8 = tensor.cast %c7 : tensor<2x3xf32> to tensor<?x3xf32>
  %c9 = arith.constant dense<[[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]]> : tensor<2x3xf32>
  %d10 = tensor.cast %c9 : tensor<2x3xf32> to tensor<?x3xf32>
  %c11 = arith.constant dense<[1, 2]> : tensor<2xi32>
  %d12 = tensor.cast %c11 : tensor<2xi32> to tensor<?xi32>
  %c13 = arith.constant dense<[[1], [2]]> : tensor<2x1xi64>
  %d14 = tensor.cast %c13 : tensor<2x1xi64> to tensor<?x1xi64>
  %c15 = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %d16 = tensor.cast %c15 : tensor<2xf32> to tensor<?xf32>
  %r17:12 = call @losses(%d2, %d4, %d6, %d8, %d10, %d12, %d14, %d16) : (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?xi32>, tensor<?x1xi64>, tensor<?xf32>) -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>)
  %u18 = tensor.cast %r17#0 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u18) : (tensor<*xf32>) -> ()
  %u19 = tensor.cast %r17#1 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u19) : (tensor<*xf32>) -> ()
  %u20 = tensor.cast %r17#2 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u20) : (tensor<*xf32>) -> ()
  %u21 = tensor.cast %r17#3 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u21) : (tensor<*xf32>) -> ()
  %u22 = tensor.cast %r17#4 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u22) : (tensor<*xf32>) -> ()
  %u23 = tensor.cast %r17#5 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u23) : (tensor<*xf32>) -> ()
  %u24 = tensor.cast %r17#6 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u24) : (tensor<*xf32>) -> ()
  %u25 = tensor.cast %r17#7 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u25) : (tensor<*xf32>) -> ()
  %u26 = tensor.cast %r17#8 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u26) : (tensor<*xf32>) -> ()
  %u27 = tensor.cast %r17#9 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u27) : (tensor<*xf32>) -> ()
  %u28 = tensor.cast %r17#10 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u28) : (tensor<*xf32>) -> ()
  %u29 = tensor.cast %r17#11 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u29) : (tensor<*xf32>) -> ()
  %c30 = arith.constant dense<2.0> : tensor<f32>
  %r31:9 = call @loss_grads(%d2, %d4, %d6, %d8, %d10, %d12, %d14, %c30) : (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?xi32>, tensor<?x1xi64>, tensor<f32>) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>)
  %u32 = tensor.cast %r31#0 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u32) : (tensor<*xf32>) -> ()
  %u33 = tensor.cast %r31#1 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u33) : (tensor<*xf32>) -> ()
  %u34 = tensor.cast %r31#2 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u34) : (tensor<*xf32>) -> ()
  %u35 = tensor.cast %r31#3 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u35) : (tensor<*xf32>) -> ()
  %u36 = tensor.cast %r31#4 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u36) : (tensor<*xf32>) -> ()
  %u37 = tensor.cast %r31#5 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u37) : (tensor<*xf32>) -> ()
  %u38 = tensor.cast %r31#6 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u38) : (tensor<*xf32>) -> ()
  %u39 = tensor.cast %r31#7 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u39) : (tensor<*xf32>) -> ()
  %u40 = tensor.cast %r31#8 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u40) : (tensor<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(tensor<*xf32>)

// mse
// CHECK: data =
// CHECK-NEXT: [{{0\.08333[0-9]*}}]
// mae
// CHECK: data =
// CHECK-NEXT: [{{0\.26666[0-9]*}}]
// binary_crossentropy (clipped 0 and 1)
// CHECK: data =
// CHECK-NEXT: [{{0\.3709[0-9]*}}]
// binary_crossentropy from_logits
// CHECK: data =
// CHECK-NEXT: [{{0\.5471[0-9]*}}]
// categorical_crossentropy (normalized, clipped 0)
// CHECK: data =
// CHECK-NEXT: [{{3\.005[0-9]*}}]
// categorical_crossentropy from_logits
// CHECK: data =
// CHECK-NEXT: [{{4\.1481[0-9]*}}]
// sparse_categorical_crossentropy, i32 labels
// CHECK: data =
// CHECK-NEXT: [{{0\.4133[0-9]*}}]
// sparse_categorical_crossentropy, i64 labels of shape (?, 1)
// CHECK: data =
// CHECK-NEXT: [{{0\.4133[0-9]*}}]
// sparse_categorical_crossentropy, f32 labels
// CHECK: data =
// CHECK-NEXT: [{{0\.4133[0-9]*}}]
// sparse_categorical_crossentropy from_logits, i32 labels
// CHECK: data =
// CHECK-NEXT: [{{4\.1481[0-9]*}}]
// sparse_categorical_crossentropy from_logits, i64 labels of shape (?, 1)
// CHECK: data =
// CHECK-NEXT: [{{4\.1481[0-9]*}}]
// sparse_categorical_crossentropy from_logits, f32 labels
// CHECK: data =
// CHECK-NEXT: [{{4\.1481[0-9]*}}]
// loss_grad mse (finite differences)
// CHECK: data =
// CHECK-NEXT: [{{0\.1333[0-9]*}}, {{-0\.2666[0-9]*}}, {{0\.2666[0-9]*}}]
// CHECK-NEXT: [{{-0\.0666[0-9]*}}, {{(-0\.2(000[0-9]*)?|-0\.1999[0-9]*)}}, {{0\.1333[0-9]*}}]
// loss_grad mae (finite differences)
// CHECK: data =
// CHECK-NEXT: [{{0\.3333[0-9]*}}, {{-0\.3333[0-9]*}}, {{0\.3333[0-9]*}}]
// CHECK-NEXT: [{{-0\.3333[0-9]*}}, {{-0\.3333[0-9]*}}, {{0\.3333[0-9]*}}]
// loss_grad binary_crossentropy: 0 where clipped (finite differences)
// CHECK: data =
// CHECK-NEXT: [{{-0\.37(0[0-9]*)?}}, 0, {{-1\.111[0-9]*}}]
// CHECK-NEXT: [0, 0, {{0\.416[0-9]*}}]
// loss_grad binary_crossentropy from_logits (finite differences)
// CHECK: data =
// CHECK-NEXT: [{{-0\.03973[0-9]*}}, {{0\.0896[0-9]*}}, {{-0\.1258[0-9]*}}]
// CHECK-NEXT: [{{-0\.1666[0-9]*}}, {{0\.1508[0-9]*}}, {{0\.03973[0-9]*}}]
// loss_grad categorical_crossentropy through normalization and clip (finite differences)
// CHECK: data =
// CHECK-NEXT: [{{0\.833[0-9]*}}, {{-0\.833[0-9]*}}, {{0\.833[0-9]*}}]
// CHECK-NEXT: [{{-1\.12[0-9]*}}, {{(0\.8749[0-9]*|0\.875(0[0-9]*)?)}}, {{0\.16(0[0-9]*)?}}]
// loss_grad categorical_crossentropy from_logits (finite differences)
// CHECK: data =
// CHECK-NEXT: [{{0\.785[0-9]*}}, {{-0\.96(0[0-9]*)?}}, {{0\.175[0-9]*}}]
// CHECK-NEXT: [{{0\.0471[0-9]*}}, {{0\.946[0-9]*}}, {{-0\.993[0-9]*}}]
// loss_grad sparse_categorical_crossentropy, i32 labels (finite differences)
// CHECK: data =
// CHECK-NEXT: [{{0\.833[0-9]*}}, {{-0\.833[0-9]*}}, {{0\.833[0-9]*}}]
// CHECK-NEXT: [{{(1\.249[0-9]*|1\.25(0[0-9]*)?)}}, {{(1\.249[0-9]*|1\.25(0[0-9]*)?)}}, {{-0\.1785[0-9]*}}]
// loss_grad sparse_categorical_crossentropy from_logits, i64 labels (?, 1) (finite differences)
// CHECK: data =
// CHECK-NEXT: [{{0\.785[0-9]*}}, {{-0\.96(0[0-9]*)?}}, {{0\.175[0-9]*}}]
// CHECK-NEXT: [{{0\.0471[0-9]*}}, {{0\.946[0-9]*}}, {{-0\.993[0-9]*}}]
// loss_grad sparse_categorical_crossentropy on probabilities with a clipped label (finite differences)
// CHECK: data =
// CHECK-NEXT: [{{0\.833[0-9]*}}, {{-0\.833[0-9]*}}, {{0\.833[0-9]*}}]
// CHECK-NEXT: [0, 0, 0]
