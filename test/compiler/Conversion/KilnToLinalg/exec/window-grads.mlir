// RUN: kiln-opt %s %kiln-to-llvm | %mlir-runner | FileCheck %s

// Tests that conv2d_input_grad and conv2d_kernel_grad are the adjoints of
// conv2d: on integer data <conv(x, k), dy> = <x, input_grad(dy, k)> =
// <k, kernel_grad(x, dy)> exactly, and the gradients equal a plain python3
// loop nest's; covers valid stride 1, same stride 2 with asymmetric padding,
// valid stride 2 where the last input row is never read (gradient 0), and
// same stride 1 with an even 2x2 kernel (padding only after).
// Also tests that max_pool2d_grad routes dy to the first maximum of each
// window in row-major order, adds overlapping windows' contributions and
// never routes to padding; and that kernel_grad and max_pool2d_grad work
// with dynamic heights and widths.
// @main and the CHECK lines are written by expected.py (python3 expected.py).

func.func @grads_valid_s1(%x: tensor<?x4x4x2xf32>, %k: tensor<3x3x2x2xf32>, %dy: tensor<?x2x2x2xf32>)
    -> (tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %y = kiln.conv2d %x, %k strides = [1, 1] padding = valid : tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>
  %ydy = kiln.mul %y, %dy : tensor<?x2x2x2xf32>, tensor<?x2x2x2xf32>
  %0 = kiln.reduce_sum %ydy axes = [0, 1, 2, 3] : tensor<?x2x2x2xf32>
  %dx = kiln.conv2d_input_grad %dy, %k strides = [1, 1] padding = valid : tensor<?x2x2x2xf32>, tensor<3x3x2x2xf32> -> tensor<?x4x4x2xf32>
  %xdx = kiln.mul %x, %dx : tensor<?x4x4x2xf32>, tensor<?x4x4x2xf32>
  %1 = kiln.reduce_sum %xdx axes = [0, 1, 2, 3] : tensor<?x4x4x2xf32>
  %dk = kiln.conv2d_kernel_grad %x, %dy strides = [1, 1] padding = valid : tensor<?x4x4x2xf32>, tensor<?x2x2x2xf32> -> tensor<3x3x2x2xf32>
  %kdk = kiln.mul %k, %dk : tensor<3x3x2x2xf32>, tensor<3x3x2x2xf32>
  %2 = kiln.reduce_sum %kdk axes = [0, 1, 2, 3] : tensor<3x3x2x2xf32>
  return %dx, %dk, %0, %1, %2 : tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>
}

func.func @grads_same_s2(%x: tensor<?x4x4x2xf32>, %k: tensor<3x3x2x2xf32>, %dy: tensor<?x2x2x2xf32>)
    -> (tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %y = kiln.conv2d %x, %k strides = [2, 2] padding = same : tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>
  %ydy = kiln.mul %y, %dy : tensor<?x2x2x2xf32>, tensor<?x2x2x2xf32>
  %0 = kiln.reduce_sum %ydy axes = [0, 1, 2, 3] : tensor<?x2x2x2xf32>
  %dx = kiln.conv2d_input_grad %dy, %k strides = [2, 2] padding = same : tensor<?x2x2x2xf32>, tensor<3x3x2x2xf32> -> tensor<?x4x4x2xf32>
  %xdx = kiln.mul %x, %dx : tensor<?x4x4x2xf32>, tensor<?x4x4x2xf32>
  %1 = kiln.reduce_sum %xdx axes = [0, 1, 2, 3] : tensor<?x4x4x2xf32>
  %dk = kiln.conv2d_kernel_grad %x, %dy strides = [2, 2] padding = same : tensor<?x4x4x2xf32>, tensor<?x2x2x2xf32> -> tensor<3x3x2x2xf32>
  %kdk = kiln.mul %k, %dk : tensor<3x3x2x2xf32>, tensor<3x3x2x2xf32>
  %2 = kiln.reduce_sum %kdk axes = [0, 1, 2, 3] : tensor<3x3x2x2xf32>
  return %dx, %dk, %0, %1, %2 : tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>
}

