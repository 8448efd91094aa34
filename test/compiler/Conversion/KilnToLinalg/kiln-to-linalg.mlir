// RUN: kiln-opt %s --split-input-file --kiln-to-linalg | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-to-linalg | FileCheck %s --check-prefix=NOKILN

// No kiln op survives anywhere but kiln.value_and_grad (the only kiln op
// whose name starts with a `v`), which kiln-autodiff removes.
// NOKILN-NOT: {{= kiln\.[a-uw-z]}}

// Tests that a broadcasting add is one parallel generic reading the rank-1
// operand through a map that drops the leading dimension, into a
// tensor.empty sized by tensor.dim of the dynamic batch.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK-SAME: (%[[A:.*]]: tensor<?x3xf32>, %[[B:.*]]: tensor<3xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x3xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<?x3xf32>, tensor<3xf32>) outs(%[[E]] : tensor<?x3xf32>)
// CHECK: arith.addf
// CHECK-NOT: = kiln.
func.func @add_broadcast(%a: tensor<?x3xf32>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  %0 = kiln.add %a, %b : tensor<?x3xf32>, tensor<3xf32>
  return %0 : tensor<?x3xf32>
}

// -----
// Tests that size-1 dimensions of sub, mul and div operands read index 0.
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @sub_mul_div
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[ID]], #[[ID]]]
// CHECK: arith.subf
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]]
// CHECK: arith.mulf
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[ROW]], #[[ID]]]
// CHECK: arith.divf
// CHECK-NOT: = kiln.
func.func @sub_mul_div(%a: tensor<?x4xf32>, %b: tensor<?x1xf32>, %c: tensor<1x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %0 = kiln.sub %b, %a : tensor<?x1xf32>, tensor<?x4xf32>
  %1 = kiln.mul %a, %c : tensor<?x4xf32>, tensor<1x4xf32>
  %2 = kiln.div %b, %c : tensor<?x1xf32>, tensor<1x4xf32>
  return %0, %1, %2 : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}

// -----
// Tests the activation bodies: relu, sigmoid as 1 / (1 + exp(-x)), tanh,
// exp and log.
// CHECK-LABEL: func.func @activations
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK: linalg.generic
// CHECK: %[[NEG:.*]] = arith.negf
// CHECK: %[[EXP:.*]] = math.exp %[[NEG]]
// CHECK: %[[DEN:.*]] = arith.addf %{{.*}}, %[[EXP]]
// CHECK: arith.divf %{{.*}}, %[[DEN]]
// CHECK: linalg.generic
// CHECK: math.tanh
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: linalg.generic
// CHECK: math.log
// CHECK-NOT: = kiln.
func.func @activations(%x: tensor<?x10xf32>) -> (tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>) {
  %0 = kiln.relu %x : tensor<?x10xf32>
  %1 = kiln.sigmoid %x : tensor<?x10xf32>
  %2 = kiln.tanh %x : tensor<?x10xf32>
  %3 = kiln.exp %x : tensor<?x10xf32>
  %4 = kiln.log %x : tensor<?x10xf32>
  return %0, %1, %2, %3, %4 : tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>
}

// -----
// Tests that dense is a linalg.matmul accumulating into the bias broadcast
// over the dynamic batch.
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @dense
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>, %[[W:.*]]: tensor<784x300xf32>, %[[B:.*]]: tensor<300xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x300xf32>
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[BIAS]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[B]] : tensor<300xf32>) outs(%[[E]] : tensor<?x300xf32>)
// CHECK: %[[Y:.*]] = linalg.matmul ins(%[[X]], %[[W]] : tensor<?x784xf32>, tensor<784x300xf32>) outs(%[[INIT]] : tensor<?x300xf32>)
// CHECK: return %[[Y]]
// CHECK-NOT: = kiln.
func.func @dense(%x: tensor<?x784xf32>, %w: tensor<784x300xf32>, %b: tensor<300xf32>) -> tensor<?x300xf32> {
  %0 = kiln.dense %x, %w, %b : tensor<?x784xf32>, tensor<784x300xf32>, tensor<300xf32>
  return %0 : tensor<?x300xf32>
}

// -----
// Tests that dense on a rank-3 input without bias collapses to 2-D, fills
// the accumulator with zeros and expands the product back.
// CHECK-LABEL: func.func @dense_rank3
// CHECK-SAME: (%[[X:.*]]: tensor<?x5x8xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<?x5x8xf32> into tensor<?x8xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x3xf32>)
// CHECK: %[[Y:.*]] = linalg.matmul ins(%[[C]], %{{.*}} : tensor<?x8xf32>, tensor<8x3xf32>) outs(%[[Z]] : tensor<?x3xf32>)
// CHECK: tensor.expand_shape %[[Y]] {{\[\[}}0, 1], [2]] output_shape [%[[N]], 5, 3] : tensor<?x3xf32> into tensor<?x5x3xf32>
// CHECK-NOT: = kiln.
func.func @dense_rank3(%x: tensor<?x5x8xf32>, %w: tensor<8x3xf32>) -> tensor<?x5x3xf32> {
  %0 = kiln.dense %x, %w : tensor<?x5x8xf32>, tensor<8x3xf32>
  return %0 : tensor<?x5x3xf32>
}

