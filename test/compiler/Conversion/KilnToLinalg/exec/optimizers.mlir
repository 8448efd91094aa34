// RUN: kiln-opt %s %kiln-to-llvm | %mlir-runner | FileCheck %s

// Tests one step of every optimizer update against the Keras 3 formulas
// (KilnOptimizerOps.td) evaluated with plain python3 on float32 constants;
// adam is checked at iterations 0 and 4 (bias correction).
// @main and the CHECK lines are written by expected.py (python3 expected.py).

func.func @optimizers(%p: tensor<?x2xf32>, %g: tensor<?x2xf32>, %v: tensor<?x2xf32>, %sq: tensor<?x2xf32>, %m: tensor<?x2xf32>)
    -> (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>,
        tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>,
        tensor<?x2xf32>) {
  %lr1 = arith.constant 0.1 : f32
  %lr2 = arith.constant 0.01 : f32
  %0 = kiln.sgd_update %p, %g learning_rate %lr1 : tensor<?x2xf32>
  %1:2 = kiln.sgd_momentum_update %p, %g, %v learning_rate %lr1 momentum = 0.9 : tensor<?x2xf32>
  %2:2 = kiln.sgd_momentum_update %p, %g, %v learning_rate %lr1 momentum = 0.9 nesterov : tensor<?x2xf32>
  %3:2 = kiln.rmsprop_update %p, %g, %sq learning_rate %lr2 rho = 0.9 epsilon = 1.0e-7 : tensor<?x2xf32>
  %it0 = arith.constant 0 : i64
  %4:3 = kiln.adam_update %p, %g, %m, %sq, %it0 learning_rate %lr2 beta_1 = 0.9 beta_2 = 0.999 epsilon = 1.0e-7 : tensor<?x2xf32>
  %it4 = arith.constant 4 : i64
  %5:3 = kiln.adam_update %p, %g, %m, %sq, %it4 learning_rate %lr2 beta_1 = 0.9 beta_2 = 0.999 epsilon = 1.0e-7 : tensor<?x2xf32>
  %6:2 = kiln.adagrad_update %p, %g, %sq learning_rate %lr1 epsilon = 1.0e-7 : tensor<?x2xf32>
  return %0, %1#0, %1#1, %2#0, %3#0, %3#1, %4#0, %4#1, %4#2, %5#0, %5#1, %5#2, %6#0
      : tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>,
        tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>,
        tensor<?x2xf32>
}

func.func @main() {
  %c1 = arith.constant dense<[[1.0, -2.0], [0.5, 3.0]]> : tensor<2x2xf32>
  %d2 = tensor.cast %c1 : tensor<2x2xf32> to tensor<?x2xf32>
  %c3 = arith.constant dense<[[0.1, -0.5], [2.0, 0.0]]> : tensor<2x2xf32>
  %d4 = tensor.cast %c3 : tensor<2x2xf32> to tensor<?x2xf32>
  %c5 = arith.constant dense<[[0.3, 0.1], [-0.2, 0.5]]> : tensor<2x2xf32>
  %d6 = tensor.cast %c5 : tensor<2x2xf32> to tensor<?x2xf32>
  %c7 = arith.constant dense<[[0.5, 0.1], [0.2, 1.0]]> : tensor<2x2xf32>
  %d8 = tensor.cast %c7 : tensor<2x2xf32> to tensor<?x2xf32>
  %c9 = arith.constant dense<[[0.05, -0.1], [0.3, 0.2]]> : tensor<2x2xf32>
  %d10 = tensor.cast %c9 : tensor<2x2xf32> to tensor<?x2xf32>
  %r11:13 = call @optimizers(%d2, %d4, %d6, %d8, %d10) : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>)
  %u12 = tensor.cast %r11#0 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u12) : (tensor<*xf32>) -> ()
  %u13 = tensor.cast %r11#1 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u13) : (tensor<*xf32>) -> ()
  %u14 = tensor.cast %r11#2 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u14) : (tensor<*xf32>) -> ()
  %u15 = tensor.cast %r11#3 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u15) : (tensor<*xf32>) -> ()
  %u16 = tensor.cast %r11#4 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u16) : (tensor<*xf32>) -> ()
  %u17 = tensor.cast %r11#5 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u17) : (tensor<*xf32>) -> ()
  %u18 = tensor.cast %r11#6 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u18) : (tensor<*xf32>) -> ()
  %u19 = tensor.cast %r11#7 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u19) : (tensor<*xf32>) -> ()
  %u20 = tensor.cast %r11#8 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u20) : (tensor<*xf32>) -> ()
  %u21 = tensor.cast %r11#9 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u21) : (tensor<*xf32>) -> ()
  %u22 = tensor.cast %r11#10 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u22) : (tensor<*xf32>) -> ()
  %u23 = tensor.cast %r11#11 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u23) : (tensor<*xf32>) -> ()
  %u24 = tensor.cast %r11#12 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u24) : (tensor<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(tensor<*xf32>)

