// RUN: kiln-opt %s --split-input-file --kiln-to-linalg --canonicalize | FileCheck %s

// Tests that a scan becomes one scf.for over time (marked as a time loop),
// its stacked output allocated once before the loop with the batch size of
// the carried state and written one step at a time.
// CHECK-LABEL: func.func @rnn
// CHECK-SAME: (%[[XW:.*]]: tensor<?x?x4xf32>, %[[H0:.*]]: tensor<?x4xf32>, %[[U:.*]]: tensor<4x4xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[T:.*]] = tensor.dim %[[XW]], %[[C0]]
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[XW]], %[[C1]]
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[T]], %[[B]]) : tensor<?x?x4xf32>
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[I:[a-z0-9_]+]] = %[[C0]] to %[[T]] step %[[C1]] iter_args(%[[H:.*]] = %[[H0]], %[[HS:.*]] = %[[EMPTY]])
// CHECK: %[[X:.*]] = tensor.extract_slice %[[XW]][%[[I]], 0, 0] [1, %[[B]], 4] [1, 1, 1] : tensor<?x?x4xf32> to tensor<?x4xf32>
// CHECK: linalg.matmul ins(%[[H]], %[[U]]
// CHECK: arith.addf
// CHECK: %[[N:.*]] = linalg.generic
// CHECK: math.tanh
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[N]] into %[[HS]][%[[I]], 0, 0]
// CHECK: scf.yield %[[N]], %[[INS]]
// CHECK: } {kiln.time_loop}
// CHECK: return %[[LOOP]]#1
func.func @rnn(%xw: tensor<?x?x4xf32>, %h0: tensor<?x4xf32>, %u: tensor<4x4xf32>) -> tensor<?x?x4xf32> {
  %h, %hs = kiln.scan sequences(%xw : tensor<?x?x4xf32>) init(%h0 : tensor<?x4xf32>) captures(%u : tensor<4x4xf32>) -> tensor<?x4xf32>, tensor<?x?x4xf32> {
  ^bb0(%x: tensor<?x4xf32>, %hp: tensor<?x4xf32>, %uu: tensor<4x4xf32>):
    %m = kiln.matmul %hp, %uu : tensor<?x4xf32>, tensor<4x4xf32>
    %s = kiln.add %x, %m : tensor<?x4xf32>, tensor<?x4xf32>
    %n = kiln.tanh %s : tensor<?x4xf32>
    kiln.yield %n, %n : tensor<?x4xf32>, tensor<?x4xf32>
  }
  return %hs : tensor<?x?x4xf32>
}

// -----
// Tests that a reverse scan reads and writes step T - 1 - i, and that split
// becomes static slices.
// CHECK-LABEL: func.func @reverse_split
// CHECK: scf.for %[[I:[a-z0-9_]+]] =
// CHECK: %[[LAST:.*]] = arith.subi %{{.*}}, %{{.*}} : index
// CHECK: %[[T:.*]] = arith.subi %[[LAST]], %[[I]] : index
// CHECK: %[[X:.*]] = tensor.extract_slice %{{.*}}[%[[T]], 0, 0] [1, 2, 8]
// CHECK: %[[A:.*]] = tensor.extract_slice %[[X]][0, 0] [2, 3] [1, 1] : tensor<2x8xf32> to tensor<2x3xf32>
// CHECK: tensor.insert_slice %[[A]] into %{{.*}}[%[[T]], 0, 0] [1, 2, 3]
func.func @reverse_split(%z: tensor<?x2x8xf32>) -> tensor<?x2x3xf32> {
  %ys = kiln.scan reverse sequences(%z : tensor<?x2x8xf32>) -> tensor<?x2x3xf32> {
  ^bb0(%x: tensor<2x8xf32>):
    %a, %b = kiln.split %x axis = 1 sizes = [3, 5] : tensor<2x8xf32>
    kiln.yield %a : tensor<2x3xf32>
  }
  return %ys : tensor<?x2x3xf32>
}