// -----
// Tests that matmul is linalg.matmul, transposed operands are read through
// explicit indexing maps and the batched form is linalg.batch_matmul.
// CHECK-DAG: #[[TL:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[KN:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[MN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[MK:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[TR:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[BTL:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1)>
// CHECK-DAG: #[[BTR:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[BMN:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<4x8xf32>) outs(%{{.*}} : tensor<?x8xf32>)
// CHECK: linalg.matmul indexing_maps = [#[[TL]], #[[KN]], #[[MN]]] ins(%{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<?x8xf32>) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK: linalg.matmul indexing_maps = [#[[MK]], #[[TR]], #[[MN]]] ins(%{{.*}}, %{{.*}} : tensor<?x8xf32>, tensor<4x8xf32>) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK: linalg.batch_matmul indexing_maps = [#[[BTL]], #[[BTR]], #[[BMN]]] ins(%{{.*}}, %{{.*}} : tensor<2x4x3xf32>, tensor<2x5x4xf32>) outs(%{{.*}} : tensor<2x3x5xf32>)
// CHECK-NOT: = kiln.
func.func @matmul(%a: tensor<?x4xf32>, %b: tensor<4x8xf32>, %c: tensor<?x8xf32>, %d: tensor<2x4x3xf32>, %e: tensor<2x5x4xf32>)
    -> (tensor<?x8xf32>, tensor<4x8xf32>, tensor<?x4xf32>, tensor<2x3x5xf32>) {
  %0 = kiln.matmul %a, %b : tensor<?x4xf32>, tensor<4x8xf32>
  %1 = kiln.matmul %a, %c transpose_lhs : tensor<?x4xf32>, tensor<?x8xf32>
  %2 = kiln.matmul %c, %b transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %3 = kiln.matmul %d, %e transpose_lhs transpose_rhs : tensor<2x4x3xf32>, tensor<2x5x4xf32>
  return %0, %1, %2, %3 : tensor<?x8xf32>, tensor<4x8xf32>, tensor<?x4xf32>, tensor<2x3x5xf32>
}

// -----
// Tests that conv2d is linalg.conv_2d_nhwc_hwcf into the broadcast bias, and
// that same padding with stride 2 zero-pads 0 before and 1 after (28 -> 29).
// CHECK-LABEL: func.func @conv2d
// CHECK-SAME: (%[[X:.*]]: tensor<?x28x28x1xf32>, %[[K:.*]]: tensor<3x3x1x32xf32>, %[[B:.*]]: tensor<32xf32>)
// CHECK: %[[BIAS:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<32xf32>) outs(%{{.*}} : tensor<?x26x26x32xf32>)
// CHECK: linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[X]], %[[K]] : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>) outs(%[[BIAS]] : tensor<?x26x26x32xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 0, 0, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %[[ZERO]]
// CHECK: tensor<?x28x28x1xf32> to tensor<?x29x29x1xf32>
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[P]], %[[K]] : tensor<?x29x29x1xf32>, tensor<3x3x1x32xf32>) outs(%[[F]] : tensor<?x14x14x32xf32>)
// CHECK-NOT: = kiln.
func.func @conv2d(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x32xf32>, %b: tensor<32xf32>) -> (tensor<?x26x26x32xf32>, tensor<?x14x14x32xf32>) {
  %0 = kiln.conv2d %x, %k, %b strides = [1, 1] padding = valid : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>
  %1 = kiln.conv2d %x, %k strides = [2, 2] padding = same : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>
  return %0, %1 : tensor<?x26x26x32xf32>, tensor<?x14x14x32xf32>
}

// -----
// Tests that conv2d with dynamic height and width computes its same padding
// and output sizes with index arithmetic.
// CHECK-LABEL: func.func @conv2d_dynamic_spatial
// CHECK: %[[H:.*]] = tensor.dim %{{.*}}, %c1
// CHECK: %[[OH:.*]] = arith.ceildivsi %[[H]], %{{.*}} : index
// CHECK: %[[TOTAL:.*]] = arith.maxsi
// CHECK: %[[BEFORE:.*]] = arith.floordivsi %[[TOTAL]]
// CHECK: %[[AFTER:.*]] = arith.subi %[[TOTAL]], %[[BEFORE]]
// CHECK: tensor.pad %{{.*}} low[0, %[[BEFORE]], %{{.*}}, 0] high[0, %[[AFTER]], %{{.*}}, 0]
// CHECK: tensor.empty(%{{.*}}, %[[OH]], %{{.*}}) : tensor<?x?x?x8xf32>
// CHECK: linalg.conv_2d_nhwc_hwcf
// CHECK-NOT: = kiln.
func.func @conv2d_dynamic_spatial(%x: tensor<?x?x?x3xf32>, %k: tensor<3x3x3x8xf32>) -> tensor<?x?x?x8xf32> {
  %0 = kiln.conv2d %x, %k strides = [2, 2] padding = same : tensor<?x?x?x3xf32>, tensor<3x3x3x8xf32>
  return %0 : tensor<?x?x?x8xf32>
}

