// RUN: kiln-opt %s --kiln-lower-vectors | FileCheck %s

// Tests that kiln-tile's register kernel becomes one FMA per accumulator
// row and k step on 32-wide vectors (two zmm with AVX-512), with the A
// column loaded as scalars and broadcast, and that a partial tile's masked
// transfer becomes a masked store.
// CHECK-LABEL: func.func @kernel
// CHECK: scf.for
// CHECK-COUNT-8: vector.load %{{.*}} : memref<?x784xf32>, vector<1xf32>
// CHECK: %[[B:.*]] = vector.load %{{.*}} : memref<784x300xf32>, vector<32xf32>
// CHECK-COUNT-8: vector.fma %{{.*}}, %[[B]], %{{.*}} : vector<32xf32>
// CHECK-NOT: vector.contract
// CHECK: vector.maskedstore %{{.*}} : memref<?x300xf32>, vector<32xi1>, vector<32xf32>
func.func @kernel(%a: memref<?x784xf32>, %b: memref<784x300xf32>, %c: memref<?x300xf32>, %i: index, %j: index, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c784 = arith.constant 784 : index
  %zero = arith.constant 0.0 : f32
  %init = arith.constant dense<0.0> : vector<8x32xf32>
  %acc = scf.for %k = %c0 to %c784 step %c1 iter_args(%x = %init) -> (vector<8x32xf32>) {
    %va = vector.transfer_read %a[%i, %k], %zero {in_bounds = [true, true]} : memref<?x784xf32>, vector<8x1xf32>
    %vb = vector.transfer_read %b[%k, %j], %zero {in_bounds = [true, true]} : memref<784x300xf32>, vector<1x32xf32>
    %r = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %x : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
    scf.yield %r : vector<8x32xf32>
  }
  %m = vector.create_mask %n : vector<32xi1>
  %m2 = vector.create_mask %c1, %n : vector<1x32xi1>
  %row = vector.extract_strided_slice %acc {offsets = [0, 0], sizes = [1, 32], strides = [1, 1]} : vector<8x32xf32> to vector<1x32xf32>
  vector.transfer_write %row, %c[%i, %j], %m2 {in_bounds = [true, true]} : vector<1x32xf32>, memref<?x300xf32>
  return
}

// Tests that f32 exp on vectors gets a polynomial approximation instead of
// one libm call per lane.
// CHECK-LABEL: func.func @exp
// CHECK-NOT: math.exp
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK: return
func.func @exp(%x: vector<16xf32>) -> vector<16xf32> {
  %e = math.exp %x : vector<16xf32>
  return %e : vector<16xf32>
}
