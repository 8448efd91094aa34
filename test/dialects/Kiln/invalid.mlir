// RUN: kiln-opt %s --split-input-file --verify-diagnostics

// Tests that dense rejects a kernel whose input size differs from the features.
func.func @dense_features(%x: tensor<?x784xf32>, %w: tensor<780x300xf32>) {
  // expected-error @+1 {{'kiln.dense' input has 784 features but the kernel expects 780}}
  %0 = kiln.dense %x, %w : tensor<?x784xf32>, tensor<780x300xf32>
  return
}

// -----
// Tests that dense rejects a rank-1 input.
func.func @dense_rank(%x: tensor<784xf32>, %w: tensor<784x300xf32>) {
  // expected-error @+1 {{'kiln.dense' expects an input of rank 2 or more}}
  %0 = kiln.dense %x, %w : tensor<784xf32>, tensor<784x300xf32>
  return
}

// -----
// Tests that dense rejects a kernel that is not a matrix.
func.func @dense_kernel_rank(%x: tensor<?x4xf32>, %w: tensor<4x3x2xf32>) {
  // expected-error @+1 {{'kiln.dense' expects a kernel of rank 2 (in, units)}}
  %0 = kiln.dense %x, %w : tensor<?x4xf32>, tensor<4x3x2xf32>
  return
}

// -----
// Tests that dense rejects a bias that does not match the units.
func.func @dense_bias(%x: tensor<?x784xf32>, %w: tensor<784x300xf32>, %b: tensor<100xf32>) {
  // expected-error @+1 {{'kiln.dense' bias must have shape (300) to match the kernel's units}}
  %0 = kiln.dense %x, %w, %b : tensor<?x784xf32>, tensor<784x300xf32>, tensor<100xf32>
  return
}

// -----
// Tests that mixed element types are refused.
func.func @dense_element_types(%x: tensor<?x4xf32>, %w: tensor<4x3xf16>) {
  // expected-error @+1 {{'kiln.dense' operands must share an element type, got 'f32' and 'f16'}}
  %0 = kiln.dense %x, %w : tensor<?x4xf32>, tensor<4x3xf16>
  return
}

// -----
// Tests that integer tensors are not accepted where floats are required.
func.func @dense_integer(%x: tensor<?x4xi32>, %w: tensor<4x3xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor (no zero-size dimension) of 32-bit float or 16-bit float or bfloat16 type values}}
  %0 = "kiln.dense"(%x, %w) : (tensor<?x4xi32>, tensor<4x3xf32>) -> tensor<?x3xf32>
  return
}

// -----
// Tests that a stated result type must equal the inferred one.
func.func @dense_wrong_result(%x: tensor<?x4xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+2 {{'kiln.dense' op inferred type(s) 'tensor<?x3xf32>' are incompatible with return type(s) of operation 'tensor<?x5xf32>'}}
  // expected-error @+1 {{'kiln.dense' op failed to infer returned types}}
  %0 = "kiln.dense"(%x, %w) : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x5xf32>
  return
}

// -----
// Tests that matmul rejects mismatched contraction sizes.
func.func @matmul_k(%a: tensor<3x4xf32>, %b: tensor<5x8xf32>) {
  // expected-error @+1 {{'kiln.matmul' contraction sizes differ: lhs gives 4, rhs gives 5}}
  %0 = kiln.matmul %a, %b : tensor<3x4xf32>, tensor<5x8xf32>
  return
}

// -----
// Tests that matmul rejects operands of different ranks.
func.func @matmul_rank(%a: tensor<3x4xf32>, %b: tensor<2x4x8xf32>) {
  // expected-error @+1 {{'kiln.matmul' expects two rank-2 or two rank-3 (batched) operands}}
  %0 = kiln.matmul %a, %b : tensor<3x4xf32>, tensor<2x4x8xf32>
  return
}

// -----
// Tests that batched matmul rejects different batch sizes.
func.func @matmul_batch(%a: tensor<2x3x4xf32>, %b: tensor<3x4x8xf32>) {
  // expected-error @+1 {{'kiln.matmul' batch sizes differ: 2 vs 3}}
  %0 = kiln.matmul %a, %b : tensor<2x3x4xf32>, tensor<3x4x8xf32>
  return
}

// -----
// Tests that non-broadcastable shapes are rejected by every binary op.
func.func @add_broadcast(%a: tensor<4x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'kiln.add' operands are not broadcast-compatible: 'tensor<4x3xf32>' and 'tensor<2xf32>'}}
  %0 = kiln.add %a, %b : tensor<4x3xf32>, tensor<2xf32>
  return
}

