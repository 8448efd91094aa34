// RUN: kiln-opt %s --kiln-memref-copy-to-linalg | FileCheck %s

// Tests that a strided copy becomes linalg.copy and no memref.copy remains.
// CHECK-LABEL: func.func @strided
// CHECK-SAME: (%[[A:.*]]: memref<4x4xf32, strided<[8, 1]>>, %[[B:.*]]: memref<4x4xf32>)
// CHECK: linalg.copy ins(%[[A]] : memref<4x4xf32, strided<[8, 1]>>) outs(%[[B]] : memref<4x4xf32>)
// CHECK-NOT: memref.copy
func.func @strided(%a: memref<4x4xf32, strided<[8, 1]>>, %b: memref<4x4xf32>) {
  memref.copy %a, %b : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
  return
}

// Tests dynamic shapes.
// CHECK-LABEL: func.func @dynamic
// CHECK: linalg.copy ins(%{{.*}} : memref<?x3xf32>) outs(%{{.*}} : memref<?x3xf32>)
func.func @dynamic(%a: memref<?x3xf32>, %b: memref<?x3xf32>) {
  memref.copy %a, %b : memref<?x3xf32> to memref<?x3xf32>
  return
}