func.func @grads_valid_s2(%x: tensor<?x6x5x1xf32>, %k: tensor<3x3x1x2xf32>, %dy: tensor<?x2x2x2xf32>)
    -> (tensor<?x6x5x1xf32>, tensor<3x3x1x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %y = kiln.conv2d %x, %k strides = [2, 2] padding = valid : tensor<?x6x5x1xf32>, tensor<3x3x1x2xf32>
  %ydy = kiln.mul %y, %dy : tensor<?x2x2x2xf32>, tensor<?x2x2x2xf32>
  %0 = kiln.reduce_sum %ydy axes = [0, 1, 2, 3] : tensor<?x2x2x2xf32>
  %dx = kiln.conv2d_input_grad %dy, %k strides = [2, 2] padding = valid : tensor<?x2x2x2xf32>, tensor<3x3x1x2xf32> -> tensor<?x6x5x1xf32>
  %xdx = kiln.mul %x, %dx : tensor<?x6x5x1xf32>, tensor<?x6x5x1xf32>
  %1 = kiln.reduce_sum %xdx axes = [0, 1, 2, 3] : tensor<?x6x5x1xf32>
  %dk = kiln.conv2d_kernel_grad %x, %dy strides = [2, 2] padding = valid : tensor<?x6x5x1xf32>, tensor<?x2x2x2xf32> -> tensor<3x3x1x2xf32>
  %kdk = kiln.mul %k, %dk : tensor<3x3x1x2xf32>, tensor<3x3x1x2xf32>
  %2 = kiln.reduce_sum %kdk axes = [0, 1, 2, 3] : tensor<3x3x1x2xf32>
  return %dx, %dk, %0, %1, %2 : tensor<?x6x5x1xf32>, tensor<3x3x1x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>
}

func.func @grads_same_s1_even(%x: tensor<?x4x4x2xf32>, %k: tensor<2x2x2x1xf32>, %dy: tensor<?x4x4x1xf32>)
    -> (tensor<?x4x4x2xf32>, tensor<2x2x2x1xf32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %y = kiln.conv2d %x, %k strides = [1, 1] padding = same : tensor<?x4x4x2xf32>, tensor<2x2x2x1xf32>
  %ydy = kiln.mul %y, %dy : tensor<?x4x4x1xf32>, tensor<?x4x4x1xf32>
  %0 = kiln.reduce_sum %ydy axes = [0, 1, 2, 3] : tensor<?x4x4x1xf32>
  %dx = kiln.conv2d_input_grad %dy, %k strides = [1, 1] padding = same : tensor<?x4x4x1xf32>, tensor<2x2x2x1xf32> -> tensor<?x4x4x2xf32>
  %xdx = kiln.mul %x, %dx : tensor<?x4x4x2xf32>, tensor<?x4x4x2xf32>
  %1 = kiln.reduce_sum %xdx axes = [0, 1, 2, 3] : tensor<?x4x4x2xf32>
  %dk = kiln.conv2d_kernel_grad %x, %dy strides = [1, 1] padding = same : tensor<?x4x4x2xf32>, tensor<?x4x4x1xf32> -> tensor<2x2x2x1xf32>
  %kdk = kiln.mul %k, %dk : tensor<2x2x2x1xf32>, tensor<2x2x2x1xf32>
  %2 = kiln.reduce_sum %kdk axes = [0, 1, 2, 3] : tensor<2x2x2x1xf32>
  return %dx, %dk, %0, %1, %2 : tensor<?x4x4x2xf32>, tensor<2x2x2x1xf32>, tensor<f32>, tensor<f32>, tensor<f32>
}

func.func @pool_grads(%x: tensor<?x4x4x1xf32>, %dy3: tensor<?x2x2x1xf32>, %dy2: tensor<?x2x2x1xf32>,
                      %xq: tensor<?x3x3x1xf32>, %dyq: tensor<?x2x2x1xf32>)
    -> (tensor<?x4x4x1xf32>, tensor<?x4x4x1xf32>, tensor<?x3x3x1xf32>) {
  %0 = kiln.max_pool2d_grad %dy3, %x pool_size = [3, 3] strides = [1, 1] padding = valid : tensor<?x2x2x1xf32>, tensor<?x4x4x1xf32>
  %1 = kiln.max_pool2d_grad %dy2, %x pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x2x2x1xf32>, tensor<?x4x4x1xf32>
  %2 = kiln.max_pool2d_grad %dyq, %xq pool_size = [2, 2] strides = [2, 2] padding = same : tensor<?x2x2x1xf32>, tensor<?x3x3x1xf32>
  return %0, %1, %2 : tensor<?x4x4x1xf32>, tensor<?x4x4x1xf32>, tensor<?x3x3x1xf32>
}

func.func @dynamic_spatial_grads(%x: tensor<?x?x?x2xf32>, %dy: tensor<?x?x?x2xf32>, %xq: tensor<?x?x?x1xf32>, %dyq: tensor<?x?x?x1xf32>)
    -> (tensor<3x3x2x2xf32>, tensor<?x?x?x1xf32>) {
  %0 = kiln.conv2d_kernel_grad %x, %dy strides = [2, 2] padding = same : tensor<?x?x?x2xf32>, tensor<?x?x?x2xf32> -> tensor<3x3x2x2xf32>
  %1 = kiln.max_pool2d_grad %dyq, %xq pool_size = [2, 2] strides = [2, 2] padding = same : tensor<?x?x?x1xf32>, tensor<?x?x?x1xf32>
  return %0, %1 : tensor<3x3x2x2xf32>, tensor<?x?x?x1xf32>
}

