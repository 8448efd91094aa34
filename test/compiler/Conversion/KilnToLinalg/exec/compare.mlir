// RUN: kiln-opt %s %kiln-to-llvm | %mlir-runner | FileCheck %s

// Tests the comparisons (1.0 or 0.0, with broadcasting and NaN), maximum,
// minimum and argmax (first index on ties, any axis) that custom metrics and
// losses are written with, with a dynamic batch. Expected values computed
// with plain python3.
// @main and the CHECK lines are written by expected.py (python3 expected.py).

func.func @compare(%a: tensor<?x4xf32>, %b: tensor<4xf32>)
    -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %0 = kiln.equal %a, %b : tensor<?x4xf32>, tensor<4xf32>
  %1 = kiln.not_equal %a, %b : tensor<?x4xf32>, tensor<4xf32>
  %2 = kiln.greater %a, %b : tensor<?x4xf32>, tensor<4xf32>
  %3 = kiln.greater_equal %a, %b : tensor<?x4xf32>, tensor<4xf32>
  %4 = kiln.less %a, %b : tensor<?x4xf32>, tensor<4xf32>
  %5 = kiln.less_equal %a, %b : tensor<?x4xf32>, tensor<4xf32>
  %6 = kiln.maximum %a, %b : tensor<?x4xf32>, tensor<4xf32>
  %7 = kiln.minimum %a, %b : tensor<?x4xf32>, tensor<4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}

func.func @argmaxes(%x: tensor<?x4xf32>) -> (tensor<?xf32>, tensor<4xf32>) {
  %0 = kiln.argmax %x axis = -1 : tensor<?x4xf32>
  %1 = kiln.argmax %x axis = 0 : tensor<?x4xf32>
  return %0, %1 : tensor<?xf32>, tensor<4xf32>
}

func.func @main() {
  %c1 = arith.constant dense<[[1.0, 2.0, 3.0, 0x7FC00000], [0.0, 5.0, -1.0, 2.0], [4.0, 2.0, 3.0, 7.0]]> : tensor<3x4xf32>
  %d2 = tensor.cast %c1 : tensor<3x4xf32> to tensor<?x4xf32>
  %c3 = arith.constant dense<[1.0, 5.0, 3.0, 2.0]> : tensor<4xf32>
  %r4:8 = call @compare(%d2, %c3) : (tensor<?x4xf32>, tensor<4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>)
  %u5 = tensor.cast %r4#0 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u5) : (tensor<*xf32>) -> ()
  %u6 = tensor.cast %r4#1 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u6) : (tensor<*xf32>) -> ()
  %u7 = tensor.cast %r4#2 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u7) : (tensor<*xf32>) -> ()
  %u8 = tensor.cast %r4#3 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u8) : (tensor<*xf32>) -> ()
  %u9 = tensor.cast %r4#4 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u9) : (tensor<*xf32>) -> ()
  %u10 = tensor.cast %r4#5 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u10) : (tensor<*xf32>) -> ()
  %c11 = arith.constant dense<[[1.0, 2.0, 3.0, 0.5], [0.0, 5.0, -1.0, 2.0], [4.0, 2.0, 3.0, 7.0]]> : tensor<3x4xf32>
  %d12 = tensor.cast %c11 : tensor<3x4xf32> to tensor<?x4xf32>
  %r13:8 = call @compare(%d12, %c3) : (tensor<?x4xf32>, tensor<4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>)
  %u14 = tensor.cast %r13#6 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u14) : (tensor<*xf32>) -> ()
  %u15 = tensor.cast %r13#7 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u15) : (tensor<*xf32>) -> ()
  %c16 = arith.constant dense<[[1.0, 3.0, 2.0, 3.0], [-1.0, -2.0, 0.5, 4.0], [2.0, 2.0, 2.0, 2.0]]> : tensor<3x4xf32>
  %d17 = tensor.cast %c16 : tensor<3x4xf32> to tensor<?x4xf32>
  %r18:2 = call @argmaxes(%d17) : (tensor<?x4xf32>) -> (tensor<?xf32>, tensor<4xf32>)
  %u19 = tensor.cast %r18#0 : tensor<?xf32> to tensor<*xf32>
  call @printMemrefF32(%u19) : (tensor<*xf32>) -> ()
  %u20 = tensor.cast %r18#1 : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%u20) : (tensor<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(tensor<*xf32>)

// equal (NaN is not equal to anything)
// CHECK: data =
// CHECK-NEXT: [1, 0, 1, 0]
// CHECK-NEXT: [0, 1, 0, 1]
// CHECK-NEXT: [0, 0, 1, 0]
// not_equal (NaN is)
// CHECK: data =
// CHECK-NEXT: [0, 1, 0, 1]
// CHECK-NEXT: [1, 0, 1, 0]
// CHECK-NEXT: [1, 1, 0, 1]
// greater
// CHECK: data =
// CHECK-NEXT: [0, 0, 0, 0]
// CHECK-NEXT: [0, 0, 0, 0]
// CHECK-NEXT: [1, 0, 0, 1]
// greater_equal
// CHECK: data =
// CHECK-NEXT: [1, 0, 1, 0]
// CHECK-NEXT: [0, 1, 0, 1]
// CHECK-NEXT: [1, 0, 1, 1]
// less
// CHECK: data =
// CHECK-NEXT: [0, 1, 0, 0]
// CHECK-NEXT: [1, 0, 1, 0]
// CHECK-NEXT: [0, 1, 0, 0]
// less_equal
// CHECK: data =
// CHECK-NEXT: [1, 1, 1, 0]
// CHECK-NEXT: [1, 1, 1, 1]
// CHECK-NEXT: [0, 1, 1, 0]
// maximum
// CHECK: data =
// CHECK-NEXT: [1, 5, 3, 2]
// CHECK-NEXT: [1, 5, 3, 2]
// CHECK-NEXT: [4, 5, 3, 7]
// minimum
// CHECK: data =
// CHECK-NEXT: [1, 2, 3, 0.5]
// CHECK-NEXT: [0, 5, -1, 2]
// CHECK-NEXT: [1, 2, 3, 2]
// argmax axis = -1 (ties: the first index)
// CHECK: data =
// CHECK-NEXT: [1, 3, 0]
// argmax axis = 0
// CHECK: data =
// CHECK-NEXT: [2, 0, 0, 1]
