// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=sapphirerapids threads=2 l1-kib=48 l2-kib=2048" --kiln-select-tiling --kiln-contiguous-b --kiln-tile --kiln-vectorize-tiles --kiln-bufferize | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=haswell threads=1 l1-kib=48 l2-kib=2048" --kiln-select-tiling --kiln-contiguous-b --kiln-tile --kiln-vectorize-tiles --kiln-bufferize | FileCheck %s

// Tests cache-blocked matmuls (B of 4 MiB outgrows half of the 2 MiB L2)
// after bufferization.
//
// A dynamic M gets two versions: from 64 rows on, each block of B is packed
// into panels (an alloc and the packing loop), below that the kernel reads B
// in place (a matvec at batch 1 ran twice as fast without the copy).
//
// Both accumulate C in place: the loop over K blocks carries each thread's
// slice of C through the row-tile loops, and the whole-slice insert that
// tiling leaves at the end of a K block folds away. Before that fold,
// bufferization copied the slice of C into a temporary and back in every K
// block (two extra passes over C per block; 23% of predict's time at batch
// 10000 on the MLP).
// CHECK-LABEL: func.func @blocked
// CHECK: %[[ROWS:.*]] = memref.dim %arg0, %c0
// CHECK: %[[BIG:.*]] = arith.cmpi sge, %[[ROWS]], %c64
// CHECK: scf.if %[[BIG]] {
// CHECK: memref.alloc() {{.*}} : memref<{{[0-9]+}}x{{16|32|64}}xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c1024 step %c{{256|512}} {
// CHECK-NOT: linalg.copy
// CHECK-NOT: memref.copy
// CHECK: } else {
// CHECK-NOT: memref.alloc
// CHECK: scf.for %{{.*}} = %c0 to %c1024 step %c{{256|512}} {
// CHECK-NOT: linalg.copy
// CHECK-NOT: memref.copy
// CHECK-NOT: memref.alloc
// CHECK: return
func.func @blocked(%a: tensor<?x1024xf32>, %b: tensor<1024x1024xf32>) -> tensor<?x1024xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %a, %c0 : tensor<?x1024xf32>
  %e = tensor.empty(%n) : tensor<?x1024xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  %h = linalg.matmul ins(%a, %b : tensor<?x1024xf32>, tensor<1024x1024xf32>) outs(%f : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  return %h : tensor<?x1024xf32>
}

// -----

// A static M decides at compile time: 16 rows read B in place, 128 pack it.
// CHECK-LABEL: func.func @few_rows
// CHECK-NOT: scf.if
// CHECK-NOT: memref.alloc() {{.*}} : memref<{{[0-9]+}}x{{16|32|64}}xf32>
// CHECK: return
func.func @few_rows(%a: tensor<16x1024xf32>, %b: tensor<1024x1024xf32>) -> tensor<16x1024xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x1024xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x1024xf32>) -> tensor<16x1024xf32>
  %h = linalg.matmul ins(%a, %b : tensor<16x1024xf32>, tensor<1024x1024xf32>) outs(%f : tensor<16x1024xf32>) -> tensor<16x1024xf32>
  return %h : tensor<16x1024xf32>
}

// -----

// CHECK-LABEL: func.func @many_rows
// CHECK-NOT: scf.if
// CHECK: memref.alloc() {{.*}} : memref<{{[0-9]+}}x{{16|32|64}}xf32>
// CHECK: return
func.func @many_rows(%a: tensor<128x1024xf32>, %b: tensor<1024x1024xf32>) -> tensor<128x1024xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x1024xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x1024xf32>) -> tensor<128x1024xf32>
  %h = linalg.matmul ins(%a, %b : tensor<128x1024xf32>, tensor<1024x1024xf32>) outs(%f : tensor<128x1024xf32>) -> tensor<128x1024xf32>
  return %h : tensor<128x1024xf32>
}
