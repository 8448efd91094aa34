// RUN: kiln-opt %s --kiln-to-linalg --canonicalize | FileCheck %s

// Tests that dropout becomes one elementwise generic: the key mixed from the
// seed and the step counter outside it, the element's indices folded into
// the hash inside, and the element kept (scaled by 1 / (1 - rate)) when the
// hash is at least rate * 2^32 (0.25 * 2^32 = 1073741824).
// CHECK-LABEL: func.func @dropout
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[S:.*]]: tensor<i64>)
// CHECK-DAG: %[[CUT:.*]] = arith.constant 1073741824 : i32
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 1.33333337 : f32
// CHECK: %[[STEP:.*]] = tensor.extract %[[S]][] : tensor<i64>
// CHECK: %[[LO:.*]] = arith.trunci %[[STEP]] : i64 to i32
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[X]] : tensor<?x8xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: %[[KEEP:.*]] = arith.cmpi uge, %{{.*}}, %[[CUT]] : i32
// CHECK: %[[SCALED:.*]] = arith.mulf %[[IN]], %[[SCALE]] : f32
// CHECK: arith.select %[[KEEP]], %[[SCALED]], %{{.*}} : f32
func.func @dropout(%x: tensor<?x8xf32>, %step: tensor<i64>) -> tensor<?x8xf32> {
  %d = kiln.dropout %x, %step rate = 0.25 seed = 7 : tensor<?x8xf32>, tensor<i64>
  return %d : tensor<?x8xf32>
}
