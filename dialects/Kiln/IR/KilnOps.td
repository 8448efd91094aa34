//===- KilnOps.td - Keras-level tensor ops -----------------*- tablegen -*-===//
//
// Ops are grouped as: layers (dense, matmul, conv2d, max_pool2d), elementwise
// arithmetic with NumPy broadcasting, shape ops, reductions, activations and
// losses. Result types are inferred from the operands wherever the operands
// determine them, so the frontend never computes a shape by hand and the
// verifier's message is the shape-inference error.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_OPS_TD
#define KILN_OPS_TD

include "dialects/Kiln/IR/KilnBase.td"
include "dialects/Kiln/IR/KilnAttrs.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Kiln_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kiln_Dialect, mnemonic, !listconcat([Pure], traits)>;

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

def Kiln_DenseOp : Kiln_Op<"dense", [InferTypeOpAdaptor]> {
  let summary = "fully connected layer: input · kernel + bias";
  let description = [{
    Keras's `Dense` without its activation. The kernel has shape
    `(in, units)` as Keras stores it; the bias, when present, has shape
    `(units)`. The input has rank 2 or more and is contracted on its last
    dimension, so `(batch, in)` gives `(batch, units)` and
    `(batch, time, in)` gives `(batch, time, units)`.

    ```mlir
    %y = kiln.dense %x, %w, %b : tensor<?x784xf32>, tensor<784x300xf32>, tensor<300xf32>
    // %y : tensor<?x300xf32>
    %z = kiln.dense %x, %w : tensor<?x784xf32>, tensor<784x300xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$kernel,
                       Optional<Kiln_FloatTensor>:$bias);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $kernel (`,` $bias^)? attr-dict `:` type($input) `,` type($kernel) (`,` type($bias)^)?
  }];
}

def Kiln_MatmulOp : Kiln_Op<"matmul", [InferTypeOpAdaptor]> {
  let summary = "matrix product, optionally of transposed operands";
  let description = [{
    `(M, K) x (K, N) -> (M, N)`, or batched `(B, M, K) x (B, K, N)`.
    `transpose_lhs` / `transpose_rhs` read an operand as transposed without
    materializing the transpose, which the gradients of dense and matmul use.

    ```mlir
    %c = kiln.matmul %a, %b : tensor<?x4xf32>, tensor<4x8xf32>
    // %c : tensor<?x8xf32>
    %dw = kiln.matmul %x, %dy transpose_lhs : tensor<?x4xf32>, tensor<?x8xf32>
    // %dw : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$lhs, Kiln_FloatTensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`transpose_lhs` $transpose_lhs^)? (`transpose_rhs` $transpose_rhs^)?
    attr-dict `:` type($lhs) `,` type($rhs)
  }];
}

def Kiln_Conv2DOp : Kiln_Op<"conv2d", [InferTypeOpAdaptor]> {
  let summary = "2-D convolution, NHWC input and HWIO kernel (Keras layout)";
  let description = [{
    Keras's `Conv2D` with `data_format="channels_last"` and without its
    activation. Input `(N, H, W, Cin)`, kernel `(KH, KW, Cin, Cout)`,
    optional bias `(Cout)`. With `valid` padding the output is
    `floor((H - KH) / stride) + 1`; with `same` it is `ceil(H / stride)` and
    the input is zero-padded, the extra row or column going to the bottom or
    right, as TensorFlow does.

    ```mlir
    %y = kiln.conv2d %x, %k, %b strides = [1, 1] padding = valid
        : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>
    // %y : tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$kernel,
                       Optional<Kiln_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, Kiln_Padding:$padding);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $kernel (`,` $bias^)? `strides` `=` $strides `padding` `=` $padding
    attr-dict `:` type($input) `,` type($kernel) (`,` type($bias)^)?
  }];
}

def Kiln_MaxPool2DOp : Kiln_Op<"max_pool2d", [InferTypeOpAdaptor]> {
  let summary = "2-D max pooling over NHWC input";
  let description = [{
    Keras's `MaxPooling2D` (channels_last). Output sizes follow the same rule
    as `kiln.conv2d` with the pool size as kernel size; `same` padding pads
    with -infinity so padded cells never win.

    ```mlir
    %y = kiln.max_pool2d %x pool_size = [2, 2] strides = [2, 2] padding = valid
        : tensor<?x26x26x32xf32>
    // %y : tensor<?x13x13x32xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, DenseI64ArrayAttr:$pool_size,
                       DenseI64ArrayAttr:$strides, Kiln_Padding:$padding);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `pool_size` `=` $pool_size `strides` `=` $strides `padding` `=` $padding
    attr-dict `:` type($input)
  }];
}