// sgd_update
// CHECK: data =
// CHECK-NEXT: [{{(0\.98999[0-9]*|0\.99(000[0-9]*)?)}}, -1.95]
// CHECK-NEXT: [{{(0\.299999[0-9]*|0\.3(0000[0-9]*)?)}}, {{(2\.99999[0-9]*|3(\.0000[0-9]*)?)}}]
// sgd_momentum_update: param
// CHECK: data =
// CHECK-NEXT: [1.26, -1.86]
// CHECK-NEXT: [0.12, {{(3\.44999[0-9]*|3\.45(00[0-9]*)?)}}]
// sgd_momentum_update: velocity
// CHECK: data =
// CHECK-NEXT: [{{(0\.259999[0-9]*|0\.26(000[0-9]*)?)}}, 0.14]
// CHECK-NEXT: [{{(-0\.38(000[0-9]*)?|-0\.379999[0-9]*)}}, {{(0\.449999[0-9]*|0\.45(000[0-9]*)?)}}]
// sgd_momentum_update nesterov: param
// CHECK: data =
// CHECK-NEXT: [1.224, -1.824]
// CHECK-NEXT: [{{(-0\.042(000[0-9]*)?|-0\.0419999[0-9]*)}}, {{3\.4(0[0-9]*)?}}]
// rmsprop_update: param
// CHECK: data =
// CHECK-NEXT: [{{0\.9985[0-9]*}}, {{-1\.9852[0-9]*}}]
// CHECK-NEXT: [{{0\.4737[0-9]*}}, {{(2\.99999[0-9]*|3(\.0000[0-9]*)?)}}]
// rmsprop_update: velocity
// CHECK: data =
// CHECK-NEXT: [{{(0\.450999[0-9]*|0\.451(00[0-9]*)?)}}, 0.115]
// CHECK-NEXT: [{{(0\.579999[0-9]*|0\.58(000[0-9]*)?)}}, {{(0\.89999[0-9]*|0\.9(0000[0-9]*)?)}}]
// adam_update iterations = 0: param
// CHECK: data =
// CHECK-NEXT: [{{0\.99975[0-9]*}}, {{-1\.9986[0-9]*}}]
// CHECK-NEXT: [{{0\.4967(0[0-9]*)?}}, {{2\.9994[0-9]*}}]
// adam_update iterations = 0: momentum
// CHECK: data =
// CHECK-NEXT: [{{(0\.0549999[0-9]*|0\.055(000[0-9]*)?)}}, -0.14]
// CHECK-NEXT: [{{(0\.469999[0-9]*|0\.47(000[0-9]*)?)}}, 0.18]
// adam_update iterations = 0: velocity
// CHECK: data =
// CHECK-NEXT: [{{0\.4995[0-9]*}}, 0.10015]
// CHECK-NEXT: [0.2038, {{(0\.99899[0-9]*|0\.999(00[0-9]*)?)}}]
// adam_update iterations = 4: param
// CHECK: data =
// CHECK-NEXT: [{{0\.99986[0-9]*}}, {{-1\.9992[0-9]*}}]
// CHECK-NEXT: [{{0\.4982(0[0-9]*)?}}, {{2\.999[0-9]*}}]
// adam_update iterations = 4: momentum
// CHECK: data =
// CHECK-NEXT: [{{(0\.0549999[0-9]*|0\.055(000[0-9]*)?)}}, -0.14]
// CHECK-NEXT: [{{(0\.469999[0-9]*|0\.47(000[0-9]*)?)}}, 0.18]
// adam_update iterations = 4: velocity
// CHECK: data =
// CHECK-NEXT: [{{0\.4995[0-9]*}}, 0.10015]
// CHECK-NEXT: [0.2038, {{(0\.99899[0-9]*|0\.999(00[0-9]*)?)}}]
// adagrad_update: param
// CHECK: data =
// CHECK-NEXT: [{{0\.98599[0-9]*}}, {{-1\.9154[0-9]*}}]
// CHECK-NEXT: [{{0\.4024[0-9]*}}, {{(2\.99999[0-9]*|3(\.0000[0-9]*)?)}}]
