// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=haswell threads=1 l1-kib=32 l2-kib=1024" --kiln-select-tiling --kiln-contiguous-b --kiln-tile --kiln-vectorize-tiles | FileCheck %s

// Tests that register tiles too thin to hide the FMA latency (4 cycles, two
// ports: 8 independent vectors) accumulate into several chains, summed after
// the k loop. One row of 300 columns (predict at batch 1): the 1 x 16 tiles
// (2 ymm: one row streams B once, and two vectors a step measured best) and
// the 1 x 12 tail get 4 chains each; the sums come before the tile is
// stored. One row tile reads B once, so K is not blocked: one loop over all
// 784 steps.
// CHECK-LABEL: func.func @one_row
// CHECK: scf.for %{{.*}} = %c0 to %c784 step %c4 iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %cst{{.*}}) -> (vector<1x16xf32>, vector<1x16xf32>, vector<1x16xf32>, vector<1x16xf32>)
// CHECK-COUNT-4: vector.contract
// CHECK: scf.yield
// CHECK: arith.addf %{{.*}}#0, %{{.*}}#1 : vector<1x16xf32>
// CHECK: arith.addf
// CHECK: arith.addf
// CHECK: vector.transfer_write {{.*}} : vector<1x16xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c784 step %c4 iter_args({{.*}}) -> (vector<1x12xf32>, vector<1x12xf32>, vector<1x12xf32>, vector<1x12xf32>)
// CHECK-COUNT-4: vector.contract
// CHECK: arith.addf
// CHECK: arith.addf
// CHECK: arith.addf
// CHECK: vector.transfer_write {{.*}} : vector<1x12xf32>
// CHECK: return
func.func @one_row(%a: tensor<1x784xf32>, %b: tensor<784x300xf32>) -> tensor<1x300xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x300xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x300xf32>) -> tensor<1x300xf32>
  %h = linalg.matmul ins(%a, %b : tensor<1x784xf32>, tensor<784x300xf32>) outs(%f : tensor<1x300xf32>) -> tensor<1x300xf32>
  return %h : tensor<1x300xf32>
}

// -----

// A dynamic K (the batch of a weight gradient) keeps a remainder loop for
// the steps past the last whole unrolled iteration, accumulating into the
// sum of the chains.
// CHECK-LABEL: func.func @dynamic_k
// CHECK: %[[MAIN:.*]]:{{[24]}} = scf.for %{{.*}} = %c0 to %[[SPLIT:.*]] step %c{{[24]}} iter_args
// CHECK: %[[SUM:.*]] = arith.addf
// CHECK: scf.for %{{.*}} = %[[SPLIT]] to %{{.*}} step %c1 iter_args(%{{.*}} = %{{.*}})
// CHECK: return
func.func @dynamic_k(%a: tensor<1x?xf32>, %b: tensor<?x32xf32>) -> tensor<1x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32xf32>) -> tensor<1x32xf32>
  %h = linalg.matmul ins(%a, %b : tensor<1x?xf32>, tensor<?x32xf32>) outs(%f : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %h : tensor<1x32xf32>
}

// -----

// A tile of 8 registers (4 x 16 on AVX2) has its chains already: unchanged.
// CHECK-LABEL: func.func @full_tile
// CHECK-NOT: arith.addf
// CHECK: scf.for %{{.*}} step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<4x16xf32>)
// CHECK-NOT: arith.addf
// CHECK: return
func.func @full_tile(%a: tensor<4x64xf32>, %b: tensor<64x16xf32>) -> tensor<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %h = linalg.matmul ins(%a, %b : tensor<4x64xf32>, tensor<64x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %h : tensor<4x16xf32>
}
