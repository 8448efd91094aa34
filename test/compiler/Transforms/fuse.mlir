// RUN: kiln-opt %s --split-input-file --kiln-fuse | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// Tests that an elementwise result read only by the two reductions of a
// first arg-max (the maximum, then the lowest index holding it) is
// recomputed in both instead of being written: no generic is left that
// yields the softmax, and each reduction computes exp(x - m) / s itself.
// CHECK-LABEL: func.func @argmax_of_softmax
// CHECK-SAME: (%[[X:.*]]: tensor<8x10xf32>, %[[M:.*]]: tensor<8xf32>, %[[S:.*]]: tensor<8xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[M]], %[[S]] : tensor<8x10xf32>, tensor<8xf32>, tensor<8xf32>) outs(%{{.*}} : tensor<8xf32>)
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: arith.maxnumf
// CHECK: %[[IDX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[M]], %[[S]], %[[MAX]] : tensor<8x10xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) outs(%{{.*}} : tensor<8xi64>)
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: arith.minsi
// CHECK-NOT: linalg.generic
// CHECK: return %[[IDX]]
func.func @argmax_of_softmax(%x: tensor<8x10xf32>, %m: tensor<8xf32>, %s: tensor<8xf32>) -> tensor<8xi64> {
  %ninf = arith.constant 0xFF800000 : f32
  %none = arith.constant 9223372036854775807 : i64
  %e = tensor.empty() : tensor<8x10xf32>
  %p = linalg.generic {indexing_maps = [#id, #row, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %m, %s : tensor<8x10xf32>, tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8x10xf32>) {
  ^bb0(%in: f32, %mi: f32, %si: f32, %out: f32):
    %d = arith.subf %in, %mi : f32
    %x2 = math.exp %d : f32
    %r = arith.divf %x2, %si : f32
    linalg.yield %r : f32
  } -> tensor<8x10xf32>
  %ef = tensor.empty() : tensor<8xf32>
  %fm = linalg.fill ins(%ninf : f32) outs(%ef : tensor<8xf32>) -> tensor<8xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%p : tensor<8x10xf32>) outs(%fm : tensor<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maxnumf %in, %acc : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %ei = tensor.empty() : tensor<8xi64>
  %fi = linalg.fill ins(%none : i64) outs(%ei : tensor<8xi64>) -> tensor<8xi64>
  %idx = linalg.generic {indexing_maps = [#id, #row, #row], iterator_types = ["parallel", "reduction"]} ins(%p, %max : tensor<8x10xf32>, tensor<8xf32>) outs(%fi : tensor<8xi64>) {
  ^bb0(%in: f32, %mx: f32, %acc: i64):
    %i = linalg.index 1 : index
    %ii = arith.index_cast %i : index to i64
    %eq = arith.cmpf oeq, %in, %mx : f32
    %c = arith.select %eq, %ii, %none : i64
    %r = arith.minsi %acc, %c : i64
    linalg.yield %r : i64
  } -> tensor<8xi64>
  return %idx : tensor<8xi64>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>

// Tests that an elementwise result read by two independent reductions (a
// row sum and a column sum, as the kernel and bias gradients of a layer)
// is written once and read by both, not recomputed.
// CHECK-LABEL: func.func @independent_reductions
// CHECK: %[[G:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: linalg.generic {{.*}} ins(%[[G]] : tensor<8x10xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[G]] : tensor<8x10xf32>)
func.func @independent_reductions(%x: tensor<8x10xf32>, %y: tensor<8x10xf32>) -> (tensor<8xf32>, tensor<10xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x10xf32>
  %g = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %y : tensor<8x10xf32>, tensor<8x10xf32>) outs(%e : tensor<8x10xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %p = arith.cmpf ogt, %b, %zero : f32
    %r = arith.select %p, %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<8x10xf32>
  %er = tensor.empty() : tensor<8xf32>
  %fr = linalg.fill ins(%zero : f32) outs(%er : tensor<8xf32>) -> tensor<8xf32>
  %rows = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%g : tensor<8x10xf32>) outs(%fr : tensor<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %in, %acc : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %ec = tensor.empty() : tensor<10xf32>
  %fc = linalg.fill ins(%zero : f32) outs(%ec : tensor<10xf32>) -> tensor<10xf32>
  %cols = linalg.generic {indexing_maps = [#id, #col], iterator_types = ["reduction", "parallel"]} ins(%g : tensor<8x10xf32>) outs(%fc : tensor<10xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %in, %acc : f32
    linalg.yield %r : f32
  } -> tensor<10xf32>
  return %rows, %cols : tensor<8xf32>, tensor<10xf32>
}

// -----

// Tests that a scalar loss reduction moves down to its first user, after
// the row gradient that shares its statistics.
// CHECK-LABEL: func.func @sink_loss
// CHECK: %[[STAT:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: %[[GRAD:.*]] = linalg.generic {{.*}}ins(%{{.*}}, %[[STAT]] : tensor<8x10xf32>, tensor<8xf32>)
// CHECK: %[[LOSS:.*]] = linalg.generic {{.*}}iterator_types = ["reduction"]{{.*}}ins(%[[STAT]] : tensor<8xf32>)
// CHECK: tensor.extract %[[LOSS]]
func.func @sink_loss(%x: tensor<8x10xf32>, %out: memref<f32>) -> tensor<8x10xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<8x10xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %in, %acc : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e0 = tensor.empty() : tensor<f32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<f32>) -> tensor<f32>
  %loss = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]} ins(%s : tensor<8xf32>) outs(%f0 : tensor<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %in, %acc : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  %e2 = tensor.empty() : tensor<8x10xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %s : tensor<8x10xf32>, tensor<8xf32>) outs(%e2 : tensor<8x10xf32>) {
  ^bb0(%in: f32, %t: f32, %o: f32):
    %r = arith.divf %in, %t : f32
    linalg.yield %r : f32
  } -> tensor<8x10xf32>
  %v = tensor.extract %loss[] : tensor<f32>
  memref.store %v, %out[] : memref<f32>
  return %g : tensor<8x10xf32>
}

