// RUN: kiln-opt %s --kiln-gpu-block-reductions="emulate=1" %buffers-to-llvm | %mlir-runner | FileCheck %s

// Runs kiln-gpu-block-reductions' kernel on the CPU (emulate: each phase
// between barriers run for every thread in turn) against plain loops:
// sums over more elements than threads (1000) and fewer (7), a maximum of
// negative values (the identity, -inf, must not win) over two dimensions,
// and an integer count. Values are small integers, so the sums are exact
// in any order; each line prints [block reduction, loops].

// CHECK: data =
// CHECK-NEXT: [[[S1:-?[1-9][0-9]*]], {{ *}}[[S1]]]
// CHECK: data =
// CHECK-NEXT: [[[S2:-?[1-9][0-9]*]], {{ *}}[[S2]]]
// CHECK: data =
// CHECK-NEXT: [[[S3:-[1-9][0-9]*]], {{ *}}[[S3]]]
// CHECK: data =
// CHECK-NEXT: [[[S4:[1-9][0-9]*]], {{ *}}[[S4]]]

func.func private @printMemrefF32(memref<*xf32>)

#v = affine_map<(i) -> (i)>
#s = affine_map<(i) -> ()>
#m2 = affine_map<(i, j) -> (i, j)>
#s2 = affine_map<(i, j) -> ()>

// n values ((7 i + seed) mod 11) - 8: between -8 and 2.
func.func @values(%n: index, %seed: index) -> memref<?xf32> {
  %m = memref.alloc(%n) : memref<?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %c11 = arith.constant 11 : index
  %eight = arith.constant 8.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    %a = arith.muli %i, %c7 : index
    %t = arith.addi %a, %seed : index
    %r = arith.remui %t, %c11 : index
    %ri = arith.index_cast %r : index to i32
    %f = arith.sitofp %ri : i32 to f32
    %v = arith.subf %f, %eight : f32
    memref.store %v, %m[%i] : memref<?xf32>
  }
  return %m : memref<?xf32>
}

func.func @print(%a: f32, %b: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %out = memref.alloc() : memref<2xf32>
  memref.store %a, %out[%c0] : memref<2xf32>
  memref.store %b, %out[%c1] : memref<2xf32>
  %u = memref.cast %out : memref<2xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  memref.dealloc %out : memref<2xf32>
  return
}

// sum (x - y)^2 + 5 into an output holding 5, both ways.
func.func @squares(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %five = arith.constant 5.0 : f32
  %x = call @values(%n, %c0) : (index, index) -> memref<?xf32>
  %y = call @values(%n, %c3) : (index, index) -> memref<?xf32>
  %sum = memref.alloc() : memref<f32>
  memref.store %five, %sum[] : memref<f32>
  linalg.generic {indexing_maps = [#v, #v, #s], iterator_types = ["reduction"]}
      ins(%x, %y : memref<?xf32>, memref<?xf32>) outs(%sum : memref<f32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %d = arith.subf %a, %b : f32
    %e = arith.mulf %d, %d : f32
    %r = arith.addf %e, %out : f32
    linalg.yield %r : f32
  }
  %ref = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %five) -> f32 {
    %a = memref.load %x[%i] : memref<?xf32>
    %b = memref.load %y[%i] : memref<?xf32>
    %d = arith.subf %a, %b : f32
    %e = arith.mulf %d, %d : f32
    %r = arith.addf %acc, %e : f32
    scf.yield %r : f32
  }
  %got = memref.load %sum[] : memref<f32>
  call @print(%got, %ref) : (f32, f32) -> ()
  memref.dealloc %x : memref<?xf32>
  memref.dealloc %y : memref<?xf32>
  memref.dealloc %sum : memref<f32>
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1000 = arith.constant 1000 : index
  %c7 = arith.constant 7 : index
  call @squares(%c1000) : (index) -> ()
  call @squares(%c7) : (index) -> ()

  // The maximum of 10 x 12 values in [-8, 2] shifted by -10: all negative.
  %c120 = arith.constant 120 : index
  %c5 = arith.constant 5 : index
  %flat = call @values(%c120, %c5) : (index, index) -> memref<?xf32>
  %ten = arith.constant 10.0 : f32
  %neg = memref.alloc() : memref<10x12xf32>
  %c10 = arith.constant 10 : index
  %c12 = arith.constant 12 : index
  scf.for %i = %c0 to %c10 step %c1 {
    scf.for %j = %c0 to %c12 step %c1 {
      %r = arith.muli %i, %c12 : index
      %k = arith.addi %r, %j : index
      %a = memref.load %flat[%k] : memref<?xf32>
      %b = arith.subf %a, %ten : f32
      memref.store %b, %neg[%i, %j] : memref<10x12xf32>
    }
  }
  %ninf = arith.constant 0xFF800000 : f32
  %max = memref.alloc() : memref<f32>
  memref.store %ninf, %max[] : memref<f32>
  linalg.generic {indexing_maps = [#m2, #s2], iterator_types = ["reduction", "reduction"]}
      ins(%neg : memref<10x12xf32>) outs(%max : memref<f32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = arith.maximumf %a, %out : f32
    linalg.yield %0 : f32
  }
  %refmax = scf.for %k = %c0 to %c120 step %c1 iter_args(%acc = %ninf) -> f32 {
    %a = memref.load %flat[%k] : memref<?xf32>
    %b = arith.subf %a, %ten : f32
    %m = arith.maximumf %acc, %b : f32
    scf.yield %m : f32
  }
  %gotmax = memref.load %max[] : memref<f32>
  call @print(%gotmax, %refmax) : (f32, f32) -> ()

  // How many of 1000 values exceed -3, as i32.
  %x = call @values(%c1000, %c7) : (index, index) -> memref<?xf32>
  %count = memref.alloc() : memref<i32>
  %zero = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  %three = arith.constant -3.0 : f32
  memref.store %zero, %count[] : memref<i32>
  linalg.generic {indexing_maps = [#v, #s], iterator_types = ["reduction"]}
      ins(%x : memref<?xf32>) outs(%count : memref<i32>) {
  ^bb0(%a: f32, %out: i32):
    %gt = arith.cmpf ogt, %a, %three : f32
    %i = arith.select %gt, %one, %zero : i32
    %r = arith.addi %out, %i : i32
    linalg.yield %r : i32
  }
  %refcount = scf.for %k = %c0 to %c1000 step %c1 iter_args(%acc = %zero) -> i32 {
    %a = memref.load %x[%k] : memref<?xf32>
    %gt = arith.cmpf ogt, %a, %three : f32
    %i = arith.select %gt, %one, %zero : i32
    %r = arith.addi %acc, %i : i32
    scf.yield %r : i32
  }
  %gotcount = memref.load %count[] : memref<i32>
  %gc = arith.sitofp %gotcount : i32 to f32
  %rc = arith.sitofp %refcount : i32 to f32
  call @print(%gc, %rc) : (f32, f32) -> ()
  return
}
