// RUN: kiln-opt %s --kiln-set-target="cpu=haswell vector-bits=256 threads=1" --kiln-vectorize-copies | FileCheck %s
// RUN: kiln-opt %s --kiln-set-target="cpu=haswell vector-bits=256 threads=2" --kiln-vectorize-copies | FileCheck %s --check-prefix=PAR

// Tests that copies, fills and the input-less linalg.map bufferization
// makes for a tensor.pad border become vector loops: full 8-wide vectors
// along the unit-stride dimension and one masked vector for the rest, and
// that with threads=2 large passes at function level split their outermost
// loop over an scf.forall of 2 chunks, while small ones and ones inside
// loops stay serial.

// CHECK-LABEL: func.func @copy
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %c1
// CHECK:   scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %c8
// CHECK:     %[[V:.*]] = vector.transfer_read %arg0[%[[I]], %[[J]]]{{.*}} : memref<?x300xf32>, vector<8xf32>
// CHECK:     vector.transfer_write %[[V]], %arg1[%[[I]], %[[J]]]
// CHECK:   %[[M:.*]] = vector.create_mask %{{.*}} : vector<8xi1>
// CHECK:   vector.transfer_read %arg0[%[[I]], %{{.*}}], %{{.*}}, %[[M]]
// CHECK-NOT: linalg.copy
// PAR-LABEL: func.func @copy
// PAR-NOT: scf.forall
// PAR: return
func.func @copy(%a: memref<?x300xf32>, %b: memref<?x300xf32>) {
  linalg.copy ins(%a : memref<?x300xf32>) outs(%b : memref<?x300xf32>)
  return
}

// CHECK-LABEL: func.func @fill
// CHECK: %[[S:.*]] = vector.broadcast %arg1 : f32 to vector<8xf32>
// CHECK: vector.transfer_write %[[S]], %arg0
// CHECK-NOT: linalg.fill
func.func @fill(%a: memref<4x20xf32>, %v: f32) {
  linalg.fill ins(%v : f32) outs(%a : memref<4x20xf32>)
  return
}

// The border of a padded ?x15x15x64 gradient: 32 x 14400 elements counted
// for the unknown batch, above the threshold for threads.
// CHECK-LABEL: func.func @pad_border
// CHECK: %[[Z0:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[Z:.*]] = vector.broadcast %[[Z0]] : f32 to vector<8xf32>
// CHECK: vector.transfer_write %[[Z]], %arg0
// CHECK-NOT: linalg.map
// PAR-LABEL: func.func @pad_border
// PAR: %[[N:.*]] = memref.dim %arg0, %c0
// PAR: scf.forall (%[[T:.*]]) in (2)
// PAR:   %[[LO:.*]] = affine.apply #{{.*}}(%[[T]])[%[[N]]]
// PAR:   %[[HI:.*]] = affine.min #{{.*}}(%[[T]])[%[[N]]]
// PAR:   scf.for %{{.*}} = %[[LO]] to %[[HI]] step %c1
// PAR:     vector.transfer_write
func.func @pad_border(%a: memref<?x15x15x64xf32>) {
  linalg.map outs(%a : memref<?x15x15x64xf32>)
    (%init: f32) {
      %z = arith.constant 0.0 : f32
      linalg.yield %z : f32
    }
  return
}

// The yielded value may come from outside the map, too.
// CHECK-LABEL: func.func @pad_border_value
// CHECK: %[[S:.*]] = vector.broadcast %arg1 : f32 to vector<8xf32>
// CHECK: vector.transfer_write %[[S]], %arg0
func.func @pad_border_value(%a: memref<3x5x5x4xf32>, %v: f32) {
  linalg.map outs(%a : memref<3x5x5x4xf32>)
    (%init: f32) {
      linalg.yield %v : f32
    }
  return
}

// A map that computes something is not a fill: left alone.
// CHECK-LABEL: func.func @not_a_fill
// CHECK: linalg.map
func.func @not_a_fill(%a: memref<8xf32>, %b: memref<8xf32>) {
  linalg.map { math.exp } ins(%a : memref<8xf32>) outs(%b : memref<8xf32>)
  return
}

// Inside a loop: vectorized, never split again.
// PAR-LABEL: func.func @in_loop
// PAR-NOT: scf.forall
// PAR: return
func.func @in_loop(%a: memref<64x2048xf32>, %b: memref<64x2048xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    linalg.copy ins(%a : memref<64x2048xf32>) outs(%b : memref<64x2048xf32>)
  }
  return
}