// -----
func.func @sub_broadcast(%a: tensor<4x3xf32>, %b: tensor<5x3xf32>) {
  // expected-error @+1 {{'kiln.sub' operands are not broadcast-compatible}}
  %0 = kiln.sub %a, %b : tensor<4x3xf32>, tensor<5x3xf32>
  return
}

// -----
func.func @mul_broadcast(%a: tensor<?x3xf32>, %b: tensor<?x4xf32>) {
  // expected-error @+1 {{'kiln.mul' operands are not broadcast-compatible}}
  %0 = kiln.mul %a, %b : tensor<?x3xf32>, tensor<?x4xf32>
  return
}

// -----
func.func @div_types(%a: tensor<3xf32>, %b: tensor<3xbf16>) {
  // expected-error @+1 {{'kiln.div' operands must share an element type}}
  %0 = kiln.div %a, %b : tensor<3xf32>, tensor<3xbf16>
  return
}

// -----
// Tests that reshape refuses a different element count.
func.func @reshape_count(%x: tensor<?x28x28xf32>) {
  // expected-error @+1 {{'kiln.reshape' op element counts differ: the input holds 784 per dynamic index but the result holds 780: 'tensor<?x28x28xf32>' -> 'tensor<?x780xf32>'}}
  %0 = kiln.reshape %x : tensor<?x28x28xf32> -> tensor<?x780xf32>
  return
}

// -----
// Tests that reshape of a dynamic input needs exactly one dynamic result dim.
func.func @reshape_dynamic(%x: tensor<?x28x28xf32>) {
  // expected-error @+1 {{'kiln.reshape' op needs exactly one dynamic result dimension}}
  %0 = kiln.reshape %x : tensor<?x28x28xf32> -> tensor<4x196xf32>
  return
}

// -----
// Tests that reshape refuses two dynamic input dimensions.
func.func @reshape_two_dynamic(%x: tensor<?x?xf32>) {
  // expected-error @+1 {{'kiln.reshape' op supports at most one dynamic input dimension}}
  %0 = kiln.reshape %x : tensor<?x?xf32> -> tensor<?xf32>
  return
}

// -----
// Tests that reshape cannot change the element type.
func.func @reshape_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{'kiln.reshape' op cannot change the element type}}
  %0 = kiln.reshape %x : tensor<4xf32> -> tensor<2x2xf16>
  return
}

// -----
// Tests that transpose needs a permutation of all dimensions.
func.func @transpose_perm(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{'kiln.transpose' permutation [0, 0] is not a permutation of the 2 dimensions}}
  %0 = kiln.transpose %x permutation = [0, 0] : tensor<4x3xf32>
  return
}

// -----
// Tests that reductions refuse out-of-range, repeated and missing axes.
func.func @reduce_axis(%x: tensor<?x10xf32>) {
  // expected-error @+1 {{'kiln.reduce_sum' axis 2 is out of range for 'tensor<?x10xf32>'}}
  %0 = kiln.reduce_sum %x axes = [2] : tensor<?x10xf32>
  return
}

// -----
func.func @argmax_axis(%x: tensor<?x10xf32>) {
  // expected-error @+1 {{'kiln.argmax' axis 2 is out of range for 'tensor<?x10xf32>'}}
  %0 = kiln.argmax %x axis = 2 : tensor<?x10xf32>
  return
}

// -----
func.func @argmax_negative_axis(%x: tensor<?x10xf32>) {
  // expected-error @+1 {{'kiln.argmax' axis -3 is out of range for 'tensor<?x10xf32>'}}
  %0 = kiln.argmax %x axis = -3 : tensor<?x10xf32>
  return
}

// -----
func.func @equal_shapes(%a: tensor<?x10xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'kiln.equal' operands are not broadcast-compatible}}
  %0 = kiln.equal %a, %b : tensor<?x10xf32>, tensor<3xf32>
  return
}

// -----
func.func @reduce_repeated(%x: tensor<?x10xf32>) {
  // expected-error @+1 {{'kiln.reduce_max' axis -1 is repeated}}
  %0 = kiln.reduce_max %x axes = [1, -1] : tensor<?x10xf32>
  return
}

// -----
func.func @reduce_empty(%x: tensor<?x10xf32>) {
  // expected-error @+1 {{'kiln.reduce_mean' needs at least one axis}}
  %0 = kiln.reduce_mean %x axes = [] : tensor<?x10xf32>
  return
}

// -----
// Tests that conv2d checks input rank, kernel, channels, bias and strides.
func.func @conv_rank(%x: tensor<?x28x28xf32>, %k: tensor<3x3x1x32xf32>) {
  // expected-error @+1 {{'kiln.conv2d' expects an NHWC input of rank 4}}
  %0 = kiln.conv2d %x, %k strides = [1, 1] padding = valid : tensor<?x28x28xf32>, tensor<3x3x1x32xf32>
  return
}

