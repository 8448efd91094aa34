//===- KilnGradientOps.td - Ops that gradients are built from -*- tablegen -*-===//
//
// The vector-Jacobian products of the layer ops are written in kiln ops; the
// ones below exist because their derivative is not a short composition of
// forward ops (window ops, routing to an arg-max) or because a dedicated op
// lowers to one fused loop where a composition would make several passes
// over memory. Each takes the incoming adjoint (`dy`) first.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_GRADIENT_OPS_TD
#define KILN_GRADIENT_OPS_TD

//===----------------------------------------------------------------------===//
// Broadcasting
//===----------------------------------------------------------------------===//

def Kiln_BroadcastLikeOp : Kiln_Op<"broadcast_like", [InferTypeOpAdaptor]> {
  let summary = "broadcast a tensor to the shape of another";
  let description = [{
    NumPy-broadcasts `input` to the shape of `like` (only `like`'s shape is
    read, so dynamic sizes come from it at run time). Gradients of
    reductions use it to spread the adjoint back over the reduced axes.

    ```mlir
    %b = kiln.broadcast_like %dy, %x : tensor<?x1xf32>, tensor<?x10xf32>
    // %b : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$like);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input `,` $like attr-dict `:` type($input) `,` type($like)";
}

def Kiln_ReduceLikeOp : Kiln_Op<"reduce_like", [InferTypeOpAdaptor]> {
  let summary = "sum a broadcast result back to an operand's shape";
  let description = [{
    The inverse of broadcasting: sums `input` over the dimensions along which
    `like`'s shape was broadcast to `input`'s (leading dimensions `like`
    lacks, and dimensions where `like` has size 1), giving `like`'s type.
    The adjoint of a broadcasting op's operand is the `reduce_like` of the
    result's adjoint.

    ```mlir
    %db = kiln.reduce_like %dy, %b : tensor<?x300xf32>, tensor<300xf32>
    // %db : tensor<300xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$like);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input `,` $like attr-dict `:` type($input) `,` type($like)";
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

class Kiln_ActivationGradOp<string mnemonic, string formula>
    : Kiln_Op<mnemonic, [AllTypesMatch<["dy", "output", "result"]>]> {
  let summary = "adjoint of an activation: " # formula;
  let description = [{
    Elementwise `}] # formula # [{`, where `y` (`output`) is the activation's
    result and `dy` its adjoint. The op reads the result, not the
    activation's input: the forward value is reused, and the input, used by
    the activation alone, need not outlive it (a matmul's bias and
    activation then fuse into its epilogue and the pre-activation is never
    stored). Both operands have the same type.

    ```mlir
    %y = kiln.}] # !subst("_grad", "", mnemonic) # [{ %x : tensor<?x300xf32>
    %dx = kiln.}] # mnemonic # [{ %dy, %y : tensor<?x300xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$dy, Kiln_FloatTensor:$output);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$dy `,` $output attr-dict `:` type($dy)";
}

def Kiln_ReluGradOp : Kiln_ActivationGradOp<"relu_grad", "y > 0 ? dy : 0">;
def Kiln_SigmoidGradOp
    : Kiln_ActivationGradOp<"sigmoid_grad", "dy * y * (1 - y)">;
def Kiln_TanhGradOp : Kiln_ActivationGradOp<"tanh_grad", "dy * (1 - y * y)">;

def Kiln_HardSigmoidGradOp
    : Kiln_Op<"hard_sigmoid_grad", [AllTypesMatch<["dy", "output", "result"]>]> {
  let summary = "adjoint of hard_sigmoid: 0 < y < 1 ? slope * dy : 0";
  let description = [{
    `output` is the hard_sigmoid's result `y`: the slope applies where it
    is strictly between its clipped bounds.

    ```mlir
    %dx = kiln.hard_sigmoid_grad %dy, %y slope = 2.000000e-01 : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$dy, Kiln_FloatTensor:$output,
                       F32Attr:$slope);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$dy `,` $output `slope` `=` $slope attr-dict `:` type($dy)";
}

def Kiln_SoftmaxGradOp : Kiln_Op<"softmax_grad", [AllTypesMatch<["dy", "output", "result"]>]> {
  let summary = "adjoint of softmax: y * (dy - sum(dy * y, axis))";
  let description = [{
    `output` is the softmax result `y`; the sum runs along `axis`.

    ```mlir
    %dz = kiln.softmax_grad %dy, %y axis = -1 : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$dy, Kiln_FloatTensor:$output,
                       I64Attr:$axis);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$dy `,` $output `axis` `=` $axis attr-dict `:` type($dy)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

def Kiln_ReduceMaxGradOp : Kiln_Op<"reduce_max_grad", [InferTypeOpAdaptor]> {
  let summary = "adjoint of reduce_max, shared equally among tied maxima";
  let description = [{
    `input` is the reduce_max operand, `output` its result and `dy` the
    result's adjoint (both shaped as the result, with or without
    `keepdims`). Each position that equals the maximum receives `dy`
    divided by the number of positions that do, as TensorFlow's gradient
    of `reduce_max` does.

    ```mlir
    %dx = kiln.reduce_max_grad %dy, %x, %m axes = [1]
        : tensor<?xf32>, tensor<?x10xf32>, tensor<?xf32>
    // %dx : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$dy, Kiln_FloatTensor:$input,
                       Kiln_FloatTensor:$output, DenseI64ArrayAttr:$axes,
                       UnitAttr:$keepdims);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $dy `,` $input `,` $output `axes` `=` $axes (`keepdims` $keepdims^)? attr-dict
    `:` type($dy) `,` type($input) `,` type($output)
  }];
}

//===----------------------------------------------------------------------===//
// Window ops
//===----------------------------------------------------------------------===//

def Kiln_Conv2DInputGradOp : Kiln_Op<"conv2d_input_grad"> {
  let summary = "adjoint of conv2d's input";
  let description = [{
    Given the output adjoint `dy` `(N, OH, OW, Cout)` and the kernel
    `(KH, KW, Cin, Cout)`, computes the input adjoint `(N, H, W, Cin)`: the
    transposed convolution. The input's spatial size cannot be recovered from
    the output's when strides exceed 1, so the result type is stated; the
    verifier checks that a conv2d with these attributes maps it to `dy`.

    ```mlir
    %dx = kiln.conv2d_input_grad %dy, %k strides = [1, 1] padding = valid
        : tensor<?x26x26x32xf32>, tensor<3x3x1x32xf32> -> tensor<?x28x28x1xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$dy, Kiln_FloatTensor:$kernel,
                       DenseI64ArrayAttr:$strides, Kiln_Padding:$padding);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $dy `,` $kernel `strides` `=` $strides `padding` `=` $padding attr-dict
    `:` type($dy) `,` type($kernel) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Kiln_Conv2DKernelGradOp : Kiln_Op<"conv2d_kernel_grad"> {
  let summary = "adjoint of conv2d's kernel";
  let description = [{
    Given the conv2d input `(N, H, W, Cin)` and the output adjoint `dy`
    `(N, OH, OW, Cout)`, computes the kernel adjoint
    `(KH, KW, Cin, Cout)` = sum over the batch and output positions of
    input window × dy. The kernel size is stated by the result type.

    ```mlir
    %dk = kiln.conv2d_kernel_grad %x, %dy strides = [1, 1] padding = valid
        : tensor<?x28x28x1xf32>, tensor<?x26x26x32xf32> -> tensor<3x3x1x32xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$dy,
                       DenseI64ArrayAttr:$strides, Kiln_Padding:$padding);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $dy `strides` `=` $strides `padding` `=` $padding attr-dict
    `:` type($input) `,` type($dy) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Kiln_MaxPool2DGradOp : Kiln_Op<"max_pool2d_grad", [InferTypeOpAdaptor]> {
  let summary = "adjoint of max_pool2d, routed to each window's arg-max";
  let description = [{
    Each output cell's adjoint goes to the first (row-major) position of its
    window that holds the maximum, as TensorFlow's MaxPoolGrad does;
    overlapping windows add up. The result has `input`'s type.

    ```mlir
    %dx = kiln.max_pool2d_grad %dy, %x pool_size = [2, 2] strides = [2, 2] padding = valid
        : tensor<?x13x13x32xf32>, tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$dy, Kiln_FloatTensor:$input,
                       DenseI64ArrayAttr:$pool_size, DenseI64ArrayAttr:$strides,
                       Kiln_Padding:$padding);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $dy `,` $input `pool_size` `=` $pool_size `strides` `=` $strides `padding` `=` $padding
    attr-dict `:` type($dy) `,` type($input)
  }];
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

def Kiln_LossGradOp : Kiln_Op<"loss_grad", [InferTypeOpAdaptor]> {
  let summary = "adjoint of a loss with respect to y_pred";
  let description = [{
    `dloss` (0-d) is the adjoint of the loss value; the result has `y_pred`'s
    type. One op covers every loss so each lowers to a single fused loop:

    | kind | gradient per element (before `* dloss`) |
    | --- | --- |
    | mse | `2 (p - y) / numel` |
    | mae | `sign(p - y) / numel` |
    | binary_crossentropy | `(p - y) / (p (1 - p)) / numel`, 0 where p is clipped; from logits `(sigmoid(z) - y) / numel` |
    | categorical_crossentropy | on probabilities through the normalization and clip; from logits `(softmax(z) - y) / batch` |
    | sparse_categorical_crossentropy | as categorical with `y = one_hot(label)` |

    `numel` counts all elements of y_pred, `batch` all but the last axis.
    The clip is the loss's: `epsilon` (1e-7 when absent).

    ```mlir
    %dp = kiln.loss_grad %labels, %z, %one kind = sparse_categorical_crossentropy from_logits
        : tensor<?xi32>, tensor<?x10xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Kiln_LabelTensor:$y_true, Kiln_FloatTensor:$y_pred,
                       Kiln_ScalarTensor:$dloss, Kiln_LossKind:$kind,
                       UnitAttr:$from_logits, OptionalAttr<F64Attr>:$epsilon);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $y_true `,` $y_pred `,` $dloss `kind` `=` $kind (`from_logits` $from_logits^)? attr-dict
    `:` type($y_true) `,` type($y_pred) `,` type($dloss)
  }];
}

#endif // KILN_GRADIENT_OPS_TD
