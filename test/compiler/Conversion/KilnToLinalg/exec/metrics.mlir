// RUN: kiln-opt %s %kiln-to-llvm | %mlir-runner | FileCheck %s

// Tests the accuracy metrics on a dynamic batch: thresholds, first-index
// arg-max on ties and the three label types. Expected values computed with
// plain python3.
// @main and the CHECK lines are written by expected.py (python3 expected.py).

func.func @metrics(%yb: tensor<?x3xf32>, %pb: tensor<?x3xf32>, %y: tensor<?x3xf32>, %p: tensor<?x3xf32>,
                   %l32: tensor<?xi32>, %lf: tensor<?xf32>, %l64: tensor<?x1xi64>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %0 = kiln.binary_accuracy %yb, %pb threshold = 0.5 : tensor<?x3xf32>, tensor<?x3xf32>
  %1 = kiln.binary_accuracy %yb, %pb threshold = 0.6 : tensor<?x3xf32>, tensor<?x3xf32>
  %2 = kiln.categorical_accuracy %y, %p : tensor<?x3xf32>, tensor<?x3xf32>
  %3 = kiln.sparse_categorical_accuracy %l32, %p : tensor<?xi32>, tensor<?x3xf32>
  %4 = kiln.sparse_categorical_accuracy %lf, %p : tensor<?xf32>, tensor<?x3xf32>
  %5 = kiln.sparse_categorical_accuracy %l64, %p : tensor<?x1xi64>, tensor<?x3xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
}

func.func @main() {
  %c1 = arith.constant dense<[[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]> : tensor<2x3xf32>
  %d2 = tensor.cast %c1 : tensor<2x3xf32> to tensor<?x3xf32>
  %c3 = arith.constant dense<[[0.7, 0.5, 0.2], [0.1, 0.9, 0.6]]> : tensor<2x3xf32>
  %d4 = tensor.cast %c3 : tensor<2x3xf32> to tensor<?x3xf32>
  %c5 = arith.constant dense<[[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]> : tensor<4x3xf32>
  %d6 = tensor.cast %c5 : tensor<4x3xf32> to tensor<?x3xf32>
  %c7 = arith.constant dense<[[0.1, 0.8, 0.1], [0.4, 0.4, 0.2], [0.5, 0.2, 0.3], [0.3, 0.3, 0.3]]> : tensor<4x3xf32>
  %d8 = tensor.cast %c7 : tensor<4x3xf32> to tensor<?x3xf32>
  %c9 = arith.constant dense<[1, 0, 2, 1]> : tensor<4xi32>
  %d10 = tensor.cast %c9 : tensor<4xi32> to tensor<?xi32>
  %c11 = arith.constant dense<[1.0, 0.0, 0.0, 1.0]> : tensor<4xf32>
  %d12 = tensor.cast %c11 : tensor<4xf32> to tensor<?xf32>
  %c13 = arith.constant dense<[[1], [0], [2], [0]]> : tensor<4x1xi64>
  %d14 = tensor.cast %c13 : tensor<4x1xi64> to tensor<?x1xi64>
  %r15:6 = call @metrics(%d2, %d4, %d6, %d8, %d10, %d12, %d14) : (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?xi32>, tensor<?xf32>, tensor<?x1xi64>) -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>)
  %u16 = tensor.cast %r15#0 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u16) : (tensor<*xf32>) -> ()
  %u17 = tensor.cast %r15#1 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u17) : (tensor<*xf32>) -> ()
  %u18 = tensor.cast %r15#2 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u18) : (tensor<*xf32>) -> ()
  %u19 = tensor.cast %r15#3 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u19) : (tensor<*xf32>) -> ()
  %u20 = tensor.cast %r15#4 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u20) : (tensor<*xf32>) -> ()
  %u21 = tensor.cast %r15#5 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u21) : (tensor<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(tensor<*xf32>)

// binary_accuracy threshold 0.5 (0.5 itself is not above)
// CHECK: data =
// CHECK-NEXT: [{{0\.66666[0-9]*}}]
// binary_accuracy threshold 0.6
// CHECK: data =
// CHECK-NEXT: [0.5]
// categorical_accuracy: ties pick the first index
// CHECK: data =
// CHECK-NEXT: [0.5]
// sparse_categorical_accuracy, i32 labels
// CHECK: data =
// CHECK-NEXT: [0.5]
// sparse_categorical_accuracy, f32 labels
// CHECK: data =
// CHECK-NEXT: [0.75]
// sparse_categorical_accuracy, i64 labels of shape (?, 1)
// CHECK: data =
// CHECK-NEXT: [0.75]
