// RUN: kiln-opt %s --kiln-gpu-tile-contractions="emulate=1" %buffers-to-llvm | %mlir-runner | FileCheck %s
// RUN: kiln-opt %s --kiln-gpu-tile-contractions="emulate=1 multiprocessors=1" %buffers-to-llvm | %mlir-runner | FileCheck %s
// RUN: kiln-opt %s --kiln-gpu-tile-contractions="emulate=1 precision=tf32" %buffers-to-llvm | %mlir-runner | FileCheck %s
// RUN: kiln-opt %s --kiln-gpu-tile-contractions="emulate=1 multiprocessors=1 precision=tf32" %buffers-to-llvm | %mlir-runner | FileCheck %s

// Runs kiln-gpu-tile-contractions' kernels on the CPU (emulate: loops over
// blocks and threads, each thread staging the whole shared tile) and
// compares each result with plain loops written here: a matmul, its two
// transposed forms, a batch matmul and a strided convolution (an implicit
// GEMM), then three whose contiguous dimensions are multiples of 4 (with
// 128-wide tiles, multiprocessors=1, each thread stages 4 elements with
// one 16-byte vector.load, groups past the edges included). Sizes are not
// multiples of the tiles, so every edge is crossed. With 132
// multiprocessors the cost model picks small tiles, with one the largest
// (up to 8x8 outputs per thread). With precision=tf32 every case runs on
// emulated tensor cores (mma.sync tiles, each warp's fragments gathered by
// the fragment layout). Inputs and initial outputs are small integers,
// exact in TF32 too, so the sums are exact in f32 in any order: the
// largest difference must be 0, and the checksum (the sum of the loops'
// outputs) shows the case computed something.

// CHECK-LABEL: {{^}}matmul{{$}}
// CHECK: max |tiled - loops|, checksum
// CHECK: data =
// CHECK-NEXT: [0, {{ *-?[1-9][0-9]*}}]
// CHECK-LABEL: matmul, lhs transposed
// CHECK: data =
// CHECK-NEXT: [0, {{ *-?[1-9][0-9]*}}]
// CHECK-LABEL: matmul, rhs transposed
// CHECK: data =
// CHECK-NEXT: [0, {{ *-?[1-9][0-9]*}}]
// CHECK-LABEL: batch matmul
// CHECK: data =
// CHECK-NEXT: [0, {{ *-?[1-9][0-9]*}}]
// CHECK-LABEL: conv, stride 2
// CHECK: data =
// CHECK-NEXT: [0, {{ *-?[1-9][0-9]*}}]
// CHECK-LABEL: matmul, contiguous sizes divisible by 4
// CHECK: data =
// CHECK-NEXT: [0, {{ *-?[1-9][0-9]*}}]
// CHECK-LABEL: matmul, lhs transposed, contiguous sizes divisible by 4
// CHECK: data =
// CHECK-NEXT: [0, {{ *-?[1-9][0-9]*}}]
// CHECK-LABEL: conv, 8 channels
// CHECK: data =
// CHECK-NEXT: [0, {{ *-?[1-9][0-9]*}}]

func.func private @printMemrefF32(memref<*xf32>)
func.func private @printString(!llvm.ptr)
func.func private @printNewline()

// n values ((7 i + 3 (i / 5) + seed) mod 11) - 5.
func.func @values(%n: index, %seed: index) -> memref<?xf32> {
  %m = memref.alloc(%n) : memref<?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %c11 = arith.constant 11 : index
  %five = arith.constant 5.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    %a = arith.muli %i, %c7 : index
    %q = arith.divui %i, %c5 : index
    %b = arith.muli %q, %c3 : index
    %s = arith.addi %a, %b : index
    %t = arith.addi %s, %seed : index
    %r = arith.remui %t, %c11 : index
    %ri = arith.index_cast %r : index to i32
    %f = arith.sitofp %ri : i32 to f32
    %v = arith.subf %f, %five : f32
    memref.store %v, %m[%i] : memref<?xf32>
  }
  return %m : memref<?xf32>
}

