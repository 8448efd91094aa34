// RUN: kiln-opt %s --split-input-file --kiln-hoist-buffers | FileCheck %s

// Tests that a static temporary of a tile moves before the outermost of its
// sequential loops, through an scf.if between them.
// CHECK-LABEL: func.func @nested_loops
// CHECK: %[[T:.*]] = memref.alloc() : memref<8xf32>
// CHECK-NEXT: scf.for
// CHECK: scf.for
// CHECK: scf.if
// CHECK-NOT: memref.alloc
// CHECK: memref.store %{{.*}}, %[[T]]
func.func @nested_loops(%n: index, %c: i1, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %n step %c1 {
      scf.if %c {
        %t = memref.alloc() : memref<8xf32>
        memref.store %v, %t[%c0] : memref<8xf32>
      }
    }
  }
  return
}

// -----

// Tests that a temporary never leaves a thread's body: it moves before the
// loop inside the scf.forall, not out of the forall.
// CHECK-LABEL: func.func @per_thread
// CHECK: scf.forall
// CHECK-NEXT: %[[T:.*]] = memref.alloc() : memref<8xf32>
// CHECK-NEXT: scf.for
func.func @per_thread(%n: index, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.forall (%t) in (2) {
    scf.for %j = %c0 to %n step %c1 {
      %b = memref.alloc() : memref<8xf32>
      memref.store %v, %b[%c0] : memref<8xf32>
    }
  }
  return
}

// -----

// Tests that a temporary a loop yields (one per iteration) and a dynamic
// one stay where they are.
// CHECK-LABEL: func.func @stays
// CHECK: scf.for
// CHECK-NEXT: memref.alloc() : memref<8xf32>
// CHECK: scf.for
// CHECK-NEXT: memref.alloc(%{{.*}}) : memref<?xf32>
func.func @stays(%n: index, %init: memref<8xf32>, %v: f32) -> memref<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> memref<8xf32> {
    %t = memref.alloc() : memref<8xf32>
    memref.store %v, %t[%c0] : memref<8xf32>
    scf.yield %t : memref<8xf32>
  }
  scf.for %i = %c0 to %n step %c1 {
    %d = memref.alloc(%n) : memref<?xf32>
    memref.store %v, %d[%c0] : memref<?xf32>
  }
  return %r : memref<8xf32>
}