// -----
// Tests that max_pool2d is linalg.pooling_nhwc_max from a -inf fill, and
// that same padding pads with -inf.
// CHECK-LABEL: func.func @max_pool2d
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[F:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<?x5x5x8xf32>)
// CHECK: %[[W:.*]] = tensor.empty() : tensor<2x2xf32>
// CHECK: linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%{{.*}}, %[[W]] : tensor<?x11x11x8xf32>, tensor<2x2xf32>) outs(%[[F]] : tensor<?x5x5x8xf32>)
// CHECK: %[[NINF2:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[P:.*]] = tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %[[NINF2]]
// CHECK: linalg.pooling_nhwc_max {{.*}} ins(%[[P]], %{{.*}} : tensor<?x12x12x8xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<?x6x6x8xf32>)
// CHECK-NOT: = kiln.
func.func @max_pool2d(%x: tensor<?x11x11x8xf32>) -> (tensor<?x5x5x8xf32>, tensor<?x6x6x8xf32>) {
  %0 = kiln.max_pool2d %x pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x11x11x8xf32>
  %1 = kiln.max_pool2d %x pool_size = [2, 2] strides = [2, 2] padding = same : tensor<?x11x11x8xf32>
  return %0, %1 : tensor<?x5x5x8xf32>, tensor<?x6x6x8xf32>
}

// -----
// Tests that reshape collapses to 1-D and expands with the dynamic size
// divided out, and that transpose is linalg.transpose.
// CHECK-LABEL: func.func @shape_ops
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2]] : tensor<?x28x28xf32> into tensor<?xf32>
// CHECK: %[[TOTAL:.*]] = tensor.dim %[[FLAT]]
// CHECK: %[[N:.*]] = arith.floordivsi %[[TOTAL]], %{{.*}} : index
// CHECK: tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1]] output_shape [%[[N]], 784] : tensor<?xf32> into tensor<?x784xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<784x300xf32>) outs(%{{.*}} : tensor<300x784xf32>) permutation = [1, 0]
// CHECK-NOT: = kiln.
func.func @shape_ops(%x: tensor<?x28x28xf32>, %w: tensor<784x300xf32>) -> (tensor<?x784xf32>, tensor<300x784xf32>) {
  %0 = kiln.reshape %x : tensor<?x28x28xf32> -> tensor<?x784xf32>
  %1 = kiln.transpose %w permutation = [1, 0] : tensor<784x300xf32>
  return %0, %1 : tensor<?x784xf32>, tensor<300x784xf32>
}

// -----
// Tests the reductions: reduction iterators with an output map that drops
// the reduced dims, keepdims through expand_shape, and reduce_mean dividing
// by the dynamic element count.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[ALL:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @reductions
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.addf
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.maximumf
// CHECK: tensor.expand_shape %[[MAX]] {{\[\[}}0, 1]] output_shape [%{{.*}}, 1] : tensor<?xf32> into tensor<?x1xf32>
// CHECK: %[[N:.*]] = tensor.dim
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ALL]]], iterator_types = ["reduction", "reduction"]}
// CHECK: %[[COUNT:.*]] = arith.muli %[[N]], %{{.*}} : index
// CHECK: %[[I64:.*]] = arith.index_cast %[[COUNT]] : index to i64
// CHECK: %[[F:.*]] = arith.sitofp %[[I64]] : i64 to f32
// CHECK: linalg.generic {{.*}} iterator_types = []} ins(%[[SUM]] : tensor<f32>)
// CHECK: arith.divf %{{.*}}, %[[F]]
// CHECK-NOT: = kiln.
func.func @reductions(%x: tensor<?x10xf32>) -> (tensor<?xf32>, tensor<?x1xf32>, tensor<f32>) {
  %0 = kiln.reduce_sum %x axes = [1] : tensor<?x10xf32>
  %1 = kiln.reduce_max %x axes = [-1] keepdims : tensor<?x10xf32>
  %2 = kiln.reduce_mean %x axes = [0, 1] : tensor<?x10xf32>
  return %0, %1, %2 : tensor<?xf32>, tensor<?x1xf32>, tensor<f32>
}

