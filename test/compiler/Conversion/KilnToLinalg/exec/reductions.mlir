// RUN: kiln-opt %s %kiln-to-llvm | %mlir-runner | FileCheck %s

// Tests that reductions, softmax (stable for large logits) and the
// reduction and activation gradients compute the right numbers, with a
// dynamic batch. Expected values computed with plain python3.
// @main and the CHECK lines are written by expected.py (python3 expected.py).

func.func @reductions(%x: tensor<?x4xf32>) -> (tensor<?xf32>, tensor<?x1xf32>, tensor<f32>, tensor<1x4xf32>) {
  %0 = kiln.reduce_sum %x axes = [1] : tensor<?x4xf32>
  %1 = kiln.reduce_max %x axes = [-1] keepdims : tensor<?x4xf32>
  %2 = kiln.reduce_mean %x axes = [0, 1] : tensor<?x4xf32>
  %3 = kiln.reduce_mean %x axes = [0] keepdims : tensor<?x4xf32>
  return %0, %1, %2, %3 : tensor<?xf32>, tensor<?x1xf32>, tensor<f32>, tensor<1x4xf32>
}

func.func @softmaxes(%x: tensor<?x4xf32>, %big: tensor<?x3xf32>) -> (tensor<?x4xf32>, tensor<?x3xf32>, tensor<?x3xf32>) {
  %0 = kiln.softmax %x axis = -1 : tensor<?x4xf32>
  %1 = kiln.softmax %big axis = 1 : tensor<?x3xf32>
  %2 = kiln.softmax %big axis = 0 : tensor<?x3xf32>
  return %0, %1, %2 : tensor<?x4xf32>, tensor<?x3xf32>, tensor<?x3xf32>
}

func.func @reduction_grads(%dy: tensor<?x4xf32>, %x: tensor<?x4xf32>, %dm: tensor<?xf32>, %col: tensor<?x1xf32>)
    -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<1x4xf32>, tensor<?x4xf32>) {
  %m = kiln.reduce_max %x axes = [1] : tensor<?x4xf32>
  %0 = kiln.reduce_max_grad %dm, %x, %m axes = [1] : tensor<?xf32>, tensor<?x4xf32>, tensor<?xf32>
  %mall = kiln.reduce_max %x axes = [0, 1] keepdims : tensor<?x4xf32>
  %dall = arith.constant dense<1.5> : tensor<1x1xf32>
  %1 = kiln.reduce_max_grad %dall, %x, %mall axes = [0, 1] keepdims : tensor<1x1xf32>, tensor<?x4xf32>, tensor<1x1xf32>
  %like = arith.constant dense<0.0> : tensor<1x4xf32>
  %2 = kiln.reduce_like %dy, %like : tensor<?x4xf32>, tensor<1x4xf32>
  %3 = kiln.broadcast_like %col, %x : tensor<?x1xf32>, tensor<?x4xf32>
  return %0, %1, %2, %3 : tensor<?x4xf32>, tensor<?x4xf32>, tensor<1x4xf32>, tensor<?x4xf32>
}

func.func @activation_grads(%dy: tensor<?x4xf32>, %x: tensor<?x4xf32>)
    -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %r = kiln.relu %x : tensor<?x4xf32>
  %0 = kiln.relu_grad %dy, %r : tensor<?x4xf32>
  %s = kiln.sigmoid %x : tensor<?x4xf32>
  %1 = kiln.sigmoid_grad %dy, %s : tensor<?x4xf32>
  %t = kiln.tanh %x : tensor<?x4xf32>
  %2 = kiln.tanh_grad %dy, %t : tensor<?x4xf32>
  %y = kiln.softmax %x axis = -1 : tensor<?x4xf32>
  %3 = kiln.softmax_grad %dy, %y axis = -1 : tensor<?x4xf32>
  return %0, %1, %2, %3 : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}