func.func @copy(%x: memref<?xf32>) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %y = memref.alloc(%n) : memref<?xf32>
  memref.copy %x, %y : memref<?xf32> to memref<?xf32>
  return %y : memref<?xf32>
}

// Prints [max |x - y|, sum y] and frees both.
func.func @report(%x: memref<?xf32>, %y: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %zero = arith.constant 0.0 : f32
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%m = %zero, %s = %zero) -> (f32, f32) {
    %a = memref.load %x[%i] : memref<?xf32>
    %b = memref.load %y[%i] : memref<?xf32>
    %d = arith.subf %a, %b : f32
    %ad = math.absf %d : f32
    %m2 = arith.maximumf %m, %ad : f32
    %s2 = arith.addf %s, %b : f32
    scf.yield %m2, %s2 : f32, f32
  }
  %out = memref.alloc() : memref<2xf32>
  memref.store %r#0, %out[%c0] : memref<2xf32>
  memref.store %r#1, %out[%c1] : memref<2xf32>
  %u = memref.cast %out : memref<2xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  call @printNewline() : () -> ()
  memref.dealloc %out : memref<2xf32>
  memref.dealloc %x : memref<?xf32>
  memref.dealloc %y : memref<?xf32>
  return
}

llvm.mlir.global internal constant @mm("matmul\0A\00") {addr_space = 0 : i32}
llvm.mlir.global internal constant @mmta("matmul, lhs transposed\0A\00") {addr_space = 0 : i32}
llvm.mlir.global internal constant @mmtb("matmul, rhs transposed\0A\00") {addr_space = 0 : i32}
llvm.mlir.global internal constant @bmm("batch matmul\0A\00") {addr_space = 0 : i32}
llvm.mlir.global internal constant @conv("conv, stride 2\0A\00") {addr_space = 0 : i32}
llvm.mlir.global internal constant @mm4("matmul, contiguous sizes divisible by 4\0A\00") {addr_space = 0 : i32}
llvm.mlir.global internal constant @mmta4("matmul, lhs transposed, contiguous sizes divisible by 4\0A\00") {addr_space = 0 : i32}
llvm.mlir.global internal constant @conv8("conv, 8 channels\0A\00") {addr_space = 0 : i32}
llvm.mlir.global internal constant @head("max |tiled - loops|, checksum\0A\00") {addr_space = 0 : i32}

// C (m x n) += A B with A m x k (or k x m when %ta) and B k x n (or n x k
// when %tb), in plain loops.
func.func @loops_matmul(%a: memref<?xf32>, %b: memref<?xf32>, %c: memref<?xf32>,
                        %m: index, %n: index, %k: index, %ta: i1, %tb: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %m step %c1 {
    scf.for %j = %c0 to %n step %c1 {
      scf.for %l = %c0 to %k step %c1 {
        %ik = arith.muli %i, %k : index
        %ai = arith.addi %ik, %l : index
        %lm = arith.muli %l, %m : index
        %ait = arith.addi %lm, %i : index
        %aidx = arith.select %ta, %ait, %ai : index
        %ln = arith.muli %l, %n : index
        %bi = arith.addi %ln, %j : index
        %jk = arith.muli %j, %k : index
        %bit = arith.addi %jk, %l : index
        %bidx = arith.select %tb, %bit, %bi : index
        %in = arith.muli %i, %n : index
        %ci = arith.addi %in, %j : index
        %x = memref.load %a[%aidx] : memref<?xf32>
        %y = memref.load %b[%bidx] : memref<?xf32>
        %z = memref.load %c[%ci] : memref<?xf32>
        %p = arith.mulf %x, %y : f32
        %s = arith.addf %z, %p : f32
        memref.store %s, %c[%ci] : memref<?xf32>
      }
    }
  }
  return
}

