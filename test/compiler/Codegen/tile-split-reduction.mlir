// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=sapphirerapids threads=2 l1-kib=48 l2-kib=2048" --kiln-select-tiling --kiln-contiguous-b --kiln-tile | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=sapphirerapids threads=1 l1-kib=48 l2-kib=2048" --kiln-select-tiling --kiln-contiguous-b --kiln-tile | FileCheck %s --check-prefix=ONE

// Tests that a sum into an output too small to split over the threads (a
// convolution's bias gradient: batch x 26 x 26 rows into 32 values) is split
// along the batch into one partial per thread, [threads][32] so that each
// thread writes its own contiguous row, then summed into the op's init.
// CHECK-LABEL: func.func @bias_gradient
// CHECK: tensor.empty() : tensor<2x32xf32>
// CHECK: linalg.fill ins(%cst
// CHECK: %[[PARTIAL:.*]] = scf.forall (%[[T:.*]]) in (2) shared_outs(%[[P:.*]] = %{{.*}}) -> (tensor<2x32xf32>)
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 0, 0, 0] [%{{.*}}, 26, 26, 32]
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[P]][%[[T]], 0] [1, 32] [1, 1] : tensor<32xf32> into tensor<2x32xf32>
// CHECK: scf.for %[[I:.*]] = %c0 to %c2 step %c1 iter_args(%{{.*}} = %arg1) -> (tensor<32xf32>)
// CHECK: tensor.extract_slice %[[PARTIAL]][%[[I]], 0] [1, 32]
// CHECK: arith.addf
// ONE-LABEL: func.func @bias_gradient
// ONE-NOT: scf.forall
// ONE-NOT: tensor<2x32xf32>
// ONE: return
func.func @bias_gradient(%dy: tensor<?x26x26x32xf32>, %init: tensor<32xf32>) -> tensor<32xf32> {
  %db = linalg.generic {indexing_maps = [affine_map<(b, y, x, c) -> (b, y, x, c)>, affine_map<(b, y, x, c) -> (c)>],
                        iterator_types = ["reduction", "reduction", "reduction", "parallel"]}
      ins(%dy : tensor<?x26x26x32xf32>) outs(%init : tensor<32xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  } -> tensor<32xf32>
  return %db : tensor<32xf32>
}

// -----

// A small input stays on one thread (work below kMinParallelWork).
// CHECK-LABEL: func.func @small
// CHECK-NOT: scf.forall
// CHECK: return
func.func @small(%dy: tensor<4x32xf32>, %init: tensor<32xf32>) -> tensor<32xf32> {
  %db = linalg.generic {indexing_maps = [affine_map<(b, c) -> (b, c)>, affine_map<(b, c) -> (c)>],
                        iterator_types = ["reduction", "parallel"]}
      ins(%dy : tensor<4x32xf32>) outs(%init : tensor<32xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  } -> tensor<32xf32>
  return %db : tensor<32xf32>
}
