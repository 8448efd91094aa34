// RUN: kiln-opt %s --split-input-file --verify-diagnostics | FileCheck %s

// Tests that dropout and rsqrt print and parse back.
// CHECK-LABEL: func.func @ops
// CHECK: kiln.dropout %{{.*}}, %{{.*}} rate = 2.500000e-01 seed = 7 : tensor<?x8xf32>, tensor<i64>
// CHECK: kiln.rsqrt %{{.*}} : tensor<?x8xf32>
func.func @ops(%x: tensor<?x8xf32>, %step: tensor<i64>) -> tensor<?x8xf32> {
  %d = kiln.dropout %x, %step rate = 0.25 seed = 7 : tensor<?x8xf32>, tensor<i64>
  %r = kiln.rsqrt %d : tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----
// Tests that a rate of 1 (everything dropped, scaled by infinity) is refused.
func.func @rate_one(%x: tensor<4xf32>, %step: tensor<i64>) {
  // expected-error @+1 {{rate must be in [0, 1), got 1}}
  %d = kiln.dropout %x, %step rate = 1.0 seed = 0 : tensor<4xf32>, tensor<i64>
  return
}