// -----
// Tests that softmax subtracts the row maximum before exp: max, sum of
// exp(x - max), then exp(x - max) / sum.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @softmax
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.maximumf
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]], #[[ROWS]]], iterator_types = ["parallel", "reduction"]} ins(%{{.*}}, %[[MAX]] :
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]], #[[ROWS]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[MAX]], %[[SUM]] :
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK-NOT: = kiln.
func.func @softmax(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = kiln.softmax %x axis = -1 : tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// -----
// Tests the losses: per-element terms summed by an all-reduction generic
// into a 0-d tensor, then divided by the element (mse, binary) or row
// (categorical) count; clipping to [1e-7, 1 - 1e-7]; the categorical
// normalization by the row sum; sparse labels compared with linalg.index.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[ALL:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG: #[[LABEL1:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @losses
// mse
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ALL]]], iterator_types = ["reduction", "reduction"]}
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.muli
// CHECK: linalg.generic {{.*}} iterator_types = []}
// CHECK: arith.divf
// binary_crossentropy
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ALL]]], iterator_types = ["reduction", "reduction"]}
// CHECK: arith.constant 1.000000e-07 : f32
// CHECK: arith.maximumf
// CHECK: arith.constant 0.99999988 : f32
// CHECK: arith.minimumf
// CHECK: math.log
// CHECK: math.log
// categorical_crossentropy: row sums, then -y log(clip(p / s))
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]]], iterator_types = ["parallel", "reduction"]}
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROWS]], #[[ALL]]], iterator_types = ["reduction", "reduction"]} ins(%{{.*}}, %{{.*}}, %[[S]] :
// CHECK: arith.divf
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: math.log
// sparse_categorical_crossentropy from logits, labels (?, 1) as i64: the row
// max and z[label] in one pass, the sum of exp, then lse - z[label]
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[LABEL1]], #[[ROWS]], #[[ROWS]]], iterator_types = ["parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<?x10xf32>, tensor<?x1xi64>)
// CHECK: arith.maximumf
// CHECK: %[[CLS:.*]] = linalg.index 1 : index
// CHECK: %[[CLS64:.*]] = arith.index_cast %[[CLS]] : index to i64
// CHECK: arith.cmpi eq, %[[CLS64]], %{{.*}} : i64
// CHECK: math.exp
// CHECK: math.log
// sparse_categorical_crossentropy on probabilities, float labels cast to i64
// CHECK: arith.fptosi %{{.*}} : f32 to i64
// binary_crossentropy from logits
// CHECK: math.absf
// CHECK: math.exp
// CHECK: math.log1p
// CHECK-NOT: = kiln.
func.func @losses(%y: tensor<?x10xf32>, %p: tensor<?x10xf32>, %l64: tensor<?x1xi64>, %lf: tensor<?xf32>) -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %0 = kiln.mse %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  %1 = kiln.binary_crossentropy %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  %2 = kiln.categorical_crossentropy %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  %3 = kiln.sparse_categorical_crossentropy %l64, %p from_logits : tensor<?x1xi64>, tensor<?x10xf32>
  %4 = kiln.sparse_categorical_crossentropy %lf, %p : tensor<?xf32>, tensor<?x10xf32>
  %5 = kiln.binary_crossentropy %y, %p from_logits : tensor<?x10xf32>, tensor<?x10xf32>
  %6 = kiln.mae %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
}

// -----
// Tests that categorical_crossentropy from logits uses log-sum-exp.
// CHECK-LABEL: func.func @categorical_from_logits
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: %[[LOG:.*]] = math.log
// CHECK: %[[LSE:.*]] = arith.addf %{{.*}}, %[[LOG]]
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK: arith.subf
// CHECK-NOT: = kiln.
func.func @categorical_from_logits(%y: tensor<?x10xf32>, %z: tensor<?x10xf32>) -> tensor<f32> {
  %0 = kiln.categorical_crossentropy %y, %z from_logits : tensor<?x10xf32>, tensor<?x10xf32>
  return %0 : tensor<f32>
}

// -----
// Tests loss_grad: one elementwise generic over y_pred reading the 0-d dloss
// through a map without results; categorical on probabilities first computes
// the row sums and the row sums of unclipped targets; sparse from logits
// compares the class index with the i32 label.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @loss_grad
// CHECK-SAME: %[[DL:[a-z0-9]+]]: tensor<f32>)
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]]], iterator_types = ["parallel", "reduction"]}
// CHECK: %[[A:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROWS]], #[[ROWS]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.cmpf oge
// CHECK: arith.cmpf ole
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROWS]], #[[ROWS]], #[[SCALAR]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %{{.*}}, %[[S]], %[[A]], %[[DL]] :
// mse
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[SCALAR]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.constant 2.000000e+00 : f32
// sparse from logits
// CHECK: linalg.generic {indexing_maps = [#[[ROWS]], #[[ID]], #[[ROWS]], #[[ROWS]], #[[SCALAR]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[DL]] : tensor<?xi32>,
// CHECK: math.exp
// CHECK: arith.extsi %{{.*}} : i32 to i64
// CHECK: linalg.index 1
// CHECK-NOT: = kiln.
func.func @loss_grad(%y: tensor<?x10xf32>, %l: tensor<?xi32>, %p: tensor<?x10xf32>, %dl: tensor<f32>) -> (tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>) {
  %0 = kiln.loss_grad %y, %p, %dl kind = categorical_crossentropy : tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>
  %1 = kiln.loss_grad %y, %p, %dl kind = mse : tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>
  %2 = kiln.loss_grad %l, %p, %dl kind = sparse_categorical_crossentropy from_logits : tensor<?xi32>, tensor<?x10xf32>, tensor<f32>
  return %0, %1, %2 : tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>
}

// -----
// Tests the remaining loss_grad kinds lower: mae, binary (probabilities and
// logits), categorical from logits, sparse on probabilities.
// CHECK-LABEL: func.func @loss_grad_kinds
// CHECK-COUNT-5: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-NOT: = kiln.
func.func @loss_grad_kinds(%y: tensor<?x10xf32>, %l: tensor<?x1xi64>, %p: tensor<?x10xf32>, %dl: tensor<f32>)
    -> (tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>) {
  %0 = kiln.loss_grad %y, %p, %dl kind = mae : tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>
  %1 = kiln.loss_grad %y, %p, %dl kind = binary_crossentropy : tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>
  %2 = kiln.loss_grad %y, %p, %dl kind = binary_crossentropy from_logits : tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>
  %3 = kiln.loss_grad %y, %p, %dl kind = categorical_crossentropy from_logits : tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>
  %4 = kiln.loss_grad %l, %p, %dl kind = sparse_categorical_crossentropy : tensor<?x1xi64>, tensor<?x10xf32>, tensor<f32>
  return %0, %1, %2, %3, %4 : tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>
}