#mk = affine_map<(m, n, k) -> (m, k)>
#km = affine_map<(m, n, k) -> (k, m)>
#kn = affine_map<(m, n, k) -> (k, n)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c9 = arith.constant 9 : index
  %false = arith.constant false
  %true = arith.constant true
  %h = llvm.mlir.addressof @head : !llvm.ptr

  // m = 37 (dynamic), n = 45, k = 50.
  %m = arith.constant 37 : index
  %n = arith.constant 45 : index
  %k = arith.constant 50 : index
  %mk = arith.muli %m, %k : index
  %kn = arith.muli %k, %n : index
  %mn = arith.muli %m, %n : index

  %s0 = llvm.mlir.addressof @mm : !llvm.ptr
  call @printString(%s0) : (!llvm.ptr) -> ()
  call @printString(%h) : (!llvm.ptr) -> ()
  %a0 = call @values(%mk, %c0) : (index, index) -> memref<?xf32>
  %b0 = call @values(%kn, %c1) : (index, index) -> memref<?xf32>
  %t0 = call @values(%mn, %c2) : (index, index) -> memref<?xf32>
  %r0 = call @copy(%t0) : (memref<?xf32>) -> memref<?xf32>
  %a0v = memref.expand_shape %a0 [[0, 1]] output_shape [%m, 50] : memref<?xf32> into memref<?x50xf32>
  %b0d = memref.expand_shape %b0 [[0, 1]] output_shape [%k, 45] : memref<?xf32> into memref<?x45xf32>
  %b0v = memref.cast %b0d : memref<?x45xf32> to memref<50x45xf32>
  %t0v = memref.expand_shape %t0 [[0, 1]] output_shape [%m, 45] : memref<?xf32> into memref<?x45xf32>
  linalg.matmul ins(%a0v, %b0v : memref<?x50xf32>, memref<50x45xf32>) outs(%t0v : memref<?x45xf32>)
  call @loops_matmul(%a0, %b0, %r0, %m, %n, %k, %false, %false) : (memref<?xf32>, memref<?xf32>, memref<?xf32>, index, index, index, i1, i1) -> ()
  call @report(%t0, %r0) : (memref<?xf32>, memref<?xf32>) -> ()

  // The weight gradient's form: A stored k x m (k = the batch, dynamic).
  %s1 = llvm.mlir.addressof @mmta : !llvm.ptr
  call @printString(%s1) : (!llvm.ptr) -> ()
  %a1 = call @values(%mk, %c3) : (index, index) -> memref<?xf32>
  %b1 = call @values(%kn, %c4) : (index, index) -> memref<?xf32>
  %t1 = call @values(%mn, %c5) : (index, index) -> memref<?xf32>
  %r1 = call @copy(%t1) : (memref<?xf32>) -> memref<?xf32>
  %a1v = memref.expand_shape %a1 [[0, 1]] output_shape [%k, 37] : memref<?xf32> into memref<?x37xf32>
  %b1v = memref.expand_shape %b1 [[0, 1]] output_shape [%k, 45] : memref<?xf32> into memref<?x45xf32>
  %t1d = memref.expand_shape %t1 [[0, 1]] output_shape [%m, 45] : memref<?xf32> into memref<?x45xf32>
  %t1v = memref.cast %t1d : memref<?x45xf32> to memref<37x45xf32>
  linalg.matmul indexing_maps = [#km, #kn, #mn] ins(%a1v, %b1v : memref<?x37xf32>, memref<?x45xf32>) outs(%t1v : memref<37x45xf32>)
  call @loops_matmul(%a1, %b1, %r1, %m, %n, %k, %true, %false) : (memref<?xf32>, memref<?xf32>, memref<?xf32>, index, index, index, i1, i1) -> ()
  call @report(%t1, %r1) : (memref<?xf32>, memref<?xf32>) -> ()

  // The input gradient's form: B stored n x k.
  %s2 = llvm.mlir.addressof @mmtb : !llvm.ptr
  call @printString(%s2) : (!llvm.ptr) -> ()
  %a2 = call @values(%mk, %c5) : (index, index) -> memref<?xf32>
  %b2 = call @values(%kn, %c2) : (index, index) -> memref<?xf32>
  %t2 = call @values(%mn, %c9) : (index, index) -> memref<?xf32>
  %r2 = call @copy(%t2) : (memref<?xf32>) -> memref<?xf32>
  %a2v = memref.expand_shape %a2 [[0, 1]] output_shape [%m, 50] : memref<?xf32> into memref<?x50xf32>
  %b2d = memref.expand_shape %b2 [[0, 1]] output_shape [%n, 50] : memref<?xf32> into memref<?x50xf32>
  %b2v = memref.cast %b2d : memref<?x50xf32> to memref<45x50xf32>
  %t2v = memref.expand_shape %t2 [[0, 1]] output_shape [%m, 45] : memref<?xf32> into memref<?x45xf32>
  linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%a2v, %b2v : memref<?x50xf32>, memref<45x50xf32>) outs(%t2v : memref<?x45xf32>)
  call @loops_matmul(%a2, %b2, %r2, %m, %n, %k, %false, %true) : (memref<?xf32>, memref<?xf32>, memref<?xf32>, index, index, index, i1, i1) -> ()
  call @report(%t2, %r2) : (memref<?xf32>, memref<?xf32>) -> ()

  // 3 batches of 19 x 21 times 21 x 33.
  %s3 = llvm.mlir.addressof @bmm : !llvm.ptr
  call @printString(%s3) : (!llvm.ptr) -> ()
  %bm = arith.constant 19 : index
  %bn = arith.constant 33 : index
  %bk = arith.constant 21 : index
  %bmk = arith.constant 399 : index
  %bkn = arith.constant 693 : index
  %bmn = arith.constant 627 : index
  %nA = arith.muli %bmk, %c3 : index
  %nB = arith.muli %bkn, %c3 : index
  %nC = arith.muli %bmn, %c3 : index
  %a3 = call @values(%nA, %c1) : (index, index) -> memref<?xf32>
  %b3 = call @values(%nB, %c2) : (index, index) -> memref<?xf32>
  %t3 = call @values(%nC, %c3) : (index, index) -> memref<?xf32>
  %r3 = call @copy(%t3) : (memref<?xf32>) -> memref<?xf32>
  %a3vd = memref.expand_shape %a3 [[0, 1, 2]] output_shape [%c3, 19, 21] : memref<?xf32> into memref<?x19x21xf32>
  %a3v = memref.cast %a3vd : memref<?x19x21xf32> to memref<3x19x21xf32>
  %b3vd = memref.expand_shape %b3 [[0, 1, 2]] output_shape [%c3, 21, 33] : memref<?xf32> into memref<?x21x33xf32>
  %b3v = memref.cast %b3vd : memref<?x21x33xf32> to memref<3x21x33xf32>
  %t3vd = memref.expand_shape %t3 [[0, 1, 2]] output_shape [%c3, 19, 33] : memref<?xf32> into memref<?x19x33xf32>
  %t3v = memref.cast %t3vd : memref<?x19x33xf32> to memref<3x19x33xf32>
  linalg.batch_matmul ins(%a3v, %b3v : memref<3x19x21xf32>, memref<3x21x33xf32>) outs(%t3v : memref<3x19x33xf32>)
  scf.for %bi = %c0 to %c3 step %c1 {
    %oa = arith.muli %bi, %bmk : index
    %ob = arith.muli %bi, %bkn : index
    %oc = arith.muli %bi, %bmn : index
    %sa = memref.subview %a3[%oa] [399] [1] : memref<?xf32> to memref<399xf32, strided<[1], offset: ?>>
    %sb = memref.subview %b3[%ob] [693] [1] : memref<?xf32> to memref<693xf32, strided<[1], offset: ?>>
    %sc = memref.subview %r3[%oc] [627] [1] : memref<?xf32> to memref<627xf32, strided<[1], offset: ?>>
    %ca = memref.alloc() : memref<399xf32>
    %cb = memref.alloc() : memref<693xf32>
    %cc = memref.alloc() : memref<627xf32>
    memref.copy %sa, %ca : memref<399xf32, strided<[1], offset: ?>> to memref<399xf32>
    memref.copy %sb, %cb : memref<693xf32, strided<[1], offset: ?>> to memref<693xf32>
    memref.copy %sc, %cc : memref<627xf32, strided<[1], offset: ?>> to memref<627xf32>
    %da = memref.cast %ca : memref<399xf32> to memref<?xf32>
    %db = memref.cast %cb : memref<693xf32> to memref<?xf32>
    %dc = memref.cast %cc : memref<627xf32> to memref<?xf32>
    func.call @loops_matmul(%da, %db, %dc, %bm, %bn, %bk, %false, %false) : (memref<?xf32>, memref<?xf32>, memref<?xf32>, index, index, index, i1, i1) -> ()
    memref.copy %cc, %sc : memref<627xf32> to memref<627xf32, strided<[1], offset: ?>>
    memref.dealloc %ca : memref<399xf32>
    memref.dealloc %cb : memref<693xf32>
    memref.dealloc %cc : memref<627xf32>
  }
  call @report(%t3, %r3) : (memref<?xf32>, memref<?xf32>) -> ()

  // A 3x3 convolution with stride 2: 2 images of 11x11x3 -> 5x5x7.
  %s4 = llvm.mlir.addressof @conv : !llvm.ptr
  call @printString(%s4) : (!llvm.ptr) -> ()
  %nIn = arith.constant 726 : index
  %nK = arith.constant 189 : index
  %nOut = arith.constant 350 : index
  %in = call @values(%nIn, %c4) : (index, index) -> memref<?xf32>
  %kw = call @values(%nK, %c5) : (index, index) -> memref<?xf32>
  %t4 = call @values(%nOut, %c1) : (index, index) -> memref<?xf32>
  %r4 = call @copy(%t4) : (memref<?xf32>) -> memref<?xf32>
  %c2d = arith.constant 2 : index
  %inv = memref.expand_shape %in [[0, 1, 2, 3]] output_shape [%c2d, 11, 11, 3] : memref<?xf32> into memref<?x11x11x3xf32>
  %kvd = memref.expand_shape %kw [[0, 1, 2, 3]] output_shape [%c3, 3, 3, 7] : memref<?xf32> into memref<?x3x3x7xf32>
  %kv = memref.cast %kvd : memref<?x3x3x7xf32> to memref<3x3x3x7xf32>
  %t4v = memref.expand_shape %t4 [[0, 1, 2, 3]] output_shape [%c2d, 5, 5, 7] : memref<?xf32> into memref<?x5x5x7xf32>
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%inv, %kv : memref<?x11x11x3xf32>, memref<3x3x3x7xf32>) outs(%t4v : memref<?x5x5x7xf32>)
  %r4v = memref.expand_shape %r4 [[0, 1, 2, 3]] output_shape [%c2d, 5, 5, 7] : memref<?xf32> into memref<?x5x5x7xf32>
  %c7 = arith.constant 7 : index
  scf.for %b = %c0 to %c2d step %c1 {
    scf.for %oh = %c0 to %c5 step %c1 {
      scf.for %ow = %c0 to %c5 step %c1 {
        scf.for %f = %c0 to %c7 step %c1 {
          scf.for %kh = %c0 to %c3 step %c1 {
            scf.for %kx = %c0 to %c3 step %c1 {
              scf.for %ch = %c0 to %c3 step %c1 {
                %oh2 = arith.muli %oh, %c2 : index
                %ih = arith.addi %oh2, %kh : index
                %ow2 = arith.muli %ow, %c2 : index
                %iw = arith.addi %ow2, %kx : index
                %x = memref.load %inv[%b, %ih, %iw, %ch] : memref<?x11x11x3xf32>
                %y = memref.load %kv[%kh, %kx, %ch, %f] : memref<3x3x3x7xf32>
                %z = memref.load %r4v[%b, %oh, %ow, %f] : memref<?x5x5x7xf32>
                %p = arith.mulf %x, %y : f32
                %s = arith.addf %z, %p : f32
                memref.store %s, %r4v[%b, %oh, %ow, %f] : memref<?x5x5x7xf32>
              }
            }
          }
        }
      }
    }
  }
  call @report(%t4, %r4) : (memref<?xf32>, memref<?xf32>) -> ()

  // m = 37 (dynamic), k = 52, n = 132: x's rows and w's are 16-byte
  // groups; the last column group of the second tile (128..131) is inside,
  // the rest of it past the edge.
  %s5 = llvm.mlir.addressof @mm4 : !llvm.ptr
  call @printString(%s5) : (!llvm.ptr) -> ()
  %k5 = arith.constant 52 : index
  %n5 = arith.constant 132 : index
  %mk5 = arith.muli %m, %k5 : index
  %kn5 = arith.muli %k5, %n5 : index
  %mn5 = arith.muli %m, %n5 : index
  %a5 = call @values(%mk5, %c2) : (index, index) -> memref<?xf32>
  %b5 = call @values(%kn5, %c3) : (index, index) -> memref<?xf32>
  %t5 = call @values(%mn5, %c4) : (index, index) -> memref<?xf32>
  %r5 = call @copy(%t5) : (memref<?xf32>) -> memref<?xf32>
  %a5v = memref.expand_shape %a5 [[0, 1]] output_shape [%m, 52] : memref<?xf32> into memref<?x52xf32>
  %b5d = memref.expand_shape %b5 [[0, 1]] output_shape [%k5, 132] : memref<?xf32> into memref<?x132xf32>
  %b5v = memref.cast %b5d : memref<?x132xf32> to memref<52x132xf32>
  %t5v = memref.expand_shape %t5 [[0, 1]] output_shape [%m, 132] : memref<?xf32> into memref<?x132xf32>
  linalg.matmul ins(%a5v, %b5v : memref<?x52xf32>, memref<52x132xf32>) outs(%t5v : memref<?x132xf32>)
  call @loops_matmul(%a5, %b5, %r5, %m, %n5, %k5, %false, %false) : (memref<?xf32>, memref<?xf32>, memref<?xf32>, index, index, index, i1, i1) -> ()
  call @report(%t5, %r5) : (memref<?xf32>, memref<?xf32>) -> ()

  // A stored k x m with m = 36 contiguous, k = 50 (dynamic), n = 132.
  %s6 = llvm.mlir.addressof @mmta4 : !llvm.ptr
  call @printString(%s6) : (!llvm.ptr) -> ()
  %m6 = arith.constant 36 : index
  %mk6 = arith.muli %m6, %k : index
  %kn6 = arith.muli %k, %n5 : index
  %mn6 = arith.muli %m6, %n5 : index
  %a6 = call @values(%mk6, %c5) : (index, index) -> memref<?xf32>
  %b6 = call @values(%kn6, %c1) : (index, index) -> memref<?xf32>
  %t6 = call @values(%mn6, %c9) : (index, index) -> memref<?xf32>
  %r6 = call @copy(%t6) : (memref<?xf32>) -> memref<?xf32>
  %a6v = memref.expand_shape %a6 [[0, 1]] output_shape [%k, 36] : memref<?xf32> into memref<?x36xf32>
  %b6v = memref.expand_shape %b6 [[0, 1]] output_shape [%k, 132] : memref<?xf32> into memref<?x132xf32>
  %t6d = memref.expand_shape %t6 [[0, 1]] output_shape [%m6, 132] : memref<?xf32> into memref<?x132xf32>
  %t6v = memref.cast %t6d : memref<?x132xf32> to memref<36x132xf32>
  linalg.matmul indexing_maps = [#km, #kn, #mn] ins(%a6v, %b6v : memref<?x36xf32>, memref<?x132xf32>) outs(%t6v : memref<36x132xf32>)
  call @loops_matmul(%a6, %b6, %r6, %m6, %n5, %k, %true, %false) : (memref<?xf32>, memref<?xf32>, memref<?xf32>, index, index, index, i1, i1) -> ()
  call @report(%t6, %r6) : (memref<?xf32>, memref<?xf32>) -> ()

  // A 3x3 convolution over 8 channels: 2 images of 9x9x8 -> 7x7x12; the
  // image's reads along (kh, kw, c) are 16-byte groups of c.
  %s7 = llvm.mlir.addressof @conv8 : !llvm.ptr
  call @printString(%s7) : (!llvm.ptr) -> ()
  %nIn7 = arith.constant 1296 : index
  %nK7 = arith.constant 864 : index
  %nOut7 = arith.constant 1176 : index
  %in7 = call @values(%nIn7, %c3) : (index, index) -> memref<?xf32>
  %kw7 = call @values(%nK7, %c4) : (index, index) -> memref<?xf32>
  %t7 = call @values(%nOut7, %c5) : (index, index) -> memref<?xf32>
  %r7 = call @copy(%t7) : (memref<?xf32>) -> memref<?xf32>
  %in7v = memref.expand_shape %in7 [[0, 1, 2, 3]] output_shape [%c2d, 9, 9, 8] : memref<?xf32> into memref<?x9x9x8xf32>
  %k7d = memref.expand_shape %kw7 [[0, 1, 2, 3]] output_shape [%c3, 3, 8, 12] : memref<?xf32> into memref<?x3x8x12xf32>
  %k7v = memref.cast %k7d : memref<?x3x8x12xf32> to memref<3x3x8x12xf32>
  %t7v = memref.expand_shape %t7 [[0, 1, 2, 3]] output_shape [%c2d, 7, 7, 12] : memref<?xf32> into memref<?x7x7x12xf32>
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%in7v, %k7v : memref<?x9x9x8xf32>, memref<3x3x8x12xf32>) outs(%t7v : memref<?x7x7x12xf32>)
  %r7v = memref.expand_shape %r7 [[0, 1, 2, 3]] output_shape [%c2d, 7, 7, 12] : memref<?xf32> into memref<?x7x7x12xf32>
  %c8 = arith.constant 8 : index
  %c12 = arith.constant 12 : index
  scf.for %b = %c0 to %c2d step %c1 {
    scf.for %oh = %c0 to %c7 step %c1 {
      scf.for %ow = %c0 to %c7 step %c1 {
        scf.for %f = %c0 to %c12 step %c1 {
          scf.for %kh = %c0 to %c3 step %c1 {
            scf.for %kx = %c0 to %c3 step %c1 {
              scf.for %ch = %c0 to %c8 step %c1 {
                %ih = arith.addi %oh, %kh : index
                %iw = arith.addi %ow, %kx : index
                %x = memref.load %in7v[%b, %ih, %iw, %ch] : memref<?x9x9x8xf32>
                %y = memref.load %k7v[%kh, %kx, %ch, %f] : memref<3x3x8x12xf32>
                %z = memref.load %r7v[%b, %oh, %ow, %f] : memref<?x7x7x12xf32>
                %p = arith.mulf %x, %y : f32
                %s = arith.addf %z, %p : f32
                memref.store %s, %r7v[%b, %oh, %ow, %f] : memref<?x7x7x12xf32>
              }
            }
          }
        }
      }
    }
  }
  call @report(%t7, %r7) : (memref<?xf32>, memref<?xf32>) -> ()
  return
}
