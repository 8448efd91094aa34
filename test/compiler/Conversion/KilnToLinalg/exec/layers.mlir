// RUN: kiln-opt %s %kiln-to-llvm | %mlir-runner | FileCheck %s

// Tests that dense, matmul, broadcasting arithmetic, activations, reshape and
// transpose compute the right numbers. Expected values computed with plain
// python3 (float64, printed as printMemrefF32's 6 significant digits).
// @main and the CHECK lines are written by expected.py (python3 expected.py).

func.func @dense(%x: tensor<?x4xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  %0 = kiln.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x3xf32>, tensor<3xf32>
  return %0 : tensor<?x3xf32>
}

func.func @dense_rank3(%x: tensor<?x2x3xf32>, %w: tensor<3x2xf32>) -> tensor<?x2x2xf32> {
  %0 = kiln.dense %x, %w : tensor<?x2x3xf32>, tensor<3x2xf32>
  return %0 : tensor<?x2x2xf32>
}

func.func @binary(%a: tensor<?x3xf32>, %b: tensor<3xf32>, %c: tensor<?x1xf32>, %d: tensor<1x3xf32>)
    -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>) {
  %0 = kiln.add %a, %b : tensor<?x3xf32>, tensor<3xf32>
  %1 = kiln.sub %c, %a : tensor<?x1xf32>, tensor<?x3xf32>
  %2 = kiln.mul %a, %d : tensor<?x3xf32>, tensor<1x3xf32>
  %3 = kiln.div %c, %d : tensor<?x1xf32>, tensor<1x3xf32>
  return %0, %1, %2, %3 : tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>
}

func.func @activations(%v: tensor<?x3xf32>, %pos: tensor<?x3xf32>)
    -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>) {
  %0 = kiln.relu %v : tensor<?x3xf32>
  %1 = kiln.sigmoid %v : tensor<?x3xf32>
  %2 = kiln.tanh %v : tensor<?x3xf32>
  %3 = kiln.exp %v : tensor<?x3xf32>
  %4 = kiln.log %pos : tensor<?x3xf32>
  return %0, %1, %2, %3, %4 : tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>
}

func.func @matmuls(%a: tensor<?x3xf32>, %e: tensor<?x2xf32>, %f: tensor<2x3xf32>, %bl: tensor<2x2x2xf32>, %br: tensor<2x3x2xf32>)
    -> (tensor<3x2xf32>, tensor<?x2xf32>, tensor<2x2x3xf32>, tensor<2x2x2xf32>) {
  %0 = kiln.matmul %a, %e transpose_lhs : tensor<?x3xf32>, tensor<?x2xf32>
  %1 = kiln.matmul %a, %f transpose_rhs : tensor<?x3xf32>, tensor<2x3xf32>
  %2 = kiln.matmul %bl, %br transpose_rhs : tensor<2x2x2xf32>, tensor<2x3x2xf32>
  %3 = kiln.matmul %bl, %bl : tensor<2x2x2xf32>, tensor<2x2x2xf32>
  return %0, %1, %2, %3 : tensor<3x2xf32>, tensor<?x2xf32>, tensor<2x2x3xf32>, tensor<2x2x2xf32>
}

func.func @shapes(%x: tensor<?x2x3xf32>) -> (tensor<?x6xf32>, tensor<3x?x2xf32>) {
  %0 = kiln.reshape %x : tensor<?x2x3xf32> -> tensor<?x6xf32>
  %1 = kiln.transpose %x permutation = [2, 0, 1] : tensor<?x2x3xf32>
  return %0, %1 : tensor<?x6xf32>, tensor<3x?x2xf32>
}