// -----
// Tests the broadcasting and reduction gradients: reduce_like sums the batch
// away, broadcast_like reads the size-1 column at 0, reduce_max_grad counts
// the tied maxima and shares dy among them, softmax_grad is y * (dy - sum).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COLS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[COL0:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @reduction_grads
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[COLS]]], iterator_types = ["reduction", "parallel"]} ins(%{{.*}} : tensor<?x10xf32>) outs(%{{.*}} : tensor<10xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[COL0]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%{{.*}} : tensor<?x1xf32>) outs(%{{.*}} : tensor<?x10xf32>)
// CHECK: %[[COUNT:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[COL0]], #[[ROWS]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.cmpf oeq
// CHECK: linalg.generic {indexing_maps = [#[[COL0]], #[[ID]], #[[COL0]], #[[ROWS]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %{{.*}}, %{{.*}}, %[[COUNT]] :
// CHECK: arith.cmpf oeq
// CHECK: arith.divf
// CHECK: arith.select
// CHECK: %[[DOT:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROWS]]], iterator_types = ["parallel", "reduction"]}
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROWS]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %{{.*}}, %[[DOT]] :
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK-NOT: = kiln.
func.func @reduction_grads(%dy: tensor<?x10xf32>, %x: tensor<?x10xf32>, %m: tensor<?x1xf32>, %dm: tensor<?x1xf32>, %b: tensor<10xf32>)
    -> (tensor<10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>) {
  %0 = kiln.reduce_like %dy, %b : tensor<?x10xf32>, tensor<10xf32>
  %1 = kiln.broadcast_like %m, %x : tensor<?x1xf32>, tensor<?x10xf32>
  %2 = kiln.reduce_max_grad %dm, %x, %m axes = [1] keepdims : tensor<?x1xf32>, tensor<?x10xf32>, tensor<?x1xf32>
  %3 = kiln.softmax_grad %dy, %x axis = -1 : tensor<?x10xf32>
  return %0, %1, %2, %3 : tensor<10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>
}

// -----
// Tests the activation gradients' bodies, each reading the activation's
// result y: relu's as y > 0 ? dy : 0.
// CHECK-LABEL: func.func @activation_grads
// CHECK-SAME: (%[[DY:.*]]: tensor<?x10xf32>, %[[Y:.*]]: tensor<?x10xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[DY]], %[[Y]] : tensor<?x10xf32>, tensor<?x10xf32>)
// CHECK-NEXT: ^bb0(%[[D:.*]]: f32, %[[V:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[POS:.*]] = arith.cmpf ogt, %[[V]], %{{.*}} : f32
// CHECK-NEXT: arith.select %[[POS]], %[[D]], %{{.*}} : f32
// CHECK: linalg.generic
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK-NOT: = kiln.
func.func @activation_grads(%dy: tensor<?x10xf32>, %y: tensor<?x10xf32>) -> (tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>) {
  %0 = kiln.relu_grad %dy, %y : tensor<?x10xf32>
  %1 = kiln.sigmoid_grad %dy, %y : tensor<?x10xf32>
  %2 = kiln.tanh_grad %dy, %y : tensor<?x10xf32>
  return %0, %1, %2 : tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>
}

