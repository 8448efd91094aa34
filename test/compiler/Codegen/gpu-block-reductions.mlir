// RUN: kiln-opt %s --kiln-gpu-block-reductions --canonicalize --cse | FileCheck %s

// kiln-gpu-block-reductions: a full reduction becomes one block of 256
// threads: strided partials from the combiner's identity, a tree in shared
// memory with a barrier after each halving, thread 0 adding the output's
// initial value.

#v = affine_map<(i) -> (i)>
#s = affine_map<(i) -> ()>
#m2 = affine_map<(i, j) -> (i, j)>
#s2 = affine_map<(i, j) -> ()>
#row = affine_map<(i, j) -> (i)>

// The cross-entropy's sum over the batch: the body's log and subtraction
// run per element inside the strided loop.
// CHECK-LABEL: func.func @loss
// CHECK-SAME: (%[[L:.*]]: memref<?xf32>, %[[P:.*]]: memref<?xf32>, %[[SUM:.*]]: memref<f32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK: %[[N:.*]] = memref.dim %[[L]], %c0
// CHECK: gpu.launch blocks({{[^)]*}}) in ({{[^)]*}} = %c1, {{[^)]*}} = %c1, {{[^)]*}} = %c1)
// CHECK-SAME: threads(%[[TX:[a-z0-9_]+]], {{[^)]*}}) in ({{[^)]*}} = %[[C256]], {{[^)]*}} = %c1, {{[^)]*}} = %c1)
// CHECK-SAME: workgroup(%[[PART:.*]] : memref<256xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[MINE:.*]] = scf.for %[[I:.*]] = %[[TX]] to %[[N]] step %[[C256]] iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32)
// CHECK: %[[X:.*]] = memref.load %[[L]][%[[I]]]
// CHECK: %[[Y:.*]] = memref.load %[[P]][%[[I]]]
// CHECK: %[[LOG:.*]] = math.log %[[Y]]
// CHECK: %[[D:.*]] = arith.subf %[[X]], %[[LOG]]
// CHECK: %[[NEXT:.*]] = arith.addf %[[ACC]], %[[D]]
// CHECK: scf.yield %[[NEXT]]
// CHECK: memref.store %[[MINE]], %[[PART]][%[[TX]]]
// CHECK-NEXT: gpu.barrier
// CHECK: %[[LOW:.*]] = arith.cmpi ult, %[[TX]], %c128
// CHECK: scf.if %[[LOW]]
// CHECK: %[[OTHER:.*]] = arith.addi %[[TX]], %c128
// CHECK: %[[A:.*]] = memref.load %[[PART]][%[[TX]]]
// CHECK: %[[B:.*]] = memref.load %[[PART]][%[[OTHER]]]
// CHECK: %[[AB:.*]] = arith.addf %[[A]], %[[B]]
// CHECK: memref.store %[[AB]], %[[PART]][%[[TX]]]
// CHECK: gpu.barrier
// CHECK-COUNT-6: gpu.barrier
// CHECK: arith.cmpi ult, %[[TX]], %c1 :
// CHECK: gpu.barrier
// CHECK: %[[LEAD:.*]] = arith.cmpi eq, %[[TX]], %c0
// CHECK: scf.if %[[LEAD]]
// CHECK: %[[TOTAL:.*]] = memref.load %[[PART]][%c0]
// CHECK: %[[INIT:.*]] = memref.load %[[SUM]][]
// CHECK: %[[R:.*]] = arith.addf %[[TOTAL]], %[[INIT]]
// CHECK: memref.store %[[R]], %[[SUM]][]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.generic
func.func @loss(%l: memref<?xf32>, %p: memref<?xf32>, %sum: memref<f32>) {
  linalg.generic {indexing_maps = [#v, #v, #s], iterator_types = ["reduction"]}
      ins(%l, %p : memref<?xf32>, memref<?xf32>) outs(%sum : memref<f32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = math.log %b : f32
    %1 = arith.subf %a, %0 : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  }
  return
}

// A maximum over two reduction dimensions starts from -inf; the element's
// indices are the linear position delinearized.
// CHECK-LABEL: func.func @max2d
// CHECK-DAG: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: gpu.launch
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %c120 step %c256 iter_args(%{{.*}} = %[[NINF]])
// CHECK: %[[J:.*]] = arith.remui %[[I]], %c12
// CHECK: %[[R:.*]] = arith.divui %[[I]], %c12
// CHECK: memref.load %{{.*}}[%[[R]], %[[J]]] : memref<10x12xf32>
// CHECK: arith.maximumf
// CHECK: gpu.barrier
func.func @max2d(%x: memref<10x12xf32>, %m: memref<f32>) {
  linalg.generic {indexing_maps = [#m2, #s2], iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<10x12xf32>) outs(%m : memref<f32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = arith.maximumf %a, %out : f32
    linalg.yield %0 : f32
  }
  return
}

// Not handled, left to the parallel-loop mapping: a product (no identity
// this pass knows), an accumulator used twice, and a reduction per row.
// CHECK-LABEL: func.func @not_handled
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK-NOT: gpu.launch
// CHECK: return
func.func @not_handled(%x: memref<?xf32>, %p: memref<f32>, %y: memref<4x5xf32>, %r: memref<4xf32>) {
  linalg.generic {indexing_maps = [#v, #s], iterator_types = ["reduction"]}
      ins(%x : memref<?xf32>) outs(%p : memref<f32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = arith.mulf %out, %a : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [#v, #s], iterator_types = ["reduction"]}
      ins(%x : memref<?xf32>) outs(%p : memref<f32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = arith.mulf %out, %a : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#m2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%y : memref<4x5xf32>) outs(%r : memref<4xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = arith.addf %out, %a : f32
    linalg.yield %0 : f32
  }
  return
}