func.func @main() {
  %c1 = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.0, 2.0]]> : tensor<2x4xf32>
  %d2 = tensor.cast %c1 : tensor<2x4xf32> to tensor<?x4xf32>
  %c3 = arith.constant dense<[[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [1.0, 1.0, 0.0], [0.0, 0.0, -1.0]]> : tensor<4x3xf32>
  %c4 = arith.constant dense<[0.5, -0.5, 1.0]> : tensor<3xf32>
  %r5 = call @dense(%d2, %c3, %c4) : (tensor<?x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> (tensor<?x3xf32>)
  %u6 = tensor.cast %r5 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u6) : (tensor<*xf32>) -> ()
  %c7 = arith.constant dense<[[[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]], [[2.0, 2.0, 2.0], [-1.0, 0.5, 1.0]]]> : tensor<2x2x3xf32>
  %d8 = tensor.cast %c7 : tensor<2x2x3xf32> to tensor<?x2x3xf32>
  %c9 = arith.constant dense<[[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]]> : tensor<3x2xf32>
  %r10 = call @dense_rank3(%d8, %c9) : (tensor<?x2x3xf32>, tensor<3x2xf32>) -> (tensor<?x2x2xf32>)
  %u11 = tensor.cast %r10 : tensor<?x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u11) : (tensor<*xf32>) -> ()
  %c12 = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %d13 = tensor.cast %c12 : tensor<2x3xf32> to tensor<?x3xf32>
  %c14 = arith.constant dense<[10.0, 20.0, 30.0]> : tensor<3xf32>
  %c15 = arith.constant dense<[[2.0], [4.0]]> : tensor<2x1xf32>
  %d16 = tensor.cast %c15 : tensor<2x1xf32> to tensor<?x1xf32>
  %c17 = arith.constant dense<[[1.0, 2.0, 4.0]]> : tensor<1x3xf32>
  %r18:4 = call @binary(%d13, %c14, %d16, %c17) : (tensor<?x3xf32>, tensor<3xf32>, tensor<?x1xf32>, tensor<1x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>)
  %u19 = tensor.cast %r18#0 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u19) : (tensor<*xf32>) -> ()
  %u20 = tensor.cast %r18#1 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u20) : (tensor<*xf32>) -> ()
  %u21 = tensor.cast %r18#2 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u21) : (tensor<*xf32>) -> ()
  %u22 = tensor.cast %r18#3 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u22) : (tensor<*xf32>) -> ()
  %c23 = arith.constant dense<[[-1.0, 0.0, 0.5], [1.0, 2.0, -3.0]]> : tensor<2x3xf32>
  %d24 = tensor.cast %c23 : tensor<2x3xf32> to tensor<?x3xf32>
  %c25 = arith.constant dense<[[0.5, 1.0, 2.0], [4.0, 8.0, 0.25]]> : tensor<2x3xf32>
  %d26 = tensor.cast %c25 : tensor<2x3xf32> to tensor<?x3xf32>
  %r27:5 = call @activations(%d24, %d26) : (tensor<?x3xf32>, tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>)
  %u28 = tensor.cast %r27#0 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u28) : (tensor<*xf32>) -> ()
  %u29 = tensor.cast %r27#1 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u29) : (tensor<*xf32>) -> ()
  %u30 = tensor.cast %r27#2 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u30) : (tensor<*xf32>) -> ()
  %u31 = tensor.cast %r27#3 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u31) : (tensor<*xf32>) -> ()
  %u32 = tensor.cast %r27#4 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u32) : (tensor<*xf32>) -> ()
  %c33 = arith.constant dense<[[1.0, -1.0], [2.0, 0.5]]> : tensor<2x2xf32>
  %d34 = tensor.cast %c33 : tensor<2x2xf32> to tensor<?x2xf32>
  %c35 = arith.constant dense<[[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]> : tensor<2x3xf32>
  %c36 = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [1.0, 0.0]]]> : tensor<2x2x2xf32>
  %c37 = arith.constant dense<[[[1.0, 0.0], [2.0, 1.0], [0.0, 3.0]], [[1.0, 1.0], [1.0, -1.0], [2.0, 2.0]]]> : tensor<2x3x2xf32>
  %r38:4 = call @matmuls(%d13, %d34, %c35, %c36, %c37) : (tensor<?x3xf32>, tensor<?x2xf32>, tensor<2x3xf32>, tensor<2x2x2xf32>, tensor<2x3x2xf32>) -> (tensor<3x2xf32>, tensor<?x2xf32>, tensor<2x2x3xf32>, tensor<2x2x2xf32>)
  %u39 = tensor.cast %r38#0 : tensor<3x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u39) : (tensor<*xf32>) -> ()
  %u40 = tensor.cast %r38#1 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u40) : (tensor<*xf32>) -> ()
  %u41 = tensor.cast %r38#2 : tensor<2x2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u41) : (tensor<*xf32>) -> ()
  %u42 = tensor.cast %r38#3 : tensor<2x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u42) : (tensor<*xf32>) -> ()
  %r43:2 = call @shapes(%d8) : (tensor<?x2x3xf32>) -> (tensor<?x6xf32>, tensor<3x?x2xf32>)
  %u44 = tensor.cast %r43#0 : tensor<?x6xf32> to tensor<*xf32>
  call @printMemrefF32(%u44) : (tensor<*xf32>) -> ()
  %u45 = tensor.cast %r43#1 : tensor<3x?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u45) : (tensor<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(tensor<*xf32>)

