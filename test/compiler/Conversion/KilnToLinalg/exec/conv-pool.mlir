// RUN: kiln-opt %s %kiln-to-llvm | %mlir-runner | FileCheck %s

// Tests that conv2d (valid and same, strides 1 and 2, with bias) and
// max_pool2d (valid and same, overlapping windows) compute the right numbers
// on a dynamic batch, and with dynamic heights and widths. Expected values
// computed with a plain python3 loop nest.
// @main and the CHECK lines are written by expected.py (python3 expected.py).

func.func @convs(%x4: tensor<?x4x4x2xf32>, %k3: tensor<3x3x2x2xf32>, %b: tensor<2xf32>,
                 %x5: tensor<?x5x5x1xf32>, %k5: tensor<3x3x1x1xf32>)
    -> (tensor<?x2x2x2xf32>, tensor<?x2x2x2xf32>, tensor<?x3x3x1xf32>, tensor<?x2x2x1xf32>) {
  %0 = kiln.conv2d %x4, %k3, %b strides = [1, 1] padding = valid : tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>, tensor<2xf32>
  %1 = kiln.conv2d %x4, %k3 strides = [2, 2] padding = same : tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>
  %2 = kiln.conv2d %x5, %k5 strides = [2, 2] padding = same : tensor<?x5x5x1xf32>, tensor<3x3x1x1xf32>
  %3 = kiln.conv2d %x5, %k5 strides = [2, 2] padding = valid : tensor<?x5x5x1xf32>, tensor<3x3x1x1xf32>
  return %0, %1, %2, %3 : tensor<?x2x2x2xf32>, tensor<?x2x2x2xf32>, tensor<?x3x3x1xf32>, tensor<?x2x2x1xf32>
}

func.func @pools(%x4: tensor<?x4x4x2xf32>, %x5: tensor<?x5x5x1xf32>)
    -> (tensor<?x2x2x2xf32>, tensor<?x3x3x1xf32>, tensor<?x2x2x1xf32>) {
  %0 = kiln.max_pool2d %x4 pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x4x4x2xf32>
  %1 = kiln.max_pool2d %x5 pool_size = [2, 2] strides = [2, 2] padding = same : tensor<?x5x5x1xf32>
  %2 = kiln.max_pool2d %x5 pool_size = [3, 3] strides = [2, 2] padding = valid : tensor<?x5x5x1xf32>
  return %0, %1, %2 : tensor<?x2x2x2xf32>, tensor<?x3x3x1xf32>, tensor<?x2x2x1xf32>
}

func.func @dynamic_spatial(%x4: tensor<?x?x?x2xf32>, %k3: tensor<3x3x2x2xf32>, %x5: tensor<?x?x?x1xf32>, %k5: tensor<3x3x1x1xf32>)
    -> (tensor<?x?x?x2xf32>, tensor<?x?x?x1xf32>, tensor<?x?x?x1xf32>) {
  %0 = kiln.conv2d %x4, %k3 strides = [2, 2] padding = same : tensor<?x?x?x2xf32>, tensor<3x3x2x2xf32>
  %1 = kiln.conv2d %x5, %k5 strides = [2, 2] padding = valid : tensor<?x?x?x1xf32>, tensor<3x3x1x1xf32>
  %2 = kiln.max_pool2d %x5 pool_size = [2, 2] strides = [2, 2] padding = same : tensor<?x?x?x1xf32>
  return %0, %1, %2 : tensor<?x?x?x2xf32>, tensor<?x?x?x1xf32>, tensor<?x?x?x1xf32>
}

