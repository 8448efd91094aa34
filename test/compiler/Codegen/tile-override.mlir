// RUN: kiln-opt %s --kiln-select-tiling --kiln-contiguous-b --kiln-tile --kiln-vectorize-tiles | FileCheck %s

// Tests that a #kiln.tiling written by hand is what kiln-tile carries out:
// kiln-select-tiling keeps it, and the register tile is 4 x 16 on a target
// whose cost model picks another.
// CHECK-LABEL: func.func @dense_relu
// CHECK: vector.contract {{.*}} : vector<4x1xf32>, vector<1x16xf32> into vector<4x16xf32>
// CHECK-NOT: kiln.tiling
module attributes {kiln.target = #kiln.target<cpu = "sapphirerapids", vector_bits = 512, vector_registers = 32, fma = true, l1 = 49152, l1_ways = 12, l2 = 2097152>} {
func.func @dense_relu(%x: tensor<?x784xf32>, %w: tensor<784x300xf32>, %b: tensor<300xf32>) -> tensor<?x300xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x784xf32>
  %e = tensor.empty(%n) : tensor<?x300xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%b : tensor<300xf32>) outs(%e : tensor<?x300xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<?x300xf32>
  %h = linalg.matmul {kiln.tiling = #kiln.tiling<mr = 4, nr = 16>} ins(%x, %w : tensor<?x784xf32>, tensor<784x300xf32>) outs(%bias : tensor<?x300xf32>) -> tensor<?x300xf32>
  return %h : tensor<?x300xf32>
}
}
