// RUN: kiln-opt %s --split-input-file --kiln-fuse-elementwise | FileCheck %s

// Tests that a Flatten before a Dense at a static batch stays a collapse and
// a matmul: folding the reshape would expand the matmul into a contraction
// over 28 x 28 with its weights viewed as 28x28x300.
// CHECK-LABEL: func.func @flatten_dense
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<1x28x28xf32> into tensor<1x784xf32>
// CHECK-NOT: tensor.expand_shape
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<1x784xf32>, tensor<784x300xf32>)
func.func @flatten_dense(%x: tensor<1x28x28xf32>, %w: tensor<784x300xf32>) -> tensor<1x300xf32> {
  %zero = arith.constant 0.0 : f32
  %c = tensor.collapse_shape %x [[0], [1, 2]] : tensor<1x28x28xf32> into tensor<1x784xf32>
  %e = tensor.empty() : tensor<1x300xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x300xf32>) -> tensor<1x300xf32>
  %h = linalg.matmul ins(%c, %w : tensor<1x784xf32>, tensor<784x300xf32>) outs(%f : tensor<1x300xf32>) -> tensor<1x300xf32>
  return %h : tensor<1x300xf32>
}

// -----

// Tests that elementwise ops still fuse (a producer into its only consumer)
// and reshapes still move through elementwise ops, as upstream's
// linalg-fuse-elementwise-ops does.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @elementwise
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: arith.mulf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
// CHECK: tensor.collapse_shape
func.func @elementwise(%x: tensor<4x2x3xf32>) -> tensor<4x6xf32> {
  %zero = arith.constant 0.0 : f32
  %c = tensor.collapse_shape %x [[0], [1, 2]] : tensor<4x2x3xf32> into tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %sq = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sq : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}