//===----------------------------------------------------------------------===//
// Elementwise arithmetic with broadcasting
//===----------------------------------------------------------------------===//

class Kiln_BinaryOp<string mnemonic, string sym>
    : Kiln_Op<mnemonic, [InferTypeOpAdaptor]> {
  let summary = "elementwise `lhs " # sym # " rhs` with NumPy broadcasting";
  let description = [{
    Broadcasting follows NumPy: shapes are aligned on their trailing
    dimensions; two dimensions match when they are equal or one of them is 1
    (the result takes the other). A missing leading dimension counts as 1.
    A dynamic dimension matches anything; against a static size other than 1
    the result takes that size, against 1 or another dynamic size it stays
    dynamic. Element types must be equal.

    ```mlir
    %y = kiln.}] # mnemonic # [{ %a, %b : tensor<?x300xf32>, tensor<300xf32>
    // %y : tensor<?x300xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$lhs, Kiln_FloatTensor:$rhs);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

def Kiln_AddOp : Kiln_BinaryOp<"add", "+">;
def Kiln_SubOp : Kiln_BinaryOp<"sub", "-">;
def Kiln_MulOp : Kiln_BinaryOp<"mul", "*">;
def Kiln_DivOp : Kiln_BinaryOp<"div", "/">;
def Kiln_MaximumOp : Kiln_BinaryOp<"maximum", "max">;
def Kiln_MinimumOp : Kiln_BinaryOp<"minimum", "min">;

// Comparisons give 1.0 where the relation holds and 0.0 elsewhere, in the
// operands' float type, as Keras's `cast(equal(a, b), "float32")` reads;
// they have no gradient (the adjoint stops at them, as TensorFlow's does).
class Kiln_CompareOp<string mnemonic, string sym>
    : Kiln_BinaryOp<mnemonic, sym> {
  let summary = "elementwise `lhs " # sym # " rhs` as 1.0 or 0.0, with NumPy "
                "broadcasting";
}

def Kiln_EqualOp : Kiln_CompareOp<"equal", "==">;
def Kiln_NotEqualOp : Kiln_CompareOp<"not_equal", "!=">;
def Kiln_GreaterOp : Kiln_CompareOp<"greater", ">">;
def Kiln_GreaterEqualOp : Kiln_CompareOp<"greater_equal", ">=">;
def Kiln_LessOp : Kiln_CompareOp<"less", "<">;
def Kiln_LessEqualOp : Kiln_CompareOp<"less_equal", "<=">;

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

def Kiln_ReshapeOp : Kiln_Op<"reshape"> {
  let summary = "reshape to a type with the same number of elements (Flatten)";
  let description = [{
    Reinterprets the elements in row-major order, as `Flatten` and `Reshape`
    do. The static parts of the two shapes must hold the same number of
    elements; if the input has a dynamic dimension the result must have
    exactly one, which takes up the same run-time size (the batch).

    ```mlir
    %f = kiln.reshape %x : tensor<?x28x28xf32> -> tensor<?x784xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_ReverseOp : Kiln_Op<"reverse", [AllTypesMatch<["input", "result"]>]> {
  let summary = "reverse the order of the elements along one axis";
  let description = [{
    Result index `i` along `axis` (negative counts from the end) reads input
    index `n - 1 - i`: a recurrent layer with `go_backwards` returns its
    sequence in the order it processed it.

    ```mlir
    %r = kiln.reverse %seq axis = 0 : tensor<?x?x16xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Kiln_TransposeOp : Kiln_Op<"transpose", [InferTypeOpAdaptor]> {
  let summary = "permute dimensions";
  let description = [{
    Result dimension `i` is input dimension `permutation[i]`.

    ```mlir
    %t = kiln.transpose %w permutation = [1, 0] : tensor<784x300xf32>
    // %t : tensor<300x784xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input `permutation` `=` $permutation attr-dict `:` type($input)";
}

def Kiln_ConcatenateOp : Kiln_Op<"concatenate", [InferTypeOpAdaptor]> {
  let summary = "join tensors along an axis";
  let description = [{
    Keras's `Concatenate`: inputs of one rank and element type whose sizes
    agree on every axis but `axis` (non-negative here; the frontend
    normalizes Keras's -1). The result's `axis` size is the sum, dynamic if
    any input's is.

    ```mlir
    %c = kiln.concatenate %a, %b axis = 1 : tensor<?x32xf32>, tensor<?x16xf32>
    // %c : tensor<?x48xf32>
    ```
  }];
  let arguments = (ins Variadic<Kiln_FloatTensor>:$inputs, I64Attr:$axis);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$inputs `axis` `=` $axis attr-dict `:` type($inputs)";
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Kiln_ReduceOp<string mnemonic, string what>
    : Kiln_Op<mnemonic, [InferTypeOpAdaptor]> {
  let summary = what # " over the given axes";
  let description = [{
    Reduces over `axes` (distinct, in `[-rank, rank)`; negative axes count
    from the end). Without `keepdims` the reduced dimensions are removed;
    with it they stay as size 1, as in `keras.ops}] # "." # mnemonic # [{`.

    ```mlir
    %s = kiln.}] # mnemonic # [{ %x axes = [1] : tensor<?x10xf32>
    // %s : tensor<?xf32>
    %k = kiln.}] # mnemonic # [{ %x axes = [-1] keepdims : tensor<?x10xf32>
    // %k : tensor<?x1xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, DenseI64ArrayAttr:$axes,
                       UnitAttr:$keepdims);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `axes` `=` $axes (`keepdims` $keepdims^)? attr-dict `:` type($input)
  }];
}

def Kiln_ReduceSumOp : Kiln_ReduceOp<"reduce_sum", "sum">;
def Kiln_ReduceMeanOp : Kiln_ReduceOp<"reduce_mean", "arithmetic mean">;
def Kiln_ReduceMaxOp : Kiln_ReduceOp<"reduce_max", "maximum">;

def Kiln_ArgmaxOp : Kiln_Op<"argmax", [InferTypeOpAdaptor]> {
  let summary = "index of the first maximum along one axis";
  let description = [{
    As `keras.ops.argmax` / `K.argmax`: the position of the largest element
    along `axis` (negative counts from the end; the first one on ties), the
    axis removed. The index is a float of the input's type (exact up to
    2^24), so it composes with the other ops; it has no gradient.

    ```mlir
    %i = kiln.argmax %x axis = -1 : tensor<?x10xf32>
    // %i : tensor<?xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Activations and elementwise math
//===----------------------------------------------------------------------===//

class Kiln_UnaryOp<string mnemonic, string formula>
    : Kiln_Op<mnemonic, [InferTypeOpAdaptor]> {
  let summary = "elementwise " # formula;
  let description = [{
    Elementwise `}] # formula # [{`; the result has the input's type.

    ```mlir
    %y = kiln.}] # mnemonic # [{ %x : tensor<?x300xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Kiln_ReluOp : Kiln_UnaryOp<"relu", "max(x, 0)">;
def Kiln_SigmoidOp : Kiln_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Kiln_TanhOp : Kiln_UnaryOp<"tanh", "tanh(x)">;
def Kiln_ExpOp : Kiln_UnaryOp<"exp", "exp(x)">;
def Kiln_LogOp : Kiln_UnaryOp<"log", "log(x)">;
def Kiln_RsqrtOp : Kiln_UnaryOp<"rsqrt", "1 / sqrt(x)">;

def Kiln_HardSigmoidOp
    : Kiln_Op<"hard_sigmoid", [AllTypesMatch<["input", "result"]>]> {
  let summary = "elementwise clip(slope * x + 0.5, 0, 1)";
  let description = [{
    A piecewise-linear sigmoid. Keras 3's `hard_sigmoid` is `relu6(x + 3) / 6`
    (slope 1/6); Keras 1 and 2's is `clip(0.2 x + 0.5, 0, 1)` (slope 0.2).

    ```mlir
    %y = kiln.hard_sigmoid %x slope = 2.000000e-01 : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, F32Attr:$slope);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input `slope` `=` $slope attr-dict `:` type($input)";
}

def Kiln_SoftmaxOp : Kiln_Op<"softmax", [InferTypeOpAdaptor]> {
  let summary = "softmax along one axis";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` along `axis` (negative counts
    from the end; Keras's default is -1). Subtracting the maximum keeps
    `exp` from overflowing.

    ```mlir
    %p = kiln.softmax %z axis = -1 : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

class Kiln_LossOp<string mnemonic, string what, string shapes, string example>
    : Kiln_Op<mnemonic, [InferTypeOpAdaptor]> {
  let summary = "Keras `" # mnemonic # "` loss, averaged over the batch";
  let description = what # [{

    Operands come in Keras's order, `(y_true, y_pred)`, and the result is a
    0-d tensor: the per-sample loss averaged over every sample of the batch
    (Keras's default `sum_over_batch_size` reduction). }] # shapes # [{

    ```mlir
    }] # example # [{
    ```
  }];
  let results = (outs Kiln_ScalarTensor:$result);
  let assemblyFormat = [{
    $y_true `,` $y_pred attr-dict `:` type($y_true) `,` type($y_pred)
  }];
}

// Cross-entropies also take logits (`from_logits`, as in Keras): the loss is
// then computed from log-softmax / log-sigmoid, without clipping, which is
// what Keras's TensorFlow backend does when y_pred comes straight from a
// softmax or sigmoid. Canonicalization folds `loss(softmax(z))` into
// `loss(z) from_logits`, giving the stable (p - y) gradient.
defvar Kiln_CrossentropyFormat = [{
  $y_true `,` $y_pred (`from_logits` $from_logits^)? attr-dict `:` type($y_true) `,` type($y_pred)
}];

class Kiln_DenseLabelLossOp<string mnemonic, string what>
    : Kiln_LossOp<mnemonic, what,
        "`y_true` has `y_pred`'s shape (dynamic dimensions match anything) "
        # "and a floating-point element type.",
        "%l = kiln." # mnemonic # " %y, %p : tensor<?x10xf32>, tensor<?x10xf32>"> {
  let arguments = (ins Kiln_FloatTensor:$y_true, Kiln_FloatTensor:$y_pred);
}

def Kiln_MseOp : Kiln_DenseLabelLossOp<"mse",
  "Mean squared error: `mean((y_true - y_pred)^2)` over the last axis.">;
def Kiln_MaeOp : Kiln_DenseLabelLossOp<"mae",
  "Mean absolute error: `mean(|y_true - y_pred|)` over the last axis.">;
def Kiln_BinaryCrossentropyOp : Kiln_DenseLabelLossOp<"binary_crossentropy", [{
    Binary cross-entropy on probabilities, as Keras computes it:
    `p = clip(y_pred, eps, 1 - eps)`, then
    `-mean(y * log(p) + (1 - y) * log(1 - p))` over the last axis.
    With `from_logits`, `y_pred` holds logits `z` and the per-element loss is
    `max(z, 0) - z * y + log(1 + exp(-|z|))`. `eps` is the `epsilon`
    attribute, Keras's backend epsilon (1e-7 when absent).
  }]> {
  let arguments = (ins Kiln_FloatTensor:$y_true, Kiln_FloatTensor:$y_pred,
                       UnitAttr:$from_logits, OptionalAttr<F64Attr>:$epsilon);
  let assemblyFormat = Kiln_CrossentropyFormat;
  let hasCanonicalizer = 1;
}
def Kiln_CategoricalCrossentropyOp : Kiln_DenseLabelLossOp<"categorical_crossentropy", [{
    Categorical cross-entropy on probabilities along the last axis, as Keras
    computes it: `p = y_pred / sum(y_pred)`, clipped to `[eps, 1 - eps]`,
    then `-sum(y_true * log(p))`. With `from_logits`, `y_pred` holds logits
    and the loss is `-sum(y_true * log_softmax(y_pred))`. `eps` is the
    `epsilon` attribute, Keras's backend epsilon (1e-7 when absent).
  }]> {
  let arguments = (ins Kiln_FloatTensor:$y_true, Kiln_FloatTensor:$y_pred,
                       UnitAttr:$from_logits, OptionalAttr<F64Attr>:$epsilon);
  let assemblyFormat = Kiln_CrossentropyFormat;
  let hasCanonicalizer = 1;
}

def Kiln_SparseCategoricalCrossentropyOp
    : Kiln_LossOp<"sparse_categorical_crossentropy", [{
    Categorical cross-entropy with integer class labels:
    `-log(clip(p[label], eps, 1 - eps))` where `p` is `y_pred`
    normalized along the last axis (`eps`: the `epsilon` attribute, 1e-7
    when absent).
  }], [{`y_pred` has shape `(..., classes)`; `y_true` has shape `(...)` or
    `(..., 1)` and holds class indices as `i32`, `i64` or a floating-point
    type holding whole numbers (Keras casts float labels to integers).
    A label outside `[0, classes)` is a run-time error reported by the runtime
    before the step runs.}],
    "%l = kiln.sparse_categorical_crossentropy %labels, %p : tensor<?xi32>, tensor<?x10xf32>"> {
  let arguments = (ins Kiln_LabelTensor:$y_true, Kiln_FloatTensor:$y_pred,
                       UnitAttr:$from_logits, OptionalAttr<F64Attr>:$epsilon);
  let assemblyFormat = Kiln_CrossentropyFormat;
  let hasCanonicalizer = 1;
}

include "dialects/Kiln/IR/KilnGradientOps.td"
include "dialects/Kiln/IR/KilnOptimizerOps.td"
include "dialects/Kiln/IR/KilnMetricOps.td"
include "dialects/Kiln/IR/KilnAutodiffOps.td"
include "dialects/Kiln/IR/KilnLoopOps.td"
include "dialects/Kiln/IR/KilnEmbeddingOps.td"
include "dialects/Kiln/IR/KilnRegularizationOps.td"
include "dialects/Kiln/IR/KilnDistributedOps.td"

#endif // KILN_OPS_TD