func.func @main() {
  %c1 = arith.constant dense<[[[[-5.0, 2.0], [-2.0, 5.0], [1.0, -3.0], [4.0, 0.0]], [[-4.0, 3.0], [-1.0, -5.0], [2.0, -2.0], [5.0, 1.0]], [[-3.0, 4.0], [0.0, -4.0], [3.0, -1.0], [-5.0, 2.0]], [[-2.0, 5.0], [1.0, -3.0], [4.0, 0.0], [-4.0, 3.0]]], [[[-1.0, -5.0], [2.0, -2.0], [5.0, 1.0], [-3.0, 4.0]], [[0.0, -4.0], [3.0, -1.0], [-5.0, 2.0], [-2.0, 5.0]], [[1.0, -3.0], [4.0, 0.0], [-4.0, 3.0], [-1.0, -5.0]], [[2.0, -2.0], [5.0, 1.0], [-3.0, 4.0], [0.0, -4.0]]]]> : tensor<2x4x4x2xf32>
  %d2 = tensor.cast %c1 : tensor<2x4x4x2xf32> to tensor<?x4x4x2xf32>
  %c3 = arith.constant dense<[[[[-3.0, 2.0], [0.0, -2.0]], [[3.0, 1.0], [-1.0, -3.0]], [[2.0, 0.0], [-2.0, 3.0]]], [[[1.0, -1.0], [-3.0, 2.0]], [[0.0, -2.0], [3.0, 1.0]], [[-1.0, -3.0], [2.0, 0.0]]], [[[-2.0, 3.0], [1.0, -1.0]], [[-3.0, 2.0], [0.0, -2.0]], [[3.0, 1.0], [-1.0, -3.0]]]]> : tensor<3x3x2x2xf32>
  %c4 = arith.constant dense<[[[[-2.0, 1.0], [-1.0, 2.0]], [[0.0, -2.0], [1.0, -1.0]]], [[[2.0, 0.0], [-2.0, 1.0]], [[-1.0, 2.0], [0.0, -2.0]]]]> : tensor<2x2x2x2xf32>
  %d5 = tensor.cast %c4 : tensor<2x2x2x2xf32> to tensor<?x2x2x2xf32>
  %r6:5 = call @grads_valid_s1(%d2, %c3, %d5) : (tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>, tensor<?x2x2x2xf32>) -> (tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>)
  %u7 = tensor.cast %r6#0 : tensor<?x4x4x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u7) : (tensor<*xf32>) -> ()
  %u8 = tensor.cast %r6#1 : tensor<3x3x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u8) : (tensor<*xf32>) -> ()
  %u9 = tensor.cast %r6#2 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u9) : (tensor<*xf32>) -> ()
  %u10 = tensor.cast %r6#3 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u10) : (tensor<*xf32>) -> ()
  %u11 = tensor.cast %r6#4 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u11) : (tensor<*xf32>) -> ()
  %c12 = arith.constant dense<[[[[-5.0, 2.0], [-2.0, 5.0], [1.0, -3.0], [4.0, 0.0]], [[-4.0, 3.0], [-1.0, -5.0], [2.0, -2.0], [5.0, 1.0]], [[-3.0, 4.0], [0.0, -4.0], [3.0, -1.0], [-5.0, 2.0]], [[-2.0, 5.0], [1.0, -3.0], [4.0, 0.0], [-4.0, 3.0]]], [[[-1.0, -5.0], [2.0, -2.0], [5.0, 1.0], [-3.0, 4.0]], [[0.0, -4.0], [3.0, -1.0], [-5.0, 2.0], [-2.0, 5.0]], [[1.0, -3.0], [4.0, 0.0], [-4.0, 3.0], [-1.0, -5.0]], [[2.0, -2.0], [5.0, 1.0], [-3.0, 4.0], [0.0, -4.0]]]]> : tensor<2x4x4x2xf32>
  %d13 = tensor.cast %c12 : tensor<2x4x4x2xf32> to tensor<?x4x4x2xf32>
  %c14 = arith.constant dense<[[[[-3.0, 2.0], [0.0, -2.0]], [[3.0, 1.0], [-1.0, -3.0]], [[2.0, 0.0], [-2.0, 3.0]]], [[[1.0, -1.0], [-3.0, 2.0]], [[0.0, -2.0], [3.0, 1.0]], [[-1.0, -3.0], [2.0, 0.0]]], [[[-2.0, 3.0], [1.0, -1.0]], [[-3.0, 2.0], [0.0, -2.0]], [[3.0, 1.0], [-1.0, -3.0]]]]> : tensor<3x3x2x2xf32>
  %c15 = arith.constant dense<[[[[-2.0, 1.0], [-1.0, 2.0]], [[0.0, -2.0], [1.0, -1.0]]], [[[2.0, 0.0], [-2.0, 1.0]], [[-1.0, 2.0], [0.0, -2.0]]]]> : tensor<2x2x2x2xf32>
  %d16 = tensor.cast %c15 : tensor<2x2x2x2xf32> to tensor<?x2x2x2xf32>
  %r17:5 = call @grads_same_s2(%d13, %c14, %d16) : (tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>, tensor<?x2x2x2xf32>) -> (tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>)
  %u18 = tensor.cast %r17#0 : tensor<?x4x4x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u18) : (tensor<*xf32>) -> ()
  %u19 = tensor.cast %r17#1 : tensor<3x3x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u19) : (tensor<*xf32>) -> ()
  %u20 = tensor.cast %r17#2 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u20) : (tensor<*xf32>) -> ()
  %u21 = tensor.cast %r17#3 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u21) : (tensor<*xf32>) -> ()
  %u22 = tensor.cast %r17#4 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u22) : (tensor<*xf32>) -> ()
  %c23 = arith.constant dense<[[[[-2.0], [1.0], [4.0], [-1.0], [2.0]], [[5.0], [0.0], [3.0], [-2.0], [1.0]], [[4.0], [-1.0], [2.0], [5.0], [0.0]], [[3.0], [-2.0], [1.0], [4.0], [-1.0]], [[2.0], [5.0], [0.0], [3.0], [-2.0]], [[1.0], [4.0], [-1.0], [2.0], [5.0]]]]> : tensor<1x6x5x1xf32>
  %d24 = tensor.cast %c23 : tensor<1x6x5x1xf32> to tensor<?x6x5x1xf32>
  %c25 = arith.constant dense<[[[[-2.0, -1.0]], [[0.0, 1.0]], [[2.0, -2.0]]], [[[-1.0, 0.0]], [[1.0, 2.0]], [[-2.0, -1.0]]], [[[0.0, 1.0]], [[2.0, -2.0]], [[-1.0, 0.0]]]]> : tensor<3x3x1x2xf32>
  %c26 = arith.constant dense<[[[[-2.0, 1.0], [-1.0, 2.0]], [[0.0, -2.0], [1.0, -1.0]]]]> : tensor<1x2x2x2xf32>
  %d27 = tensor.cast %c26 : tensor<1x2x2x2xf32> to tensor<?x2x2x2xf32>
  %r28:5 = call @grads_valid_s2(%d24, %c25, %d27) : (tensor<?x6x5x1xf32>, tensor<3x3x1x2xf32>, tensor<?x2x2x2xf32>) -> (tensor<?x6x5x1xf32>, tensor<3x3x1x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>)
  %u29 = tensor.cast %r28#0 : tensor<?x6x5x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u29) : (tensor<*xf32>) -> ()
  %u30 = tensor.cast %r28#1 : tensor<3x3x1x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u30) : (tensor<*xf32>) -> ()
  %u31 = tensor.cast %r28#2 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u31) : (tensor<*xf32>) -> ()
  %u32 = tensor.cast %r28#3 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u32) : (tensor<*xf32>) -> ()
  %u33 = tensor.cast %r28#4 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u33) : (tensor<*xf32>) -> ()
  %c34 = arith.constant dense<[[[[-5.0, 2.0], [-2.0, 5.0], [1.0, -3.0], [4.0, 0.0]], [[-4.0, 3.0], [-1.0, -5.0], [2.0, -2.0], [5.0, 1.0]], [[-3.0, 4.0], [0.0, -4.0], [3.0, -1.0], [-5.0, 2.0]], [[-2.0, 5.0], [1.0, -3.0], [4.0, 0.0], [-4.0, 3.0]]], [[[-1.0, -5.0], [2.0, -2.0], [5.0, 1.0], [-3.0, 4.0]], [[0.0, -4.0], [3.0, -1.0], [-5.0, 2.0], [-2.0, 5.0]], [[1.0, -3.0], [4.0, 0.0], [-4.0, 3.0], [-1.0, -5.0]], [[2.0, -2.0], [5.0, 1.0], [-3.0, 4.0], [0.0, -4.0]]]]> : tensor<2x4x4x2xf32>
  %d35 = tensor.cast %c34 : tensor<2x4x4x2xf32> to tensor<?x4x4x2xf32>
  %c36 = arith.constant dense<[[[[-1.0], [2.0]], [[0.0], [3.0]]], [[[1.0], [-1.0]], [[2.0], [0.0]]]]> : tensor<2x2x2x1xf32>
  %c37 = arith.constant dense<[[[[-2.0], [1.0], [-1.0], [2.0]], [[0.0], [-2.0], [1.0], [-1.0]], [[2.0], [0.0], [-2.0], [1.0]], [[-1.0], [2.0], [0.0], [-2.0]]], [[[1.0], [-1.0], [2.0], [0.0]], [[-2.0], [1.0], [-1.0], [2.0]], [[0.0], [-2.0], [1.0], [-1.0]], [[2.0], [0.0], [-2.0], [1.0]]]]> : tensor<2x4x4x1xf32>
  %d38 = tensor.cast %c37 : tensor<2x4x4x1xf32> to tensor<?x4x4x1xf32>
  %r39:5 = call @grads_same_s1_even(%d35, %c36, %d38) : (tensor<?x4x4x2xf32>, tensor<2x2x2x1xf32>, tensor<?x4x4x1xf32>) -> (tensor<?x4x4x2xf32>, tensor<2x2x2x1xf32>, tensor<f32>, tensor<f32>, tensor<f32>)
  %u40 = tensor.cast %r39#0 : tensor<?x4x4x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u40) : (tensor<*xf32>) -> ()
  %u41 = tensor.cast %r39#1 : tensor<2x2x2x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u41) : (tensor<*xf32>) -> ()
  %u42 = tensor.cast %r39#2 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u42) : (tensor<*xf32>) -> ()
  %u43 = tensor.cast %r39#3 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u43) : (tensor<*xf32>) -> ()
  %u44 = tensor.cast %r39#4 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u44) : (tensor<*xf32>) -> ()
  %c45 = arith.constant dense<[[[[1.0], [3.0], [3.0], [0.0]], [[3.0], [2.0], [1.0], [3.0]], [[0.0], [1.0], [5.0], [5.0]], [[4.0], [4.0], [5.0], [2.0]]]]> : tensor<1x4x4x1xf32>
  %d46 = tensor.cast %c45 : tensor<1x4x4x1xf32> to tensor<?x4x4x1xf32>
  %c47 = arith.constant dense<[[[[1.0], [2.0]], [[3.0], [4.0]]]]> : tensor<1x2x2x1xf32>
  %d48 = tensor.cast %c47 : tensor<1x2x2x1xf32> to tensor<?x2x2x1xf32>
  %c49 = arith.constant dense<[[[[1.0], [2.0]], [[3.0], [4.0]]]]> : tensor<1x2x2x1xf32>
  %d50 = tensor.cast %c49 : tensor<1x2x2x1xf32> to tensor<?x2x2x1xf32>
  %c51 = arith.constant dense<[[[[-1.0], [-1.0], [-3.0]], [[-2.0], [-1.0], [-4.0]], [[-5.0], [-6.0], [-1.0]]]]> : tensor<1x3x3x1xf32>
  %d52 = tensor.cast %c51 : tensor<1x3x3x1xf32> to tensor<?x3x3x1xf32>
  %c53 = arith.constant dense<[[[[1.0], [10.0]], [[100.0], [1000.0]]]]> : tensor<1x2x2x1xf32>
  %d54 = tensor.cast %c53 : tensor<1x2x2x1xf32> to tensor<?x2x2x1xf32>
  %r55:3 = call @pool_grads(%d46, %d48, %d50, %d52, %d54) : (tensor<?x4x4x1xf32>, tensor<?x2x2x1xf32>, tensor<?x2x2x1xf32>, tensor<?x3x3x1xf32>, tensor<?x2x2x1xf32>) -> (tensor<?x4x4x1xf32>, tensor<?x4x4x1xf32>, tensor<?x3x3x1xf32>)
  %u56 = tensor.cast %r55#0 : tensor<?x4x4x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u56) : (tensor<*xf32>) -> ()
  %u57 = tensor.cast %r55#1 : tensor<?x4x4x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u57) : (tensor<*xf32>) -> ()
  %u58 = tensor.cast %r55#2 : tensor<?x3x3x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u58) : (tensor<*xf32>) -> ()
  %c59 = arith.constant dense<[[[[-5.0, 2.0], [-2.0, 5.0], [1.0, -3.0], [4.0, 0.0]], [[-4.0, 3.0], [-1.0, -5.0], [2.0, -2.0], [5.0, 1.0]], [[-3.0, 4.0], [0.0, -4.0], [3.0, -1.0], [-5.0, 2.0]], [[-2.0, 5.0], [1.0, -3.0], [4.0, 0.0], [-4.0, 3.0]]], [[[-1.0, -5.0], [2.0, -2.0], [5.0, 1.0], [-3.0, 4.0]], [[0.0, -4.0], [3.0, -1.0], [-5.0, 2.0], [-2.0, 5.0]], [[1.0, -3.0], [4.0, 0.0], [-4.0, 3.0], [-1.0, -5.0]], [[2.0, -2.0], [5.0, 1.0], [-3.0, 4.0], [0.0, -4.0]]]]> : tensor<2x4x4x2xf32>
  %d60 = tensor.cast %c59 : tensor<2x4x4x2xf32> to tensor<?x4x4x2xf32>
  %d61 = tensor.cast %d60 : tensor<?x4x4x2xf32> to tensor<?x?x?x2xf32>
  %c62 = arith.constant dense<[[[[-2.0, 1.0], [-1.0, 2.0]], [[0.0, -2.0], [1.0, -1.0]]], [[[2.0, 0.0], [-2.0, 1.0]], [[-1.0, 2.0], [0.0, -2.0]]]]> : tensor<2x2x2x2xf32>
  %d63 = tensor.cast %c62 : tensor<2x2x2x2xf32> to tensor<?x2x2x2xf32>
  %d64 = tensor.cast %d63 : tensor<?x2x2x2xf32> to tensor<?x?x?x2xf32>
  %d65 = tensor.cast %d52 : tensor<?x3x3x1xf32> to tensor<?x?x?x1xf32>
  %d66 = tensor.cast %d54 : tensor<?x2x2x1xf32> to tensor<?x?x?x1xf32>
  %r67:2 = call @dynamic_spatial_grads(%d61, %d64, %d65, %d66) : (tensor<?x?x?x2xf32>, tensor<?x?x?x2xf32>, tensor<?x?x?x1xf32>, tensor<?x?x?x1xf32>) -> (tensor<3x3x2x2xf32>, tensor<?x?x?x1xf32>)
  %u68 = tensor.cast %r67#0 : tensor<3x3x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u68) : (tensor<*xf32>) -> ()
  %u69 = tensor.cast %r67#1 : tensor<?x?x?x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u69) : (tensor<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(tensor<*xf32>)

// valid_s1: conv2d_input_grad
// CHECK: data =
// CHECK-NEXT: [8, -2]
// CHECK-NEXT: [2, -5]
// CHECK-NEXT: [-5, 2]
// CHECK-NEXT: [-2, 8]
// CHECK-NEXT: [-7, 12]
// CHECK-NEXT: [-12, 10]
// CHECK-NEXT: [-3, -9]
// CHECK-NEXT: [-3, -7]
// CHECK-NEXT: [9, -7]
// CHECK-NEXT: [22, -12]
// CHECK-NEXT: [10, -3]
// CHECK-NEXT: [1, -3]
// CHECK-NEXT: [-6, 2]
// CHECK-NEXT: [-9, 6]
// CHECK-NEXT: [-7, 8]
// CHECK-NEXT: [2, 2]
// CHECK-NEXT: [-6, 0]
// CHECK-NEXT: [14, -4]
// CHECK-NEXT: [-1, -5]
// CHECK-NEXT: [-4, 7]
// CHECK-NEXT: [9, -10]
// CHECK-NEXT: [-8, 13]
// CHECK-NEXT: [-8, 13]
// CHECK-NEXT: [-1, -10]
// CHECK-NEXT: [-7, 9]
// CHECK-NEXT: [-1, -8]
// CHECK-NEXT: [13, -8]
// CHECK-NEXT: [1, -1]
// CHECK-NEXT: [8, -3]
// CHECK-NEXT: [1, -2]
// CHECK-NEXT: [-5, -1]
// CHECK-NEXT: [-2, 6]
// valid_s1: conv2d_kernel_grad
// CHECK: data =
// CHECK-NEXT: [5, -4]
// CHECK-NEXT: [-16, 3]
// CHECK-NEXT: [-4, 21]
// CHECK-NEXT: [-14, 6]
// CHECK-NEXT: [20, -9]
// CHECK-NEXT: [-1, -2]
// CHECK-NEXT: [2, -3]
// CHECK-NEXT: [-8, -18]
// CHECK-NEXT: [15, 11]
// CHECK-NEXT: [5, -4]
// CHECK-NEXT: [-16, 3]
// CHECK-NEXT: [-4, 21]
// CHECK-NEXT: [-1, -2]
// CHECK-NEXT: [-11, -17]
// CHECK-NEXT: [12, 12]
// CHECK-NEXT: [2, -3]
// CHECK-NEXT: [-8, -18]
// CHECK-NEXT: [15, 11]
// valid_s1: <conv(x, k), dy>
// CHECK: data =
// CHECK-NEXT: [-101]
// valid_s1: <x, input_grad(dy, k)> equals it
// CHECK: data =
// CHECK-NEXT: [-101]
// valid_s1: <k, kernel_grad(x, dy)> equals it
// CHECK: data =
// CHECK-NEXT: [-101]
// same_s2: conv2d_input_grad
// CHECK: data =
// CHECK-NEXT: [8, -2]
// CHECK-NEXT: [-5, -1]
// CHECK-NEXT: [3, 3]
// CHECK-NEXT: [-1, -5]
// CHECK-NEXT: [-3, 8]
// CHECK-NEXT: [-2, -5]
// CHECK-NEXT: [-4, 3]
// CHECK-NEXT: [-4, -1]
// CHECK-NEXT: [3, 1]
// CHECK-NEXT: [6, 4]
// CHECK-NEXT: [-2, -8]
// CHECK-NEXT: [9, -2]
// CHECK-NEXT: [2, -4]
// CHECK-NEXT: [4, -2]
// CHECK-NEXT: [8, -5]
// CHECK-NEXT: [2, 2]
// CHECK-NEXT: [-6, 0]
// CHECK-NEXT: [6, -2]
// CHECK-NEXT: [12, -6]
// CHECK-NEXT: [-5, -1]
// CHECK-NEXT: [2, -6]
// CHECK-NEXT: [0, 6]
// CHECK-NEXT: [-5, 12]
// CHECK-NEXT: [-2, -5]
// CHECK-NEXT: [3, -2]
// CHECK-NEXT: [-7, -5]
// CHECK-NEXT: [7, 7]
// CHECK-NEXT: [6, 4]
// CHECK-NEXT: [-3, 7]
// CHECK-NEXT: [-4, -1]
// CHECK-NEXT: [-3, -6]
// CHECK-NEXT: [4, -2]
// same_s2: conv2d_kernel_grad
// CHECK: data =
// CHECK-NEXT: [-1, 15]
// CHECK-NEXT: [-11, -22]
// CHECK-NEXT: [1, 18]
// CHECK-NEXT: [-20, 25]
// CHECK-NEXT: [12, -13]
// CHECK-NEXT: [5, 5]
// CHECK-NEXT: [18, 5]
// CHECK-NEXT: [-14, -21]
// CHECK-NEXT: [-2, 19]
// CHECK-NEXT: [-1, 15]
// CHECK-NEXT: [-11, -12]
// CHECK-NEXT: [4, 6]
// CHECK-NEXT: [13, -1]
// CHECK-NEXT: [-19, 5]
// CHECK-NEXT: [15, -11]
// CHECK-NEXT: [16, -5]
// CHECK-NEXT: [-14, 3]
// CHECK-NEXT: [8, -1]
// same_s2: <conv(x, k), dy>
// CHECK: data =
// CHECK-NEXT: [-40]
// same_s2: <x, input_grad(dy, k)> equals it
// CHECK: data =
// CHECK-NEXT: [-40]
// same_s2: <k, kernel_grad(x, dy)> equals it
// CHECK: data =
// CHECK-NEXT: [-40]
// valid_s2: conv2d_input_grad
// CHECK: data =
// CHECK-NEXT: [3]
// CHECK-NEXT: [1]
// CHECK-NEXT: [-6]
// CHECK-NEXT: [2]
// CHECK-NEXT: [-6]
// CHECK-NEXT: [2]
// CHECK-NEXT: [0]
// CHECK-NEXT: [4]
// CHECK-NEXT: [3]
// CHECK-NEXT: [0]
// CHECK-NEXT: [3]
// CHECK-NEXT: [-8]
// CHECK-NEXT: [7]
// CHECK-NEXT: [-7]
// CHECK-NEXT: [5]
// CHECK-NEXT: [0]
// CHECK-NEXT: [-4]
// CHECK-NEXT: [1]
// CHECK-NEXT: [-1]
// CHECK-NEXT: [-1]
// CHECK-NEXT: [-2]
// CHECK-NEXT: [4]
// CHECK-NEXT: [-1]
// CHECK-NEXT: [4]
// CHECK-NEXT: [-1]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// valid_s2: conv2d_kernel_grad
// CHECK: data =
// CHECK-NEXT: [2, -4]
// CHECK-NEXT: [4, -4]
// CHECK-NEXT: [-10, 4]
// CHECK-NEXT: [-12, 4]
// CHECK-NEXT: [6, -4]
// CHECK-NEXT: [-8, 4]
// CHECK-NEXT: [-10, 4]
// CHECK-NEXT: [0, -4]
// CHECK-NEXT: [-6, 4]
// valid_s2: <conv(x, k), dy>
// CHECK: data =
// CHECK-NEXT: [8]
// valid_s2: <x, input_grad(dy, k)> equals it
// CHECK: data =
// CHECK-NEXT: [8]
// valid_s2: <k, kernel_grad(x, dy)> equals it
// CHECK: data =
// CHECK-NEXT: [8]
// same_s1_even: conv2d_input_grad
// CHECK: data =
// CHECK-NEXT: [2, -4]
// CHECK-NEXT: [-1, -4]
// CHECK-NEXT: [1, 1]
// CHECK-NEXT: [-2, 1]
// CHECK-NEXT: [-2, 2]
// CHECK-NEXT: [-1, -5]
// CHECK-NEXT: [0, -3]
// CHECK-NEXT: [1, -1]
// CHECK-NEXT: [-2, 4]
// CHECK-NEXT: [-2, 8]
// CHECK-NEXT: [-1, -5]
// CHECK-NEXT: [0, -3]
// CHECK-NEXT: [3, -4]
// CHECK-NEXT: [2, 1]
// CHECK-NEXT: [-2, 8]
// CHECK-NEXT: [-1, -5]
// CHECK-NEXT: [-1, 2]
// CHECK-NEXT: [1, 1]
// CHECK-NEXT: [-2, 1]
// CHECK-NEXT: [0, 6]
// CHECK-NEXT: [3, -5]
// CHECK-NEXT: [0, -3]
// CHECK-NEXT: [1, -1]
// CHECK-NEXT: [2, 1]
// CHECK-NEXT: [-2, 2]
// CHECK-NEXT: [-1, -5]
// CHECK-NEXT: [0, -3]
// CHECK-NEXT: [1, -1]
// CHECK-NEXT: [-2, 4]
// CHECK-NEXT: [-2, 8]
// CHECK-NEXT: [-1, -5]
// CHECK-NEXT: [0, -3]
// same_s1_even: conv2d_kernel_grad
// CHECK: data =
// CHECK-NEXT: [19]
// CHECK-NEXT: [12]
// CHECK-NEXT: [18]
// CHECK-NEXT: [-14]
// CHECK-NEXT: [-15]
// CHECK-NEXT: [11]
// CHECK-NEXT: [-3]
// CHECK-NEXT: [2]
// same_s1_even: <conv(x, k), dy>
// CHECK: data =
// CHECK-NEXT: [-69]
// same_s1_even: <x, input_grad(dy, k)> equals it
// CHECK: data =
// CHECK-NEXT: [-69]
// same_s1_even: <k, kernel_grad(x, dy)> equals it
// CHECK: data =
// CHECK-NEXT: [-69]
// max_pool2d_grad 3x3 stride 1 (overlap, ties)
// CHECK: data =
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [10]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// max_pool2d_grad 2x2 stride 2 (ties)
// CHECK: data =
// CHECK-NEXT: [0]
// CHECK-NEXT: [1]
// CHECK-NEXT: [2]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [4]
// CHECK-NEXT: [0]
// CHECK-NEXT: [3]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// max_pool2d_grad same 2x2 stride 2 on 3x3: padding never receives
// CHECK: data =
// CHECK-NEXT: [1]
// CHECK-NEXT: [0]
// CHECK-NEXT: [10]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [100]
// CHECK-NEXT: [0]
// CHECK-NEXT: [1000]
// dynamic H, W: conv2d_kernel_grad same, stride 2
// CHECK: data =
// CHECK-NEXT: [-1, 15]
// CHECK-NEXT: [-11, -22]
// CHECK-NEXT: [1, 18]
// CHECK-NEXT: [-20, 25]
// CHECK-NEXT: [12, -13]
// CHECK-NEXT: [5, 5]
// CHECK-NEXT: [18, 5]
// CHECK-NEXT: [-14, -21]
// CHECK-NEXT: [-2, 19]
// CHECK-NEXT: [-1, 15]
// CHECK-NEXT: [-11, -12]
// CHECK-NEXT: [4, 6]
// CHECK-NEXT: [13, -1]
// CHECK-NEXT: [-19, 5]
// CHECK-NEXT: [15, -11]
// CHECK-NEXT: [16, -5]
// CHECK-NEXT: [-14, 3]
// CHECK-NEXT: [8, -1]
// dynamic H, W: max_pool2d_grad same 2x2 stride 2 on 3x3
// CHECK: data =
// CHECK-NEXT: [1]
// CHECK-NEXT: [0]
// CHECK-NEXT: [10]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [0]
// CHECK-NEXT: [100]
// CHECK-NEXT: [0]
// CHECK-NEXT: [1000]