// -----
func.func @conv_kernel(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1xf32>) {
  // expected-error @+1 {{'kiln.conv2d' expects a static HWIO kernel of rank 4}}
  %0 = kiln.conv2d %x, %k strides = [1, 1] padding = valid : tensor<?x28x28x1xf32>, tensor<3x3x1xf32>
  return
}

// -----
func.func @conv_channels(%x: tensor<?x28x28x3xf32>, %k: tensor<3x3x1x32xf32>) {
  // expected-error @+1 {{'kiln.conv2d' input has 3 channels but the kernel expects 1}}
  %0 = kiln.conv2d %x, %k strides = [1, 1] padding = valid : tensor<?x28x28x3xf32>, tensor<3x3x1x32xf32>
  return
}

// -----
func.func @conv_bias(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x32xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'kiln.conv2d' bias must have shape (32) to match the kernel's filters}}
  %0 = kiln.conv2d %x, %k, %b strides = [1, 1] padding = valid : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<16xf32>
  return
}

// -----
func.func @conv_strides(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x32xf32>) {
  // expected-error @+1 {{'kiln.conv2d' expects strides to be two positive integers, got [0, 1]}}
  %0 = kiln.conv2d %x, %k strides = [0, 1] padding = valid : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>
  return
}

// -----
func.func @conv_small(%x: tensor<?x2x2x1xf32>, %k: tensor<3x3x1x32xf32>) {
  // expected-error @+1 {{'kiln.conv2d' input height 2 is smaller than the window height 3 with valid padding}}
  %0 = kiln.conv2d %x, %k strides = [1, 1] padding = valid : tensor<?x2x2x1xf32>, tensor<3x3x1x32xf32>
  return
}

// -----
func.func @conv_padding(%x: tensor<?x28x28x1xf32>, %k: tensor<3x3x1x32xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'padding' [valid, same]}}
  %0 = kiln.conv2d %x, %k strides = [1, 1] padding = full : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>
  return
}

// -----
// Tests that max_pool2d checks rank, pool size and strides.
func.func @pool_rank(%x: tensor<?x28x28xf32>) {
  // expected-error @+1 {{'kiln.max_pool2d' expects an NHWC input of rank 4}}
  %0 = kiln.max_pool2d %x pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x28x28xf32>
  return
}

// -----
func.func @pool_size(%x: tensor<?x28x28x1xf32>) {
  // expected-error @+1 {{'kiln.max_pool2d' expects pool_size to be two positive integers, got [2]}}
  %0 = kiln.max_pool2d %x pool_size = [2] strides = [2, 2] padding = valid : tensor<?x28x28x1xf32>
  return
}

// -----
func.func @pool_strides(%x: tensor<?x28x28x1xf32>) {
  // expected-error @+1 {{'kiln.max_pool2d' expects strides to be two positive integers, got [2, -1]}}
  %0 = kiln.max_pool2d %x pool_size = [2, 2] strides = [2, -1] padding = valid : tensor<?x28x28x1xf32>
  return
}

// -----
func.func @pool_small(%x: tensor<?x1x8x1xf32>) {
  // expected-error @+1 {{'kiln.max_pool2d' input height 1 is smaller than the window height 2 with valid padding}}
  %0 = kiln.max_pool2d %x pool_size = [2, 2] strides = [2, 2] padding = valid : tensor<?x1x8x1xf32>
  return
}

// -----
// Tests that softmax refuses an axis outside the tensor.
func.func @softmax_axis(%x: tensor<?x10xf32>) {
  // expected-error @+1 {{'kiln.softmax' axis 2 is out of range for 'tensor<?x10xf32>'}}
  %0 = kiln.softmax %x axis = 2 : tensor<?x10xf32>
  return
}