// dense with bias, dynamic batch
// CHECK: data =
// CHECK-NEXT: [4.5, 4.5, -1.5]
// CHECK-NEXT: [-0.5, 0, -1.25]
// dense on a rank-3 input
// CHECK: data =
// CHECK-NEXT: [2, 2]
// CHECK-NEXT: [2.5, -1]
// CHECK-NEXT: [9, 2]
// CHECK-NEXT: [1, -2.5]
// broadcasting add
// CHECK: data =
// CHECK-NEXT: [11, 22, 33]
// CHECK-NEXT: [14, 25, 36]
// broadcasting sub
// CHECK: data =
// CHECK-NEXT: [1, 0, -1]
// CHECK-NEXT: [0, -1, -2]
// broadcasting mul
// CHECK: data =
// CHECK-NEXT: [1, 4, 12]
// CHECK-NEXT: [4, 10, 24]
// broadcasting div
// CHECK: data =
// CHECK-NEXT: [2, 1, 0.5]
// CHECK-NEXT: [4, 2, 1]
// relu
// CHECK: data =
// CHECK-NEXT: [0, 0, {{(0\.49999[0-9]*|0\.5(0000[0-9]*)?)}}]
// CHECK-NEXT: [{{(0\.99999[0-9]*|1(\.0000[0-9]*)?)}}, {{(1\.9999[0-9]*|2(\.0000[0-9]*)?)}}, 0]
// sigmoid
// CHECK: data =
// CHECK-NEXT: [{{0\.2689[0-9]*}}, {{(0\.49999[0-9]*|0\.5(0000[0-9]*)?)}}, {{0\.6224[0-9]*}}]
// CHECK-NEXT: [{{0\.731(0[0-9]*)?}}, {{0\.88(0[0-9]*)?}}, {{0\.04742[0-9]*}}]
// tanh
// CHECK: data =
// CHECK-NEXT: [{{-0\.761[0-9]*}}, 0, {{0\.4621[0-9]*}}]
// CHECK-NEXT: [{{0\.761[0-9]*}}, {{0\.964(0[0-9]*)?}}, {{-0\.995(0[0-9]*)?}}]
// exp
// CHECK: data =
// CHECK-NEXT: [{{0\.3678[0-9]*}}, {{(0\.99999[0-9]*|1(\.0000[0-9]*)?)}}, {{1\.6487[0-9]*}}]
// CHECK-NEXT: [{{2\.718[0-9]*}}, {{7\.38[0-9]*}}, {{0\.04978[0-9]*}}]
// log
// CHECK: data =
// CHECK-NEXT: [{{-0\.6931[0-9]*}}, 0, {{0\.6931[0-9]*}}]
// CHECK-NEXT: [{{1\.386[0-9]*}}, {{2\.0794[0-9]*}}, {{-1\.386[0-9]*}}]
// matmul transpose_lhs
// CHECK: data =
// CHECK-NEXT: [9, 1]
// CHECK-NEXT: [12, 0.5]
// CHECK-NEXT: [15, 0]
// matmul transpose_rhs
// CHECK: data =
// CHECK-NEXT: [-2, 3]
// CHECK-NEXT: [-2, 7.5]
// batched matmul transpose_rhs
// CHECK: data =
// CHECK-NEXT: [1, 4, 6]
// CHECK-NEXT: [3, 10, 12]
// CHECK-NEXT: [1, -1, 2]
// CHECK-NEXT: [1, 1, 2]
// batched matmul
// CHECK: data =
// CHECK-NEXT: [7, 10]
// CHECK-NEXT: [15, 22]
// CHECK-NEXT: [1, 0]
// CHECK-NEXT: [0, 1]
// reshape (?, 2, 3) -> (?, 6)
// CHECK: data =
// CHECK-NEXT: [1, 0, 2, 0, 1, -1]
// CHECK-NEXT: [2, 2, 2, -1, 0.5, 1]
// transpose [2, 0, 1]
// CHECK: data =
// CHECK-NEXT: [1, 0]
// CHECK-NEXT: [2, -1]
// CHECK-NEXT: [0, 1]
// CHECK-NEXT: [2, 0.5]
// CHECK-NEXT: [2, -1]
// CHECK-NEXT: [2, 1]