func.func @main() {
  %c1 = arith.constant dense<[[1.0, 3.0, 2.0, 3.0], [-1.0, -2.0, 0.5, 4.0], [2.0, 2.0, 2.0, 2.0]]> : tensor<3x4xf32>
  %d2 = tensor.cast %c1 : tensor<3x4xf32> to tensor<?x4xf32>
  %r3:4 = call @reductions(%d2) : (tensor<?x4xf32>) -> (tensor<?xf32>, tensor<?x1xf32>, tensor<f32>, tensor<1x4xf32>)
  %u4 = tensor.cast %r3#0 : tensor<?xf32> to tensor<*xf32>
  call @printMemrefF32(%u4) : (tensor<*xf32>) -> ()
  %u5 = tensor.cast %r3#1 : tensor<?x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u5) : (tensor<*xf32>) -> ()
  %u6 = tensor.cast %r3#2 : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u6) : (tensor<*xf32>) -> ()
  %u7 = tensor.cast %r3#3 : tensor<1x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u7) : (tensor<*xf32>) -> ()
  %c8 = arith.constant dense<[[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -1000.0]]> : tensor<2x3xf32>
  %d9 = tensor.cast %c8 : tensor<2x3xf32> to tensor<?x3xf32>
  %r10:3 = call @softmaxes(%d2, %d9) : (tensor<?x4xf32>, tensor<?x3xf32>) -> (tensor<?x4xf32>, tensor<?x3xf32>, tensor<?x3xf32>)
  %u11 = tensor.cast %r10#0 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u11) : (tensor<*xf32>) -> ()
  %u12 = tensor.cast %r10#1 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u12) : (tensor<*xf32>) -> ()
  %u13 = tensor.cast %r10#2 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u13) : (tensor<*xf32>) -> ()
  %c14 = arith.constant dense<[[0.5, -1.0, 2.0, 1.0], [1.0, 0.5, 1.0, -1.0], [3.0, 0.0, -1.0, 2.0]]> : tensor<3x4xf32>
  %d15 = tensor.cast %c14 : tensor<3x4xf32> to tensor<?x4xf32>
  %c16 = arith.constant dense<[2.0, -1.0, 4.0]> : tensor<3xf32>
  %d17 = tensor.cast %c16 : tensor<3xf32> to tensor<?xf32>
  %c18 = arith.constant dense<[[1.0], [2.0], [3.0]]> : tensor<3x1xf32>
  %d19 = tensor.cast %c18 : tensor<3x1xf32> to tensor<?x1xf32>
  %r20:4 = call @reduction_grads(%d15, %d2, %d17, %d19) : (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xf32>, tensor<?x1xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<1x4xf32>, tensor<?x4xf32>)
  %u21 = tensor.cast %r20#0 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u21) : (tensor<*xf32>) -> ()
  %u22 = tensor.cast %r20#1 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u22) : (tensor<*xf32>) -> ()
  %u23 = tensor.cast %r20#2 : tensor<1x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u23) : (tensor<*xf32>) -> ()
  %u24 = tensor.cast %r20#3 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u24) : (tensor<*xf32>) -> ()
  %r25:4 = call @activation_grads(%d15, %d2) : (tensor<?x4xf32>, tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>)
  %u26 = tensor.cast %r25#0 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u26) : (tensor<*xf32>) -> ()
  %u27 = tensor.cast %r25#1 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u27) : (tensor<*xf32>) -> ()
  %u28 = tensor.cast %r25#2 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u28) : (tensor<*xf32>) -> ()
  %u29 = tensor.cast %r25#3 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u29) : (tensor<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(tensor<*xf32>)

// reduce_sum axes = [1]
// CHECK: data =
// CHECK-NEXT: [9, 1.5, 8]
// reduce_max axes = [-1] keepdims
// CHECK: data =
// CHECK-NEXT: [3]
// CHECK-NEXT: [4]
// CHECK-NEXT: [2]
// reduce_mean axes = [0, 1] (dynamic count)
// CHECK: data =
// CHECK-NEXT: [1.54167]
// reduce_mean axes = [0] keepdims
// CHECK: data =
// CHECK-NEXT: [0.666667, 1, 1.5, 3]
// softmax axis = -1
// CHECK: data =
// CHECK-NEXT: [{{0\.05406[0-9]*}}, {{0\.3994[0-9]*}}, {{0\.14696[0-9]*}}, {{0\.3994[0-9]*}}]
// CHECK-NEXT: [{{0\.006482[0-9]*}}, {{0\.0023847[0-9]*}}, {{0\.029052[0-9]*}}, {{0\.962(0[0-9]*)?}}]
// CHECK-NEXT: [{{(0\.24999[0-9]*|0\.25(000[0-9]*)?)}}, {{(0\.24999[0-9]*|0\.25(000[0-9]*)?)}}, {{(0\.24999[0-9]*|0\.25(000[0-9]*)?)}}, {{(0\.24999[0-9]*|0\.25(000[0-9]*)?)}}]
// softmax of large logits stays finite
// CHECK: data =
// CHECK-NEXT: [{{0\.09(00[0-9]*)?}}, {{0\.2447[0-9]*}}, {{0\.6652[0-9]*}}]
// CHECK-NEXT: [{{0\.33333[0-9]*}}, {{0\.33333[0-9]*}}, {{0\.33333[0-9]*}}]
// softmax axis = 0
// CHECK: data =
// CHECK-NEXT: [{{(0\.99999[0-9]*|1(\.0000[0-9]*)?)}}, {{(0\.99999[0-9]*|1(\.0000[0-9]*)?)}}, {{(0\.99999[0-9]*|1(\.0000[0-9]*)?)}}]
// CHECK-NEXT: [0, 0, 0]
// reduce_max_grad axes = [1]: tied maxima share dy
// CHECK: data =
// CHECK-NEXT: [0, 1, 0, 1]
// CHECK-NEXT: [0, 0, 0, -1]
// CHECK-NEXT: [1, 1, 1, 1]
// reduce_max_grad axes = [0, 1] keepdims
// CHECK: data =
// CHECK-NEXT: [0, 0, 0, 0]
// CHECK-NEXT: [0, 0, 0, 1.5]
// CHECK-NEXT: [0, 0, 0, 0]
// reduce_like to (1, 4)
// CHECK: data =
// CHECK-NEXT: [4.5, -0.5, 2, 2]
// broadcast_like (?, 1) to (?, 4)
// CHECK: data =
// CHECK-NEXT: [1, 1, 1, 1]
// CHECK-NEXT: [2, 2, 2, 2]
// CHECK-NEXT: [3, 3, 3, 3]
// relu_grad
// CHECK: data =
// CHECK-NEXT: [0.5, -1, 2, 1]
// CHECK-NEXT: [0, 0, 1, -1]
// CHECK-NEXT: [3, 0, -1, 2]
// sigmoid_grad
// CHECK: data =
// CHECK-NEXT: [{{(0\.0982[0-9]*|0\.0983[0-9]*)}}, {{-0\.0451[0-9]*}}, {{(0\.2099[0-9]*|0\.21(00[0-9]*)?)}}, {{0\.0451[0-9]*}}]
// CHECK-NEXT: [{{0\.196[0-9]*}}, {{(0\.0524[0-9]*|0\.0525(0[0-9]*)?)}}, {{(0\.2349[0-9]*|0\.235(0[0-9]*)?)}}, {{-0\.0176[0-9]*}}]
// CHECK-NEXT: [{{(0\.3149[0-9]*|0\.315(0[0-9]*)?)}}, 0, {{(-0\.105(0[0-9]*)?|-0\.1049[0-9]*)}}, {{(0\.2099[0-9]*|0\.21(00[0-9]*)?)}}]
// tanh_grad
// CHECK: data =
// CHECK-NEXT: [{{(0\.2099[0-9]*|0\.21(00[0-9]*)?)}}, {{-0\.00986[0-9]*}}, {{0\.141[0-9]*}}, {{0\.00986[0-9]*}}]
// CHECK-NEXT: [{{(0\.419[0-9]*|0\.42(00[0-9]*)?)}}, {{0\.0353[0-9]*}}, {{0\.786[0-9]*}}, {{-0\.00134[0-9]*}}]
// CHECK-NEXT: [{{0\.2119[0-9]*}}, 0, {{-0\.0706[0-9]*}}, {{0\.141[0-9]*}}]
// softmax_grad
// CHECK: data =
// CHECK-NEXT: [{{0\.009679[0-9]*}}, {{-0\.527[0-9]*}}, {{0\.24675[0-9]*}}, {{0\.2712[0-9]*}}]
// CHECK-NEXT: [{{0\.01248[0-9]*}}, {{0\.003399[0-9]*}}, {{0\.05593[0-9]*}}, {{-0\.07181[0-9]*}}]
// CHECK-NEXT: [{{(0\.49999[0-9]*|0\.5(0000[0-9]*)?)}}, {{(-0\.25(000[0-9]*)?|-0\.24999[0-9]*)}}, {{(-0\.5(0000[0-9]*)?|-0\.49999[0-9]*)}}, {{(0\.24999[0-9]*|0\.25(000[0-9]*)?)}}]