// -----
// Tests the window gradients. conv2d_input_grad with stride 2: dy is
// inserted with strides 2 at offset KH - 1 - pad_before = 2 into a zero
// tensor of H + KH - 1 = 30 rows, and convolved at stride 1 with the kernel
// flipped in H and W and its channels swapped. conv2d_kernel_grad: a generic
// with three reduction loops over the padded input. max_pool2d_grad with
// windows that tile the input (2x2, stride 2, 26 -> 13): the four strided
// views of the input and dy go into one all-parallel generic over
// (n, oh, kh, ow, kw, c) that writes dy at the window's first arg-max and 0
// elsewhere, collapsed back to NHWC without a copy.
// CHECK-DAG: #[[FLIP:.*]] = affine_map<(d0, d1, d2, d3) -> (-d0 + 2, -d1 + 2, d3, d2)>
// CHECK-DAG: #[[KX:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5 * 2 + d0, d6 * 2 + d1, d2)>
// CHECK-DAG: #[[KDY:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d6, d3)>
// CHECK-DAG: #[[KOUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[PV:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d3, d5)>
// CHECK-DAG: #[[POUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @window_grads
// CHECK-SAME: (%[[X:.*]]: tensor<?x28x28x1xf32>, %[[K:.*]]: tensor<3x3x1x32xf32>, %[[DY:.*]]: tensor<?x14x14x32xf32>, %[[P:.*]]: tensor<?x26x26x32xf32>, %[[DP:.*]]: tensor<?x13x13x32xf32>)
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x30x30x32xf32>)
// CHECK: %[[SPREAD:.*]] = tensor.insert_slice %[[DY]] into %[[Z]][0, 2, 2, 0] [%{{.*}}, 14, 14, 32] [1, 2, 2, 1]
// CHECK: %[[KF:.*]] = linalg.generic {indexing_maps = [#[[FLIP]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[K]] : tensor<3x3x1x32xf32>) outs(%{{.*}} : tensor<3x3x32x1xf32>)
// CHECK: linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[SPREAD]], %[[KF]] : tensor<?x30x30x32xf32>, tensor<3x3x32x1xf32>) outs(%{{.*}} : tensor<?x28x28x1xf32>)
// CHECK: %[[XP:.*]] = tensor.pad %[[X]] low[0, 0, 0, 0] high[0, 1, 1, 0]
// CHECK: linalg.generic {indexing_maps = [#[[KX]], #[[KDY]], #[[KOUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[XP]], %[[DY]] : tensor<?x29x29x1xf32>, tensor<?x14x14x32xf32>) outs(%{{.*}} : tensor<3x3x1x32xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[V00:.*]] = tensor.extract_slice %[[P]][0, 0, 0, 0] [%{{.*}}, 13, 13, 32] [1, 2, 2, 1]
// CHECK: %[[V01:.*]] = tensor.extract_slice %[[P]][0, 0, 1, 0] [%{{.*}}, 13, 13, 32] [1, 2, 2, 1]
// CHECK: %[[V10:.*]] = tensor.extract_slice %[[P]][0, 1, 0, 0] [%{{.*}}, 13, 13, 32] [1, 2, 2, 1]
// CHECK: %[[V11:.*]] = tensor.extract_slice %[[P]][0, 1, 1, 0] [%{{.*}}, 13, 13, 32] [1, 2, 2, 1]
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[PV]], #[[PV]], #[[PV]], #[[PV]], #[[PV]], #[[POUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[V00]], %[[V01]], %[[V10]], %[[V11]], %[[DP]] : {{.*}}) outs(%{{.*}} : tensor<?x13x2x13x2x32xf32>)
// CHECK-COUNT-4: arith.cmpf ogt
// CHECK: linalg.index 2
// CHECK: linalg.index 4
// CHECK: arith.cmpi eq
// CHECK: tensor.collapse_shape %[[G]] {{\[}}[0], [1, 2], [3, 4], [5]] : tensor<?x13x2x13x2x32xf32> into tensor<?x26x26x32xf32>
// CHECK-NOT: = kiln.
func.func @window_grads(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x32xf32>, %dy: tensor<?x14x14x32xf32>, %p: tensor<?x26x26x32xf32>, %dp: tensor<?x13x13x32xf32>) -> (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<?x26x26x32xf32>) {
  %0 = kiln.conv2d_input_grad %dy, %k strides = [2, 2] padding = same : tensor<?x14x14x32xf32>, tensor<3x3x1x32xf32> -> tensor<?x28x28x1xf32>
  %1 = kiln.conv2d_kernel_grad %x, %dy strides = [2, 2] padding = same : tensor<?x28x28x1xf32>, tensor<?x14x14x32xf32> -> tensor<3x3x1x32xf32>
  %2 = kiln.max_pool2d_grad %dp, %p pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x13x13x32xf32>, tensor<?x26x26x32xf32>
  return %0, %1, %2 : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<?x26x26x32xf32>
}

// -----
// Tests that conv2d_input_grad with stride 1 pads dy by KH - 1 - pad_before
// (valid: 2 on each side) instead of inserting it, and that a same-padded
// max_pool2d_grad (windows that do not tile the input) takes the general
// path: it pads with -inf, finds the first arg-max of each window (i64) as
// a max reduction and a min-index reduction over the offsets holding the
// maximum, updates one strided slice per window offset and cuts the padding
// off at the end.
// CHECK-LABEL: func.func @window_grads_stride1
// CHECK: %[[SPREAD:.*]] = tensor.pad %{{.*}} low[0, 2, 2, 0] high[0, 2, 2, 0]
// CHECK: tensor<?x26x26x32xf32> to tensor<?x30x30x32xf32>
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[SPREAD]], %{{.*}} : tensor<?x30x30x32xf32>, tensor<3x3x32x1xf32>)
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: %[[XP:.*]] = tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 1, 1, 0]
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[XP]], %{{.*}} : tensor<?x12x12x8xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<?x6x6x8xf32>)
// CHECK: arith.maxnumf
// CHECK: %[[ARG:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[XP]], %{{.*}}, %[[MAX]] : {{.*}}) outs(%{{.*}} : tensor<?x6x6x8xi64>)
// CHECK: arith.cmpf oeq
// CHECK: arith.minsi
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[ARG]] : tensor<?x6x6x8xf32>, tensor<?x6x6x8xi64>)
// CHECK-COUNT-4: tensor.insert_slice
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [%{{.*}}, 11, 11, 8] [1, 1, 1, 1] : tensor<?x12x12x8xf32> to tensor<?x11x11x8xf32>
// CHECK-NOT: = kiln.
func.func @window_grads_stride1(%dy: tensor<?x26x26x32xf32>, %k: tensor<3x3x1x32xf32>, %dp: tensor<?x6x6x8xf32>, %p: tensor<?x11x11x8xf32>) -> (tensor<?x28x28x1xf32>, tensor<?x11x11x8xf32>) {
  %0 = kiln.conv2d_input_grad %dy, %k strides = [1, 1] padding = valid : tensor<?x26x26x32xf32>, tensor<3x3x1x32xf32> -> tensor<?x28x28x1xf32>
  %1 = kiln.max_pool2d_grad %dp, %p pool_size = [2, 2] strides = [2, 2] padding = same : tensor<?x6x6x8xf32>, tensor<?x11x11x8xf32>
  return %0, %1 : tensor<?x28x28x1xf32>, tensor<?x11x11x8xf32>
}

