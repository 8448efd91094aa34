//===- KilnRegularizationOps.td - Training-only ops -------*- tablegen -*-===//
//
// Ops that only the training step contains: its functions are emitted with
// Keras's `training=True`, the evaluation and prediction steps without them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_REGULARIZATION_OPS_TD
#define KILN_REGULARIZATION_OPS_TD

def Kiln_DropoutOp : Kiln_Op<"dropout", [AllTypesMatch<["input", "result"]>]> {
  let summary = "inverted dropout with a counter-based mask";
  let description = [{
    Each element is kept with probability `1 - rate` and then scaled by
    `1 / (1 - rate)`, or set to 0 (Keras's `Dropout` in training). The mask
    is a hash of the element's row-major position, `seed` and the 0-d
    `step` (the optimizer's iteration count in a train step): every step
    draws a new mask, and the same `(step, seed)` gives the same mask again,
    so the op is its own adjoint (the gradient drops the same elements) and
    nothing is stored for the backward pass.

    ```mlir
    %y = kiln.dropout %x, %step rate = 5.000000e-01 seed = 7
        : tensor<?x300xf32>, tensor<i64>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_CounterTensor:$step,
                       F32Attr:$rate, I64Attr:$seed);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $step `rate` `=` $rate `seed` `=` $seed attr-dict `:`
    type($input) `,` type($step)
  }];
  let hasVerifier = 1;
}

#endif // KILN_REGULARIZATION_OPS_TD
