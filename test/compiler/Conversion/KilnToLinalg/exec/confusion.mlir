// RUN: kiln-opt %s %kiln-to-llvm | %mlir-runner | FileCheck %s

// Tests the counts behind Keras's confusion metrics (thresholds, class_id,
// top_k with ties) and the top-k accuracies on a dynamic batch. Expected
// values computed with plain python3.
// @main and the CHECK lines are written by expected.py (python3 expected.py).

func.func @confusion(%y: tensor<?x3xf32>, %p: tensor<?x3xf32>, %l: tensor<?xi32>)
    -> (tensor<4x3xf32>, tensor<4x1xf32>, tensor<4x2xf32>, tensor<4x1xf32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %0 = kiln.confusion_counts %y, %p thresholds = [-1.0e-7, 0.5, 0.7] : tensor<?x3xf32>, tensor<?x3xf32>
  %1 = kiln.confusion_counts %y, %p thresholds = [0.5] class_id = 2 : tensor<?x3xf32>, tensor<?x3xf32>
  %2 = kiln.confusion_counts %y, %p thresholds = [-1.0e10, 0.35] top_k = 1 : tensor<?x3xf32>, tensor<?x3xf32>
  %3 = kiln.confusion_counts %y, %p thresholds = [0.3] top_k = 2 class_id = 1 : tensor<?x3xf32>, tensor<?x3xf32>
  %4 = kiln.top_k_categorical_accuracy %y, %p k = 1 : tensor<?x3xf32>, tensor<?x3xf32>
  %5 = kiln.top_k_categorical_accuracy %y, %p k = 2 : tensor<?x3xf32>, tensor<?x3xf32>
  %6 = kiln.sparse_top_k_categorical_accuracy %l, %p k = 2 : tensor<?xi32>, tensor<?x3xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<4x3xf32>, tensor<4x1xf32>, tensor<4x2xf32>, tensor<4x1xf32>, tensor<f32>, tensor<f32>, tensor<f32>
}

func.func @main() {
  %c1 = arith.constant dense<[[1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]> : tensor<5x3xf32>
  %d2 = tensor.cast %c1 : tensor<5x3xf32> to tensor<?x3xf32>
  %c3 = arith.constant dense<[[0.9, 0.2, 0.5], [0.4, 0.4, 0.1], [0.3, 0.7, 0.6], [0.2, 0.2, 0.2], [0.1, 0.8, 0.35]]> : tensor<5x3xf32>
  %d4 = tensor.cast %c3 : tensor<5x3xf32> to tensor<?x3xf32>
  %c5 = arith.constant dense<[0, 2, 1, 0, 1]> : tensor<5xi32>
  %d6 = tensor.cast %c5 : tensor<5xi32> to tensor<?xi32>
  %r7:7 = call @confusion(%d2, %d4, %d6) : (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?xi32>) -> (tensor<4x3xf32>, tensor<4x1xf32>, tensor<4x2xf32>, tensor<4x1xf32>, tensor<f32>, tensor<f32>, tensor<f32>)
  %u8 = tensor.cast %r7#0 : tensor<4x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u8) : (tensor<*xf32>) -> ()
  %u9 = tensor.cast %r7#1 : tensor<4x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u9) : (tensor<*xf32>) -> ()
  %u10 = tensor.cast %r7#2 : tensor<4x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u10) : (tensor<*xf32>) -> ()
  %u11 = tensor.cast %r7#3 : tensor<4x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u11) : (tensor<*xf32>) -> ()
  %u12 = tensor.cast %r7#4 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u12) : (tensor<*xf32>) -> ()
  %u13 = tensor.cast %r7#5 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u13) : (tensor<*xf32>) -> ()
  %u14 = tensor.cast %r7#6 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u14) : (tensor<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(tensor<*xf32>)

// every element at -epsilon, 0.5 (0.5 itself is not above) and 0.7
// CHECK: data =
// CHECK-NEXT: [6, 3, 2]
// CHECK-NEXT: [9, 1, 0]
// CHECK-NEXT: [0, 8, 9]
// CHECK-NEXT: [0, 3, 4]
// class_id 2 at 0.5
// CHECK: data =
// CHECK-NEXT: [1]
// CHECK-NEXT: [0]
// CHECK-NEXT: [2]
// CHECK-NEXT: [2]
// top_k 1 (rows 1 and 3 tie: the lower index wins) at -1e10 and 0.35
// CHECK: data =
// CHECK-NEXT: [3, 2]
// CHECK-NEXT: [2, 2]
// CHECK-NEXT: [7, 7]
// CHECK-NEXT: [3, 4]
// top_k 2 and class_id 1 at 0.3 (row 1: index 1 ties index 0 and stays; row 3: index 1 stays, index 2 goes)
// CHECK: data =
// CHECK-NEXT: [1]
// CHECK-NEXT: [2]
// CHECK-NEXT: [2]
// CHECK-NEXT: [0]
// top_k_categorical_accuracy k=1: a target tied at the top counts (row 3)
// CHECK: data =
// CHECK-NEXT: [0.6]
// top_k_categorical_accuracy k=2
// CHECK: data =
// CHECK-NEXT: [{{(0\.799999[0-9]*|0\.8(0000[0-9]*)?)}}]
// sparse_top_k_categorical_accuracy k=2
// CHECK: data =
// CHECK-NEXT: [{{(0\.799999[0-9]*|0\.8(0000[0-9]*)?)}}]
