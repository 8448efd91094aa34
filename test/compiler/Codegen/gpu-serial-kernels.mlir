// RUN: kiln-opt %s --kiln-gpu-parallel-dims-first | FileCheck %s --check-prefix=DIMS
// RUN: kiln-opt %s --kiln-gpu-serial-kernels | FileCheck %s --check-prefix=SERIAL

// kiln-gpu-parallel-dims-first: the sum over the batch (d0, a reduction)
// of each unit's values (d1) loops over the units first, so
// convert-linalg-to-parallel-loops makes one parallel loop (one kernel)
// rather than a host loop over the batch around it.
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d1)>
// The maps follow the dimensions: the batch is now d1.
// DIMS-DAG: #[[IN:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// DIMS-DAG: #[[OUT:.*]] = affine_map<(d0, d1) -> (d0)>
// DIMS-LABEL: func.func @bias_gradient
// DIMS: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction"]}
func.func @bias_gradient(%dz: memref<?x300xf32>, %db: memref<300xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction", "parallel"]}
      ins(%dz : memref<?x300xf32>) outs(%db : memref<300xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %acc, %x : f32
    linalg.yield %s : f32
  }
  return
}

// kiln-gpu-serial-kernels: the loss's sum over the batch (a host loop over
// a GPU temporary) and the mean's scalar arithmetic become one-thread
// kernels; the learning rate's load, whose value the host needs later,
// stays on the host, as does a run touching no temporary.
// SERIAL-LABEL: func.func @loss_mean
// SERIAL: %[[T:.*]] = gpu.alloc host_shared
// SERIAL: %[[LR:.*]] = memref.load %{{.*}}[] : memref<f32>
// SERIAL: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// SERIAL-NEXT: memref.store %{{.*}}, %[[S:.*]][] : memref<f32>
// SERIAL-NEXT: scf.for
// SERIAL: }
// SERIAL-NEXT: %[[SUM:.*]] = memref.load %[[S]][]
// SERIAL-NEXT: %[[MEAN:.*]] = arith.divf %[[SUM]], %{{.*}} : f32
// SERIAL-NEXT: memref.store %[[MEAN]], %{{.*}}[] : memref<f32>
// SERIAL-NEXT: scf.reduce
// SERIAL: arith.mulf %[[LR]]
// SERIAL: memref.store %{{.*}}, %{{.*}}[] : memref<i64>
// SERIAL-NOT: scf.parallel
// SERIAL: return
func.func @loss_mean(%n: index, %nf: f32, %lr: memref<f32>, %out: memref<f32>, %count: memref<i64>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1 : i64
  %t = gpu.alloc host_shared (%n) : memref<?xf32>
  %sum = gpu.alloc host_shared () : memref<f32>
  %rate = memref.load %lr[] : memref<f32>
  memref.store %zero, %sum[] : memref<f32>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %t[%i] : memref<?xf32>
    %a = memref.load %sum[] : memref<f32>
    %b = arith.addf %a, %v : f32
    memref.store %b, %sum[] : memref<f32>
  }
  %s = memref.load %sum[] : memref<f32>
  %m = arith.divf %s, %nf : f32
  memref.store %m, %out[] : memref<f32>
  %step = arith.mulf %rate, %nf : f32
  %k = memref.load %count[] : memref<i64>
  %k1 = arith.addi %k, %one : i64
  memref.store %k1, %count[] : memref<i64>
  return %step : f32
}
