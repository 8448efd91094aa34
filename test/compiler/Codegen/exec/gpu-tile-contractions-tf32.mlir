// RUN: kiln-opt %s --kiln-gpu-tile-contractions="emulate=1 multiprocessors=1 precision=tf32" %buffers-to-llvm | %mlir-runner | FileCheck %s --check-prefix=TF32
// RUN: kiln-opt %s --kiln-gpu-tile-contractions="emulate=1 multiprocessors=1" %buffers-to-llvm | %mlir-runner | FileCheck %s --check-prefix=FP32

// TF32 rounding in the tensor-core kernel: a 32x8 by 8x32 product (2x2
// accumulators a thread, so mma.sync computes it) of ones by rows of
// 1 + 2^-12 (even rows) and 1 + 3 2^-12 (odd rows). TF32 keeps 10 mantissa
// bits: the first rounds down to 1, the second up to 1 + 2^-10, so the
// sums of 8 are 8 and 8.0078125; in f32 they are 8.00195 and 8.00586.

// TF32: [8,  8.00781]
// FP32: [8.00195,  8.00586]

func.func private @printMemrefF32(memref<*xf32>)

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %down = arith.constant 1.000244140625 : f32
  %up = arith.constant 1.000732421875 : f32
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<32x8xf32>
  %b = memref.alloc() : memref<8x32xf32>
  %c = memref.alloc() : memref<32x32xf32>
  linalg.fill ins(%one : f32) outs(%b : memref<8x32xf32>)
  linalg.fill ins(%zero : f32) outs(%c : memref<32x32xf32>)
  scf.for %i = %c0 to %c32 step %c1 {
    %odd = arith.remui %i, %c2 : index
    %isOdd = arith.cmpi ne, %odd, %c0 : index
    %v = arith.select %isOdd, %up, %down : f32
    scf.for %k = %c0 to %c8 step %c1 {
      memref.store %v, %a[%i, %k] : memref<32x8xf32>
    }
  }
  linalg.matmul ins(%a, %b : memref<32x8xf32>, memref<8x32xf32>) outs(%c : memref<32x32xf32>)
  %r = memref.alloc() : memref<2xf32>
  %r0 = memref.load %c[%c0, %c0] : memref<32x32xf32>
  %r1 = memref.load %c[%c1, %c0] : memref<32x32xf32>
  memref.store %r0, %r[%c0] : memref<2xf32>
  memref.store %r1, %r[%c1] : memref<2xf32>
  %u = memref.cast %r : memref<2xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  memref.dealloc %a : memref<32x8xf32>
  memref.dealloc %b : memref<8x32xf32>
  memref.dealloc %c : memref<32x32xf32>
  memref.dealloc %r : memref<2xf32>
  return
}