// -----
// Tests that each optimizer update is one generic reading the gradient and
// updating the parameter and state in place (they are its outs), reading
// the learning rate argument from above; adam's bias correction is computed
// from the i64 step counter and the learning rate before the loop.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @optimizers
// CHECK-SAME: (%[[P:.*]]: tensor<300xf32>, %[[G:.*]]: tensor<300xf32>, %[[S1:.*]]: tensor<300xf32>, %[[S2:.*]]: tensor<300xf32>, %[[IT:.*]]: i64, %[[LR:.*]]: f32)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel"]} ins(%[[G]] : tensor<300xf32>) outs(%[[P]] : tensor<300xf32>)
// CHECK-NEXT: ^bb0(%[[GE:.*]]: f32, %[[PE:.*]]: f32):
// CHECK-NEXT: %[[STEP:.*]] = arith.mulf %[[LR]], %[[GE]] : f32
// CHECK-NEXT: arith.subf %[[PE]], %[[STEP]] : f32
// CHECK: %{{.*}}:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel"]} ins(%[[G]] : tensor<300xf32>) outs(%[[P]], %[[S1]] : tensor<300xf32>, tensor<300xf32>)
// CHECK: %{{.*}}:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel"]} ins(%[[G]] : tensor<300xf32>) outs(%[[P]], %[[S1]] : tensor<300xf32>, tensor<300xf32>)
// CHECK: math.sqrt
// CHECK: %[[T1:.*]] = arith.addi %[[IT]], %{{.*}} : i64
// CHECK: %[[T:.*]] = arith.sitofp %[[T1]] : i64 to f32
// CHECK: math.powf %{{.*}}, %[[T]] : f32
// CHECK: math.powf %{{.*}}, %[[T]] : f32
// CHECK: math.sqrt
// CHECK: arith.mulf %[[LR]]
// CHECK: %[[ALPHA:.*]] = arith.divf
// CHECK: %{{.*}}:3 = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel"]} ins(%[[G]] : tensor<300xf32>) outs(%[[P]], %[[S1]], %[[S2]] : tensor<300xf32>, tensor<300xf32>, tensor<300xf32>)
// CHECK: arith.mulf %{{.*}}, %[[ALPHA]]
// CHECK: linalg.yield %{{.*}}, %{{.*}}, %{{.*}} : f32, f32, f32
// CHECK: %{{.*}}:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel"]} ins(%[[G]] : tensor<300xf32>) outs(%[[P]], %[[S1]] : tensor<300xf32>, tensor<300xf32>)
// CHECK-NOT: = kiln.
func.func @optimizers(%p: tensor<300xf32>, %g: tensor<300xf32>, %s1: tensor<300xf32>, %s2: tensor<300xf32>, %it: i64, %lr: f32) -> (tensor<300xf32>, tensor<300xf32>, tensor<300xf32>, tensor<300xf32>, tensor<300xf32>) {
  %0 = kiln.sgd_update %p, %g learning_rate %lr : tensor<300xf32>
  %1:2 = kiln.sgd_momentum_update %p, %g, %s1 learning_rate %lr momentum = 0.9 nesterov : tensor<300xf32>
  %2:2 = kiln.rmsprop_update %p, %g, %s1 learning_rate %lr rho = 0.9 epsilon = 1.0e-7 : tensor<300xf32>
  %3:3 = kiln.adam_update %p, %g, %s1, %s2, %it learning_rate %lr beta_1 = 0.9 beta_2 = 0.999 epsilon = 1.0e-7 : tensor<300xf32>
  %4:2 = kiln.adagrad_update %p, %g, %s1 learning_rate %lr epsilon = 1.0e-7 : tensor<300xf32>
  return %0, %1#0, %2#0, %3#0, %4#0 : tensor<300xf32>, tensor<300xf32>, tensor<300xf32>, tensor<300xf32>, tensor<300xf32>
}

