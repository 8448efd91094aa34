// RUN: kiln-opt %s --kiln-set-target="threads=2" --kiln-parallel-to-openmp | FileCheck %s
// RUN: kiln-opt %s --kiln-set-target="threads=1" --kiln-parallel-to-openmp | FileCheck %s --check-prefix=ONE
// RUN: kiln-opt %s --kiln-set-target="threads=2" --kiln-parallel-to-openmp --canonicalize | FileCheck %s --check-prefix=CANON

// Each outermost scf.parallel becomes one omp.parallel in which a thread
// runs its contiguous block [t * chunk, min((t + 1) * chunk, trips)) of the
// iterations, chunk = ceil(trips / threads): no worksharing loop, so no
// __kmpc_for_static_init and no barrier but the region's join. A loop whose
// trip count is not a constant above 1 keeps a sequential copy for when it
// has one iteration (kiln-tile makes a small dynamic batch one chunk) or
// the runtime gives it one thread: no call into the OpenMP runtime then. The
// thread count is the runtime's answer to kiln_parallel_threads(compiled),
// asked only when there are several iterations (a step that never asks is
// serial, and the runtime stops timing it).

// CHECK-LABEL: func.func @one_dim
// CHECK-SAME: (%[[N:.*]]: index, %[[M:.*]]: memref<?xf32>)
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[SPAN:.*]] = arith.subi %[[N]], %[[C0]]
// CHECK: %[[POS:.*]] = arith.maxsi %[[SPAN]]
// CHECK: %[[TRIPS0:.*]] = arith.ceildivui %[[POS]], %[[C16]]
// CHECK: %[[TRIPS:.*]] = arith.muli %{{.*}}, %[[TRIPS0]]
// CHECK: %[[NT2:.*]] = arith.constant 2 : i32
// CHECK: %[[MANY:.*]] = arith.cmpi ugt, %[[TRIPS]], %{{.*}} : index
// CHECK: %[[NT:.*]] = scf.if %[[MANY]] -> (i32) {
// CHECK:   %[[ASKED:.*]] = func.call @kiln_parallel_threads(%[[NT2]]) : (i32) -> i32
// CHECK:   scf.yield %[[ASKED]] : i32
// CHECK: } else {
// CHECK:   scf.yield %{{.*}} : i32
// CHECK: }
// CHECK: %[[SHARED:.*]] = arith.cmpi sgt, %[[NT]], %{{.*}} : i32
// CHECK: scf.if %[[SHARED]] {
// CHECK: omp.parallel num_threads(%[[NT]] : i32) {
// CHECK:   %[[T32:.*]] = func.call @omp_get_thread_num() : () -> i32
// CHECK:   %[[T:.*]] = arith.index_cast %[[T32]] : i32 to index
// CHECK:   %[[NUM32:.*]] = func.call @omp_get_num_threads() : () -> i32
// CHECK:   %[[NUM:.*]] = arith.index_cast %[[NUM32]] : i32 to index
// CHECK:   %[[CHUNK:.*]] = arith.ceildivui %[[TRIPS]], %[[NUM]]
// CHECK:   %[[FIRST:.*]] = arith.muli %[[T]], %[[CHUNK]]
// CHECK:   %[[BEGIN:.*]] = arith.minui %[[FIRST]], %[[TRIPS]]
// CHECK:   %[[LAST:.*]] = arith.addi %[[BEGIN]], %[[CHUNK]]
// CHECK:   %[[END:.*]] = arith.minui %[[LAST]], %[[TRIPS]]
// CHECK:   scf.for %[[L:.*]] = %[[BEGIN]] to %[[END]] step %{{.*}} {
// CHECK:     memref.alloca_scope {
// CHECK:       %[[OFF:.*]] = arith.muli %[[L]], %[[C16]]
// CHECK:       %[[I:.*]] = arith.addi %[[C0]], %[[OFF]]
// CHECK:       memref.store %{{.*}}, %[[M]][%[[I]]]
// CHECK:     }
// CHECK:   }
// CHECK:   omp.terminator
// CHECK: }
// CHECK: } else {
// CHECK:   scf.parallel (%{{.*}}) = (%[[C0]]) to (%[[N]]) step (%[[C16]])
// CHECK:     memref.store
// CHECK: }
// CHECK: return

// A target of one thread keeps the loops (scf-to-cf makes them sequential).
// ONE-LABEL: func.func @one_dim
// ONE-NOT: omp.
// ONE: scf.parallel
func.func @one_dim(%n: index, %m: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c16) {
    memref.store %f, %m[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// Two dimensions are linearized (the inner one fastest) and the inner
// scf.parallel stays a loop of its thread. Each iteration is an allocation
// scope, as in upstream's convert-scf-to-openmp.
// CHECK-LABEL: func.func @two_dims
// CHECK: omp.parallel
// CHECK: scf.for %[[L:.*]] =
// CHECK: memref.alloca_scope {
// CHECK:   %[[J:.*]] = arith.remui %[[L]], %[[TJ:.*]] : index
// CHECK:   %[[I:.*]] = arith.divui %[[L]], %[[TJ]] : index
// CHECK:   memref.alloca() : memref<4xf32>
// CHECK:   scf.parallel
// CHECK: omp.terminator
// CHECK-NOT: omp.parallel
// CHECK: return

// CANON-LABEL: func.func @one_dim_static
// CANON: %[[C3:.*]] = arith.constant 3 : index
// CANON: omp.parallel num_threads
// CANON-NOT: memref.alloca_scope
// CANON: arith.ceildivui %[[C3]], %{{.*}}
func.func @two_dims(%n: index, %m: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c4) step (%c1, %c1) {
    %t = memref.alloca() : memref<4xf32>
    scf.parallel (%k) = (%c0) to (%c4) step (%c1) {
      memref.store %f, %t[%k] : memref<4xf32>
      scf.reduce
    }
    %v = memref.load %t[%j] : memref<4xf32>
    memref.store %v, %m[%i, %j] : memref<?x?xf32>
    scf.reduce
  }
  return
}

// Iterations 0, 112, 224 of a 300-wide loop: 3 trips, folded; the empty
// allocation scope is inlined; a static loop has no sequential copy (with
// one thread it runs a serialized region). The runtime's three queries are
// declared once, after the functions.
// CHECK-LABEL: func.func @one_dim_static
// CHECK: %[[N:.*]] = call @kiln_parallel_threads
// CHECK-NOT: scf.if
// CHECK: omp.parallel num_threads(%[[N]] : i32)
// CHECK-DAG: func.func private @omp_get_thread_num() -> i32
// CHECK-DAG: func.func private @omp_get_num_threads() -> i32
// CHECK-DAG: func.func private @kiln_parallel_threads(i32) -> i32
// CHECK-NOT: func.func private
func.func @one_dim_static(%m: memref<300xf32>) {
  %c0 = arith.constant 0 : index
  %c112 = arith.constant 112 : index
  %c300 = arith.constant 300 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c300) step (%c112) {
    memref.store %f, %m[%i] : memref<300xf32>
    scf.reduce
  }
  return
}
