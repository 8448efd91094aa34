// RUN: kiln-opt %s --kiln-set-target="cpu=haswell threads=2" --kiln-select-tiling --kiln-contiguous-b --kiln-tile --kiln-vectorize-tiles | FileCheck %s
// RUN: kiln-opt %s --kiln-set-target="cpu=haswell threads=1" --kiln-select-tiling --kiln-contiguous-b --kiln-tile --kiln-vectorize-tiles | FileCheck %s --check-prefix=SERIAL

// Tests that an elementwise pass over a dynamic batch is split over the
// threads with a chunk chosen at run time: half the rows from 219 rows of
// 300 (2^16 elements) on, else all rows in one chunk, a loop of one
// iteration that kiln-parallel-to-openmp runs without a fork. (It stayed on
// one thread at every batch before: the batch was taken as 32 rows, and at
// 10000 the MLP's predict ran its relu passes serially.)
// CHECK-LABEL: func.func @relu
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C219:.*]] = arith.constant 219 : index
// CHECK: %[[N:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x300xf32>
// CHECK: %[[HALF:.*]] = affine.apply #{{.*}}()[%[[N]]]
// CHECK: %[[ALL:.*]] = arith.maxsi %[[N]], %[[C1]] : index
// CHECK: %[[LARGE:.*]] = arith.cmpi sge, %[[N]], %[[C219]] : index
// CHECK: %[[CHUNK:.*]] = arith.select %[[LARGE]], %[[HALF]], %[[ALL]] : index
// CHECK: scf.forall (%{{.*}}) = (0) to (%[[N]]) step (%[[CHUNK]])
// CHECK: arith.maximumf %{{.*}} : vector<1x16xf32>

// SERIAL: #[[ROUNDUP:map[0-9]*]] = affine_map<()[s0] -> (((s0 + 3) floordiv 4) * 4)>
// SERIAL-LABEL: func.func @relu
// SERIAL-NOT: scf.forall
// SERIAL: arith.maximumf %{{.*}} : vector<1x16xf32>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @relu(%x: tensor<?x300xf32>) -> tensor<?x300xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x300xf32>
  %e = tensor.empty(%n) : tensor<?x300xf32>
  %zero = arith.constant 0.0 : f32
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x300xf32>) outs(%e : tensor<?x300xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x300xf32>
  return %r : tensor<?x300xf32>
}

// A small static pass stays on one thread.
// CHECK-LABEL: func.func @small
// CHECK-NOT: scf.forall
// CHECK: return
func.func @small(%x: tensor<32x300xf32>) -> tensor<32x300xf32> {
  %e = tensor.empty() : tensor<32x300xf32>
  %zero = arith.constant 0.0 : f32
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<32x300xf32>) outs(%e : tensor<32x300xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<32x300xf32>
  return %r : tensor<32x300xf32>
}

// A matmul too small to split at the assumed batch (N = 10, K = 100: the
// MLP's last layer) is split along its rows from 525 rows (2^19
// multiply-adds) on, at run time; chunks are whole 4-row register tiles.
// CHECK-LABEL: func.func @last_dense
// CHECK-DAG: %[[C525:.*]] = arith.constant 525 : index
// CHECK: %[[N:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x100xf32>
// CHECK: %[[PART:.*]] = affine.apply #{{.*}}()[%[[N]]]
// CHECK: %[[ALL:.*]] = arith.maxsi %[[N]], %{{.*}} : index
// CHECK: %[[LARGE:.*]] = arith.cmpi sge, %[[N]], %[[C525]] : index
// CHECK: %[[CHUNK:.*]] = arith.select %[[LARGE]], %[[PART]], %[[ALL]] : index
// CHECK: scf.forall (%{{.*}}) = (0) to (%[[N]]) step (%[[CHUNK]])
// CHECK: vector.contract
// One thread keeps the rows as one chunk, a loop of one iteration (one-shot
// bufferization's analysis stays cheap behind an scf.forall result).
// SERIAL-LABEL: func.func @last_dense
// SERIAL: %[[N:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x100xf32>
// SERIAL: %[[ALL:.*]] = affine.apply #[[ROUNDUP]]()[%[[N]]]
// SERIAL: scf.forall (%{{.*}}) = (0) to (%[[N]]) step (%[[ALL]])
// SERIAL: vector.contract
func.func @last_dense(%x: tensor<?x100xf32>, %w: tensor<100x10xf32>) -> tensor<?x10xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x100xf32>
  %e = tensor.empty(%n) : tensor<?x10xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x10xf32>) -> tensor<?x10xf32>
  %r = linalg.matmul ins(%x, %w : tensor<?x100xf32>, tensor<100x10xf32>) outs(%f : tensor<?x10xf32>) -> tensor<?x10xf32>
  return %r : tensor<?x10xf32>
}