// -----
// Tests the metrics: binary accuracy thresholds; each arg-max (y_true's and
// y_pred's for categorical accuracy, y_pred's for sparse accuracy) is a row
// max reduction, then a min-index reduction over the positions equal to the
// maximum (the first index on ties); sparse accuracy compares labels read at
// (d0, 0) with the arg-max.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[LABEL1:.*]] = affine_map<(d0) -> (d0, 0)>
// CHECK-LABEL: func.func @metrics
// CHECK-SAME: (%[[Y:.*]]: tensor<?x10xf32>, %[[P:.*]]: tensor<?x10xf32>, %[[L:.*]]: tensor<?x1xi32>)
// CHECK: arith.constant 5.000000e-01 : f32
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf oeq
// CHECK: %[[YMAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]]], iterator_types = ["parallel", "reduction"]} ins(%[[Y]] : tensor<?x10xf32>)
// CHECK: arith.maxnumf
// CHECK: %[[YARG:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]], #[[ROWS]]], iterator_types = ["parallel", "reduction"]} ins(%[[Y]], %[[YMAX]] : tensor<?x10xf32>, tensor<?xf32>)
// CHECK: %[[IDX:.*]] = linalg.index 1
// CHECK: %[[I:.*]] = arith.index_cast %[[IDX]]
// CHECK: %[[EQ:.*]] = arith.cmpf oeq
// CHECK: %[[CAND:.*]] = arith.select %[[EQ]], %[[I]]
// CHECK: arith.minsi %{{.*}}, %[[CAND]] : i64
// CHECK: %[[PMAX:.*]] = linalg.generic {{.*}} ins(%[[P]] : tensor<?x10xf32>)
// CHECK: %[[PARG:.*]] = linalg.generic {{.*}} ins(%[[P]], %[[PMAX]] : tensor<?x10xf32>, tensor<?xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[YARG]], %[[PARG]] : tensor<?xi64>, tensor<?xi64>)
// CHECK: %[[SMAX:.*]] = linalg.generic {{.*}} ins(%[[P]] : tensor<?x10xf32>)
// CHECK: %[[SARG:.*]] = linalg.generic {{.*}} ins(%[[P]], %[[SMAX]] : tensor<?x10xf32>, tensor<?xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[LABEL1]], #{{.*}}, #{{.*}}], iterator_types = ["reduction"]} ins(%[[L]], %[[SARG]] : tensor<?x1xi32>, tensor<?xi64>)
// CHECK: arith.extsi
// CHECK-NOT: = kiln.
func.func @metrics(%y: tensor<?x10xf32>, %p: tensor<?x10xf32>, %l: tensor<?x1xi32>) -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %0 = kiln.binary_accuracy %y, %p threshold = 0.5 : tensor<?x10xf32>, tensor<?x10xf32>
  %1 = kiln.categorical_accuracy %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
  %2 = kiln.sparse_categorical_accuracy %l, %p : tensor<?x1xi32>, tensor<?x10xf32>
  return %0, %1, %2 : tensor<f32>, tensor<f32>, tensor<f32>
}

// -----
// Tests that value_and_grad is left for kiln-autodiff while the kiln ops
// around it are lowered.
// CHECK-LABEL: func.func @train_step
// CHECK: kiln.value_and_grad @loss
// CHECK-NOT: kiln.sgd_update
// CHECK: linalg.generic
func.func private @loss(%w: tensor<4x2xf32> {kiln.trainable}, %x: tensor<?x4xf32>) -> tensor<f32>
func.func @train_step(%w: tensor<4x2xf32>, %x: tensor<?x4xf32>, %lr: f32) -> tensor<4x2xf32> {
  %l, %dw = kiln.value_and_grad @loss(%w, %x) : (tensor<4x2xf32>, tensor<?x4xf32>) -> (tensor<f32>, tensor<4x2xf32>)
  %w1 = kiln.sgd_update %w, %dw learning_rate %lr : tensor<4x2xf32>
  return %w1 : tensor<4x2xf32>
}

// -----

// Tests that concatenate inserts each input into its slice of one empty
// result, the second at the first's size along the axis.
// CHECK-LABEL: func.func @concatenate
// CHECK-SAME: (%[[A:.*]]: tensor<?x3xf32>, %[[B:.*]]: tensor<?x2xf32>)
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x5xf32>
// CHECK: %[[S:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [%{{.*}}, 3] [1, 1]
// CHECK: tensor.insert_slice %[[B]] into %[[S]][0, 3] [%{{.*}}, 2] [1, 1]
// NOKILN-NOT: kiln.concatenate
func.func @concatenate(%a: tensor<?x3xf32>, %b: tensor<?x2xf32>) -> tensor<?x5xf32> {
  %0 = kiln.concatenate %a, %b axis = 1 : tensor<?x3xf32>, tensor<?x2xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// Tests that reverse reads the input at the mirrored index of its axis,
// n - 1 - i with n from tensor.dim for a dynamic axis.
// CHECK-LABEL: func.func @reverse_time
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x8xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %[[C0]]
// CHECK: %[[LAST:.*]] = arith.subi %[[N]], %[[C1]] : index
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[K:.*]] = linalg.index 2 : index
// CHECK: %[[M:.*]] = arith.subi %[[LAST]], %[[I]] : index
// CHECK: tensor.extract %[[X]][%[[M]], %[[J]], %[[K]]] : tensor<?x?x8xf32>
func.func @reverse_time(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %y = kiln.reverse %x axis = 0 : tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----
// Tests that the cross-entropies clip at their `epsilon` (Keras's backend
// epsilon, keras.json's) in the loss and in its gradient, and at 1e-7
// without it.
// CHECK-LABEL: func.func @loss_epsilon
// CHECK: arith.constant 1.000000e-03 : f32
// CHECK: arith.maximumf
// CHECK: arith.constant 9.990000e-01 : f32
// CHECK: arith.minimumf
// CHECK: arith.constant 1.000000e-03 : f32
// CHECK: arith.constant 9.990000e-01 : f32
// CHECK: arith.cmpf oge
// CHECK: arith.cmpf ole
// CHECK-NOT: 1.000000e-07
// CHECK: return
func.func @loss_epsilon(%y: tensor<?x10xf32>, %p: tensor<?x10xf32>, %d: tensor<f32>) -> (tensor<f32>, tensor<?x10xf32>) {
  %0 = kiln.categorical_crossentropy %y, %p {epsilon = 1.0e-3 : f64} : tensor<?x10xf32>, tensor<?x10xf32>
  %1 = kiln.loss_grad %y, %p, %d kind = binary_crossentropy {epsilon = 1.0e-3 : f64} : tensor<?x10xf32>, tensor<?x10xf32>, tensor<f32>
  return %0, %1 : tensor<f32>, tensor<?x10xf32>
}