// -----

#v = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
#o = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>

// Tests that an elementwise op reading an elementwise result through a
// collapse_shape (a window-by-window max-pool gradient, then the relu
// gradient) is expanded to the producer's shape: it reads the producer's
// result directly, its other operand through an expand_shape, and its own
// result is collapsed back.
// CHECK-LABEL: func.func @expand_through_collapse
// CHECK-SAME: (%[[V:.*]]: tensor<4x3xf32>, %[[A:.*]]: tensor<4x6xf32>)
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[V]] : tensor<4x3xf32>) outs(%{{.*}} : tensor<4x1x3x2xf32>)
// CHECK: %[[AX:.*]] = tensor.expand_shape %[[A]] {{\[}}[0, 1], [2, 3]] {{.*}} : tensor<4x6xf32> into tensor<4x1x3x2xf32>
// CHECK: %[[G:.*]] = linalg.generic {{.*}} ins(%[[P]], %[[AX]] : tensor<4x1x3x2xf32>, tensor<4x1x3x2xf32>)
// CHECK: arith.cmpf ogt
// CHECK: tensor.collapse_shape %[[G]] {{\[}}[0, 1], [2, 3]] : tensor<4x1x3x2xf32> into tensor<4x6xf32>
// Not when the collapsed value comes from a reduction.
// CHECK-LABEL: func.func @not_through_a_reduction
// CHECK: tensor.collapse_shape
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x6xf32>, tensor<4x6xf32>)
func.func @expand_through_collapse(%v: tensor<4x3xf32>, %a: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %zero = arith.constant 0.0 : f32
  %e4 = tensor.empty() : tensor<4x1x3x2xf32>
  %p = linalg.generic {indexing_maps = [#v, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%v : tensor<4x3xf32>) outs(%e4 : tensor<4x1x3x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4x1x3x2xf32>
  %c = tensor.collapse_shape %p [[0, 1], [2, 3]] : tensor<4x1x3x2xf32> into tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %g = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%c, %a : tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%d: f32, %x: f32, %out: f32):
    %m = arith.cmpf ogt, %x, %zero : f32
    %r = arith.select %m, %d, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  return %g : tensor<4x6xf32>
}

func.func @not_through_a_reduction(%v: tensor<4x3x2x5xf32>, %a: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %zero = arith.constant 0.0 : f32
  %e3 = tensor.empty() : tensor<4x3x2xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%v : tensor<4x3x2x5xf32>) outs(%e3 : tensor<4x3x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<4x3x2xf32>
  %c = tensor.collapse_shape %s [[0], [1, 2]] : tensor<4x3x2xf32> into tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %g = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%c, %a : tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%d: f32, %x: f32, %out: f32):
    %r = arith.mulf %d, %x : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  return %g : tensor<4x6xf32>
}