func.func @main() {
  %c1 = arith.constant dense<[[[[-5.0, 2.0], [-2.0, 5.0], [1.0, -3.0], [4.0, 0.0]], [[-4.0, 3.0], [-1.0, -5.0], [2.0, -2.0], [5.0, 1.0]], [[-3.0, 4.0], [0.0, -4.0], [3.0, -1.0], [-5.0, 2.0]], [[-2.0, 5.0], [1.0, -3.0], [4.0, 0.0], [-4.0, 3.0]]], [[[-1.0, -5.0], [2.0, -2.0], [5.0, 1.0], [-3.0, 4.0]], [[0.0, -4.0], [3.0, -1.0], [-5.0, 2.0], [-2.0, 5.0]], [[1.0, -3.0], [4.0, 0.0], [-4.0, 3.0], [-1.0, -5.0]], [[2.0, -2.0], [5.0, 1.0], [-3.0, 4.0], [0.0, -4.0]]]]> : tensor<2x4x4x2xf32>
  %d2 = tensor.cast %c1 : tensor<2x4x4x2xf32> to tensor<?x4x4x2xf32>
  %c3 = arith.constant dense<[[[[-3.0, 2.0], [0.0, -2.0]], [[3.0, 1.0], [-1.0, -3.0]], [[2.0, 0.0], [-2.0, 3.0]]], [[[1.0, -1.0], [-3.0, 2.0]], [[0.0, -2.0], [3.0, 1.0]], [[-1.0, -3.0], [2.0, 0.0]]], [[[-2.0, 3.0], [1.0, -1.0]], [[-3.0, 2.0], [0.0, -2.0]], [[3.0, 1.0], [-1.0, -3.0]]]]> : tensor<3x3x2x2xf32>
  %c4 = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %c5 = arith.constant dense<[[[[-2.0], [1.0], [4.0], [-1.0], [2.0]], [[5.0], [0.0], [3.0], [-2.0], [1.0]], [[4.0], [-1.0], [2.0], [5.0], [0.0]], [[3.0], [-2.0], [1.0], [4.0], [-1.0]], [[2.0], [5.0], [0.0], [3.0], [-2.0]]]]> : tensor<1x5x5x1xf32>
  %d6 = tensor.cast %c5 : tensor<1x5x5x1xf32> to tensor<?x5x5x1xf32>
  %c7 = arith.constant dense<[[[[-1.0]], [[0.0]], [[1.0]]], [[[0.0]], [[1.0]], [[2.0]]], [[[1.0]], [[2.0]], [[3.0]]]]> : tensor<3x3x1x1xf32>
  %r8:4 = call @convs(%d2, %c3, %c4, %d6, %c7) : (tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>, tensor<2xf32>, tensor<?x5x5x1xf32>, tensor<3x3x1x1xf32>) -> (tensor<?x2x2x2xf32>, tensor<?x2x2x2xf32>, tensor<?x3x3x1xf32>, tensor<?x2x2x1xf32>)
  %u9 = tensor.cast %r8#0 : tensor<?x2x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u9) : (tensor<*xf32>) -> ()
  %u10 = tensor.cast %r8#1 : tensor<?x2x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u10) : (tensor<*xf32>) -> ()
  %u11 = tensor.cast %r8#2 : tensor<?x3x3x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u11) : (tensor<*xf32>) -> ()
  %u12 = tensor.cast %r8#3 : tensor<?x2x2x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u12) : (tensor<*xf32>) -> ()
  %r13:3 = call @pools(%d2, %d6) : (tensor<?x4x4x2xf32>, tensor<?x5x5x1xf32>) -> (tensor<?x2x2x2xf32>, tensor<?x3x3x1xf32>, tensor<?x2x2x1xf32>)
  %u14 = tensor.cast %r13#0 : tensor<?x2x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u14) : (tensor<*xf32>) -> ()
  %u15 = tensor.cast %r13#1 : tensor<?x3x3x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u15) : (tensor<*xf32>) -> ()
  %u16 = tensor.cast %r13#2 : tensor<?x2x2x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u16) : (tensor<*xf32>) -> ()
  %d17 = tensor.cast %d2 : tensor<?x4x4x2xf32> to tensor<?x?x?x2xf32>
  %d18 = tensor.cast %d6 : tensor<?x5x5x1xf32> to tensor<?x?x?x1xf32>
  %r19:3 = call @dynamic_spatial(%d17, %c3, %d18, %c7) : (tensor<?x?x?x2xf32>, tensor<3x3x2x2xf32>, tensor<?x?x?x1xf32>, tensor<3x3x1x1xf32>) -> (tensor<?x?x?x2xf32>, tensor<?x?x?x1xf32>, tensor<?x?x?x1xf32>)
  %u20 = tensor.cast %r19#0 : tensor<?x?x?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u20) : (tensor<*xf32>) -> ()
  %u21 = tensor.cast %r19#1 : tensor<?x?x?x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u21) : (tensor<*xf32>) -> ()
  %u22 = tensor.cast %r19#2 : tensor<?x?x?x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u22) : (tensor<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(tensor<*xf32>)

// conv2d valid, stride 1, bias
// CHECK: data =
// CHECK-NEXT: [-1.5, -39]
// CHECK-NEXT: [-4.5, -34]
// CHECK-NEXT: [8.5, -8]
// CHECK-NEXT: [5.5, 19]
// CHECK-NEXT: [5.5, 19]
// CHECK-NEXT: [24.5, 46]
// CHECK-NEXT: [-17.5, 17]
// CHECK-NEXT: [-31.5, 33]
// conv2d same, stride 2 on 4x4: pads 0 before, 1 after
// CHECK: data =
// CHECK-NEXT: [-2, -38]
// CHECK-NEXT: [28, -7]
// CHECK-NEXT: [-9, -10]
// CHECK-NEXT: [-13, 4]
// CHECK-NEXT: [5, 20]
// CHECK-NEXT: [-10, 4]
// CHECK-NEXT: [17, 15]
// CHECK-NEXT: [-13, 7]
// conv2d same, stride 2 on 5x5: pads 1 and 1
// CHECK: data =
// CHECK-NEXT: [10]
// CHECK-NEXT: [2]
// CHECK-NEXT: [2]
// CHECK-NEXT: [2]
// CHECK-NEXT: [22]
// CHECK-NEXT: [4]
// CHECK-NEXT: [10]
// CHECK-NEXT: [12]
// CHECK-NEXT: [-6]
// conv2d valid, stride 2 on 5x5
// CHECK: data =
// CHECK-NEXT: [20]
// CHECK-NEXT: [10]
// CHECK-NEXT: [10]
// CHECK-NEXT: [0]
// max_pool2d valid 2x2 stride 2
// CHECK: data =
// CHECK-NEXT: [-1, 5]
// CHECK-NEXT: [5, 1]
// CHECK-NEXT: [1, 5]
// CHECK-NEXT: [4, 3]
// CHECK-NEXT: [3, -1]
// CHECK-NEXT: [5, 5]
// CHECK-NEXT: [5, 1]
// CHECK-NEXT: [0, 4]
// max_pool2d same 2x2 stride 2 on 5x5: -inf padding never wins
// CHECK: data =
// CHECK-NEXT: [5]
// CHECK-NEXT: [4]
// CHECK-NEXT: [2]
// CHECK-NEXT: [4]
// CHECK-NEXT: [5]
// CHECK-NEXT: [0]
// CHECK-NEXT: [5]
// CHECK-NEXT: [3]
// CHECK-NEXT: [-2]
// max_pool2d valid 3x3 stride 2 (overlapping windows)
// CHECK: data =
// CHECK-NEXT: [5]
// CHECK-NEXT: [5]
// CHECK-NEXT: [5]
// CHECK-NEXT: [5]
// dynamic H, W: conv2d same, stride 2 on 4x4
// CHECK: data =
// CHECK-NEXT: [-2, -38]
// CHECK-NEXT: [28, -7]
// CHECK-NEXT: [-9, -10]
// CHECK-NEXT: [-13, 4]
// CHECK-NEXT: [5, 20]
// CHECK-NEXT: [-10, 4]
// CHECK-NEXT: [17, 15]
// CHECK-NEXT: [-13, 7]
// dynamic H, W: conv2d valid, stride 2 on 5x5
// CHECK: data =
// CHECK-NEXT: [20]
// CHECK-NEXT: [10]
// CHECK-NEXT: [10]
// CHECK-NEXT: [0]
// dynamic H, W: max_pool2d same 2x2 stride 2 on 5x5
// CHECK: data =
// CHECK-NEXT: [5]
// CHECK-NEXT: [4]
// CHECK-NEXT: [2]
// CHECK-NEXT: [4]
// CHECK-NEXT: [5]
// CHECK-NEXT: [0]
// CHECK-NEXT: [5]
// CHECK-NEXT: [3]
// CHECK-NEXT: [-2]