// -----
// Tests that activations refuse integer tensors.
func.func @relu_integer(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor (no zero-size dimension) of 32-bit float or 16-bit float or bfloat16 type values}}
  %0 = "kiln.relu"(%x) : (tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----
// Tests that dense-label losses need y_true shaped like y_pred.
func.func @mse_shape(%y: tensor<?x1xf32>, %p: tensor<?x10xf32>) {
  // expected-error @+1 {{'kiln.mse' y_true 'tensor<?x1xf32>' does not match y_pred 'tensor<?x10xf32>'}}
  %0 = kiln.mse %y, %p : tensor<?x1xf32>, tensor<?x10xf32>
  return
}

// -----
func.func @mae_shape(%y: tensor<?xf32>, %p: tensor<?x10xf32>) {
  // expected-error @+1 {{'kiln.mae' y_true 'tensor<?xf32>' does not match y_pred}}
  %0 = kiln.mae %y, %p : tensor<?xf32>, tensor<?x10xf32>
  return
}

// -----
func.func @bce_shape(%y: tensor<4x1xf32>, %p: tensor<5x1xf32>) {
  // expected-error @+1 {{'kiln.binary_crossentropy' y_true 'tensor<4x1xf32>' does not match y_pred}}
  %0 = kiln.binary_crossentropy %y, %p : tensor<4x1xf32>, tensor<5x1xf32>
  return
}

// -----
func.func @cce_labels(%y: tensor<?x10xi32>, %p: tensor<?x10xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor (no zero-size dimension) of 32-bit float or 16-bit float or bfloat16 type values}}
  %0 = "kiln.categorical_crossentropy"(%y, %p) : (tensor<?x10xi32>, tensor<?x10xf32>) -> tensor<f32>
  return
}

// -----
// Tests that sparse labels must drop the class axis of y_pred.
func.func @scce_shape(%y: tensor<?x10xi32>, %p: tensor<?x10xf32>) {
  // expected-error @+1 {{'kiln.sparse_categorical_crossentropy' labels 'tensor<?x10xi32>' must have y_pred's shape without its class axis}}
  %0 = kiln.sparse_categorical_crossentropy %y, %p : tensor<?x10xi32>, tensor<?x10xf32>
  return
}

// -----
// Tests that sparse labels may not be i8.
func.func @scce_label_type(%y: tensor<?xi8>, %p: tensor<?x10xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor (no zero-size dimension) of 32-bit signless integer or 64-bit signless integer or 32-bit float or 16-bit float or bfloat16 type values}}
  %0 = "kiln.sparse_categorical_crossentropy"(%y, %p) : (tensor<?xi8>, tensor<?x10xf32>) -> tensor<f32>
  return
}

// -----
// Tests that losses produce a 0-d tensor.
func.func @loss_result(%y: tensor<?x10xf32>, %p: tensor<?x10xf32>) {
  // expected-error @+1 {{result #0 must be 0D tensor}}
  %0 = "kiln.mse"(%y, %p) : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<1xf32>
  return
}

// -----
// Tests that concatenate needs matching sizes off the axis and a valid axis.
func.func @concat_shapes(%a: tensor<?x32xf32>, %b: tensor<?x3x16xf32>) {
  // expected-error @+1 {{'kiln.concatenate' inputs 'tensor<?x32xf32>' and 'tensor<?x3x16xf32>' differ outside axis 1}}
  %0 = kiln.concatenate %a, %b axis = 1 : tensor<?x32xf32>, tensor<?x3x16xf32>
  return
}

// -----
func.func @concat_axis(%a: tensor<?x32xf32>, %b: tensor<?x16xf32>) {
  // expected-error @+1 {{'kiln.concatenate' axis 2 is out of range for 'tensor<?x32xf32>'}}
  %0 = kiln.concatenate %a, %b axis = 2 : tensor<?x32xf32>, tensor<?x16xf32>
  return
}

// -----
// Tests that a zero-size dimension is refused by the verifier (kiln-tile
// divided by it), on operands and on labels.
func.func @zero_size_dim(%x: tensor<4x0xf32>) {
  // expected-error @+1 {{'kiln.relu' op operand #0 must be ranked tensor (no zero-size dimension) of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<4x0xf32>'}}
  %0 = kiln.relu %x : tensor<4x0xf32>
  return
}

// -----
func.func @zero_size_labels(%l: tensor<0xi32>, %p: tensor<0x10xf32>) {
  // expected-error @+1 {{'kiln.sparse_categorical_accuracy' op operand #0 must be ranked tensor (no zero-size dimension) of 32-bit signless integer or 64-bit signless integer or 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<0xi32>'}}
  %0 = kiln.sparse_categorical_accuracy %l, %p : tensor<0xi32>, tensor<0x10xf32>
  return
}

// -----

func.func @reverse_axis(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{'kiln.reverse' op axis 2 is out of range for rank 2}}
  %y = kiln.reverse %x axis = 2 : tensor<4x3xf32>
  return
}

// -----
func.func @all_reduce_shape(%b: tensor<4x4xf32>) {
  // expected-error @+1 {{'kiln.all_reduce' op reduces a static 1-D f32 bucket, got 'tensor<4x4xf32>'}}
  %0 = kiln.all_reduce %b mode = mean : tensor<4x4xf32>
  return
}
