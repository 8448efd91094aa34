// RUN: kiln-opt %s --kiln-set-target="cpu=sapphirerapids threads=2 l1-kib=48 l2-kib=2048" --kiln-select-tiling --kiln-contiguous-b --kiln-tile --kiln-vectorize-tiles | FileCheck %s

// Tests that both versions of a cache-blocked matmul with a dynamic batch
// (B packed from 64 rows on, read in place below) are split over the
// threads. A check meant for the partial reductions' inner ops ("not at
// the top level") once took the scf.if around the versions for one thread's
// part and ran the MLP's first layer on one thread.
// CHECK-LABEL: func.func @versioned
// CHECK: scf.if
// CHECK: scf.forall
// CHECK: } else {
// CHECK: scf.forall
// CHECK: return
func.func @versioned(%a: tensor<?x1024xf32>, %b: tensor<1024x1024xf32>) -> tensor<?x1024xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %a, %c0 : tensor<?x1024xf32>
  %e = tensor.empty(%n) : tensor<?x1024xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  %h = linalg.matmul ins(%a, %b : tensor<?x1024xf32>, tensor<1024x1024xf32>) outs(%f : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  return %h : tensor<?x1024xf32>
}
