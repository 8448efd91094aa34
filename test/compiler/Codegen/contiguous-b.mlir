// RUN: kiln-opt %s --split-input-file --kiln-contiguous-b | FileCheck %s
// RUN: not kiln-opt %s --split-input-file --kiln-set-target="cpu=haswell threads=1" --kiln-tile 2>&1 | FileCheck %s --check-prefix=TILE

// Tests that a kernel reading B transposed (dX = dY * W^T) reads a
// transpose of W made just before it, with B's map now (k, n) (a plain
// matmul), and that nothing else changes; kiln-tile refuses such a kernel.
// CHECK-LABEL: func.func @input_gradient
// CHECK-SAME: (%[[DY:.*]]: tensor<?x300xf32>, %[[W:.*]]: tensor<784x300xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<300x784xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[W]] : tensor<784x300xf32>) outs(%[[E]] : tensor<300x784xf32>) permutation = [1, 0]
// CHECK: linalg.matmul {kiln.tiling = #kiln.tiling<mr = 6, nr = 16>} ins(%[[DY]], %[[T]] : tensor<?x300xf32>, tensor<300x784xf32>)
// TILE: kiln-tile: this contraction reads B transposed: run kiln-contiguous-b first
func.func @input_gradient(%dy: tensor<?x300xf32>, %w: tensor<784x300xf32>, %init: tensor<?x784xf32>) -> tensor<?x784xf32> {
  %dx = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      {kiln.tiling = #kiln.tiling<mr = 6, nr = 16>}
      ins(%dy, %w : tensor<?x300xf32>, tensor<784x300xf32>) outs(%init : tensor<?x784xf32>) -> tensor<?x784xf32>
  return %dx : tensor<?x784xf32>
}

// -----

// Tests that a kernel already reading B by rows, and a transposed read
// that is not a kernel (no #kiln.tiling), are left alone.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul {kiln.tiling
// CHECK: linalg.matmul indexing_maps
// CHECK-NOT: linalg.transpose
func.func @left_alone(%a: tensor<8x4xf32>, %b: tensor<4x16xf32>, %bt: tensor<16x4xf32>, %c: tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>) {
  %0 = linalg.matmul {kiln.tiling = #kiln.tiling<mr = 4, nr = 16>}
      ins(%a, %b : tensor<8x4xf32>, tensor<4x16xf32>) outs(%c : tensor<8x16xf32>) -> tensor<8x16xf32>
  %1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %bt : tensor<8x4xf32>, tensor<16x4xf32>) outs(%c : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %0, %1 : tensor<8x16xf32>, tensor<8x16xf32>
}
