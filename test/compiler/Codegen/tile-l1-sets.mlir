// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=sapphirerapids threads=1 l1-kib=48 l2-kib=2048 l1-ways=12" --kiln-select-tiling --kiln-contiguous-b --kiln-tile --kiln-vectorize-tiles | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=sapphirerapids threads=1 l1-kib=32 l2-kib=2048 l1-ways=8" --kiln-select-tiling --kiln-contiguous-b --kiln-tile --kiln-vectorize-tiles | FileCheck %s --check-prefix=WAYS8

// Tests that the register tile reads no more rows of A in place than the
// L1 sets they share can hold. Rows 1024 floats (4 KiB, the set period of a
// 48 KiB 12-way or 32 KiB 8-way L1) apart all fall in one set: at most 8 of
// them (5 with 8 ways), where the cost model alone takes 13 (on znver5 a
// 1024^2 matmul ran at 93 GFLOP/s with 13 rows, 180 with 8).
// CHECK-LABEL: func.func @aliasing_rows
// CHECK-NOT: vector<{{9|1[0-9]}}x1xf32>
// CHECK: vector<{{[4-8]}}x1xf32>
// CHECK-NOT: vector<{{9|1[0-9]}}x1xf32>
// CHECK: return
// WAYS8-LABEL: func.func @aliasing_rows
// WAYS8-NOT: vector<{{[6-9]|1[0-9]}}x1xf32>
// WAYS8: vector<{{[1-5]}}x1xf32>
// WAYS8-NOT: vector<{{[6-9]|1[0-9]}}x1xf32>
// WAYS8: return
func.func @aliasing_rows(%a: tensor<208x1024xf32>, %b: tensor<1024x512xf32>) -> tensor<208x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<208x512xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<208x512xf32>) -> tensor<208x512xf32>
  %h = linalg.matmul ins(%a, %b : tensor<208x1024xf32>, tensor<1024x512xf32>) outs(%f : tensor<208x512xf32>) -> tensor<208x512xf32>
  return %h : tensor<208x512xf32>
}

// -----

// 1040 floats (4160 bytes) apart, the rows spread over the sets: 13 rows.
// CHECK-LABEL: func.func @spread_rows
// CHECK: vector<13x1xf32>
// WAYS8-LABEL: func.func @spread_rows
// WAYS8: vector<13x1xf32>
func.func @spread_rows(%a: tensor<208x1040xf32>, %b: tensor<1040x512xf32>) -> tensor<208x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<208x512xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<208x512xf32>) -> tensor<208x512xf32>
  %h = linalg.matmul ins(%a, %b : tensor<208x1040xf32>, tensor<1040x512xf32>) outs(%f : tensor<208x512xf32>) -> tensor<208x512xf32>
  return %h : tensor<208x512xf32>
}
