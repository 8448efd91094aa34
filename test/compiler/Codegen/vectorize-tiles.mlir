// RUN: kiln-opt %s --kiln-set-target="cpu=haswell threads=1 l1-kib=32 l2-kib=1024" --kiln-select-tiling --kiln-tile | FileCheck %s --check-prefix=TILED
// RUN: kiln-opt %s --kiln-set-target="cpu=haswell threads=1 l1-kib=32 l2-kib=1024" --kiln-select-tiling --kiln-tile | kiln-opt --kiln-vectorize-tiles | FileCheck %s

// Tests the split between the two passes on a dense layer with bias and
// relu: kiln-tile leaves linalg ops of vector size inside the register
// tiles (a 6x1 by 1x16 outer product per k step, bias and relu fused in
// the tile); kiln-vectorize-tiles turns them into vector code whose K loop
// carries the accumulator in registers, read once before the loop and
// written once after it, with relu applied to the vector.

// TILED-LABEL: func.func @dense_relu
// TILED-NOT: vector.
// TILED: scf.for
// TILED: scf.for
// TILED: scf.for
// TILED: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<6x1xf32>, tensor<1x16xf32>)
// TILED-NOT: vector.

// CHECK-LABEL: func.func @dense_relu
// CHECK-NOT: linalg.
// CHECK: %[[INIT:.*]] = vector.transfer_read
// CHECK: %[[ACC:.*]] = scf.for {{.*}} iter_args(%[[C:.*]] = %[[INIT]]) -> (vector<6x16xf32>)
// CHECK: vector.contract {{.*}} %[[C]] : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
// CHECK: scf.yield
// CHECK: arith.maximumf %[[ACC]], %{{.*}} : vector<6x16xf32>
// CHECK: vector.transfer_write
// CHECK-NOT: linalg.
// CHECK: return
func.func @dense_relu(%x: tensor<64x32xf32>, %w: tensor<32x64xf32>, %b: tensor<64xf32>) -> tensor<64x64xf32> {
  %e = tensor.empty() : tensor<64x64xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                          iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<64xf32>) outs(%e : tensor<64x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<64x64xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<64x32xf32>, tensor<32x64xf32>) outs(%init : tensor<64x64xf32>) -> tensor<64x64xf32>
  %e2 = tensor.empty() : tensor<64x64xf32>
  %relu = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                          iterator_types = ["parallel", "parallel"]}
      ins(%mm : tensor<64x64xf32>) outs(%e2 : tensor<64x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  } -> tensor<64x64xf32>
  return %relu : tensor<64x64xf32>
}
