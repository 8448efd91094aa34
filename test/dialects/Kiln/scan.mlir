// RUN: kiln-opt %s --split-input-file | FileCheck %s
// RUN: kiln-opt %s --split-input-file | kiln-opt --split-input-file | FileCheck %s
// RUN: kiln-opt %s --split-input-file --mlir-print-op-generic | kiln-opt --split-input-file | FileCheck %s

// Tests that a scan with a dynamic batch, a carried state and a capture
// round-trips, block arguments in operand-group order.
// CHECK-LABEL: func.func @rnn
// CHECK: %{{.*}}:2 = kiln.scan sequences(%{{.*}} : tensor<5x?x4xf32>) init(%{{.*}} : tensor<?x4xf32>) captures(%{{.*}} : tensor<4x4xf32>) -> tensor<?x4xf32>, tensor<5x?x4xf32> {
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<?x4xf32>, %{{.*}}: tensor<?x4xf32>, %{{.*}}: tensor<4x4xf32>):
// CHECK: kiln.yield %{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<?x4xf32>
func.func @rnn(%xw: tensor<5x?x4xf32>, %h0: tensor<?x4xf32>, %u: tensor<4x4xf32>) -> tensor<5x?x4xf32> {
  %h, %hs = kiln.scan sequences(%xw : tensor<5x?x4xf32>) init(%h0 : tensor<?x4xf32>) captures(%u : tensor<4x4xf32>) -> tensor<?x4xf32>, tensor<5x?x4xf32> {
  ^bb0(%x: tensor<?x4xf32>, %hp: tensor<?x4xf32>, %uu: tensor<4x4xf32>):
    %m = kiln.matmul %hp, %uu : tensor<?x4xf32>, tensor<4x4xf32>
    %s = kiln.add %x, %m : tensor<?x4xf32>, tensor<?x4xf32>
    %n = kiln.tanh %s : tensor<?x4xf32>
    kiln.yield %n, %n : tensor<?x4xf32>, tensor<?x4xf32>
  }
  return %hs : tensor<5x?x4xf32>
}

// -----
// Tests a reverse scan without carried values or captures, and split's
// inferred parts.
// CHECK-LABEL: func.func @reverse_split
// CHECK: kiln.scan reverse sequences(%{{.*}} : tensor<?x2x8xf32>) -> tensor<?x2x3xf32> {
// CHECK: kiln.split %{{.*}} axis = 1 sizes = [3, 5] : tensor<2x8xf32>
func.func @reverse_split(%z: tensor<?x2x8xf32>) -> tensor<?x2x3xf32> {
  %ys = kiln.scan reverse sequences(%z : tensor<?x2x8xf32>) -> tensor<?x2x3xf32> {
  ^bb0(%x: tensor<2x8xf32>):
    %a, %b = kiln.split %x axis = 1 sizes = [3, 5] : tensor<2x8xf32>
    kiln.yield %a : tensor<2x3xf32>
  }
  return %ys : tensor<?x2x3xf32>
}
