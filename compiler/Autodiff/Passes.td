//===- Passes.td - Reverse-mode automatic differentiation --*- tablegen -*-===//
//
// One pass: kiln-autodiff. The derivatives themselves are not here; each
// differentiable kiln op carries its vector-Jacobian product as an external
// model of kiln::GradientOpInterface (compiler/Autodiff/Gradients/).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_AUTODIFF_PASSES_TD
#define KILN_AUTODIFF_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnAutodiffPass : Pass<"kiln-autodiff", "mlir::ModuleOp"> {
  let summary = "Reverse-mode differentiation of kiln loss functions";
  let description = [{
    Generates, for every `func.func` that has an argument carrying the unit
    attribute `kiln.trainable` and for every function named by a
    `kiln.value_and_grad`, a function `@<name>_grad` with the same arguments
    that returns the original results followed by the gradient of result #0
    (a 0-d loss) with respect to each trainable argument, in argument order.
    Each `kiln.value_and_grad @f(args)` then becomes `func.call @f_grad(args)`.
    A gradient function carries `kiln.gradient_of = @f`; running the pass
    again reuses it instead of generating a second one.

    ### Algorithm

    1. Clone `@f` into `@f_grad` and run the kiln canonicalization patterns
       on the clone: `crossentropy(softmax(z))` becomes
       `crossentropy(z) from_logits` (and binary cross-entropy of a sigmoid
       likewise), so the loss gradient is the stable `(softmax(z) - y)/batch`
       rather than a division by a probability.
    2. Activity analysis over the single block: a value is *varied* when it
       depends on a trainable argument (forward) and *useful* when result #0
       depends on it (backward). Only ops with a varied-and-useful result
       are differentiated, so metrics, label processing and frozen branches
       cost nothing and need no gradient. An active op without a gradient
       (an optimizer, metric or gradient op, an unknown op) is an error
       naming it; so is a region op or a call (see below).
    3. Seed the loss adjoint with a 0-d `1.0` and walk the active ops in
       reverse, calling `GradientOpInterface::buildVJP` on each. Operand
       adjoints must have the operand's exact type: broadcasting ops reduce
       theirs with `kiln.reduce_like`. A value read by several ops (fan-out)
       receives the sum of their contributions through `kiln.add`.
    4. Return the adjoint of each trainable argument; one the loss does not
       depend on gets zeros (`arith.constant dense<0.0>`, or a
       `kiln.broadcast_like` of a 0-d zero when its shape is dynamic).
       Finally erase every op nobody reads: adjoints that were built for
       inactive operands (the input adjoint of the first layer, non-trainable
       weights, labels) and dead forward values.

    ### Example

    ```mlir
    func.func @loss(%x: tensor<?x4xf32>, %w: tensor<4x3xf32> {kiln.trainable},
                    %b: tensor<3xf32> {kiln.trainable}, %y: tensor<?xi32>)
        -> (tensor<f32>, tensor<f32>) {
      %z = kiln.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x3xf32>, tensor<3xf32>
      %p = kiln.softmax %z axis = -1 : tensor<?x3xf32>
      %l = kiln.sparse_categorical_crossentropy %y, %p : tensor<?xi32>, tensor<?x3xf32>
      %a = kiln.sparse_categorical_accuracy %y, %p : tensor<?xi32>, tensor<?x3xf32>
      return %l, %a : tensor<f32>, tensor<f32>
    }
    ```

    gains, next to it:

    ```mlir
    func.func @loss_grad(%x: tensor<?x4xf32>, %w: tensor<4x3xf32> {kiln.trainable},
                         %b: tensor<3xf32> {kiln.trainable}, %y: tensor<?xi32>)
        -> (tensor<f32>, tensor<f32>, tensor<4x3xf32>, tensor<3xf32>)
        attributes {kiln.gradient_of = @loss} {
      %z = kiln.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x3xf32>, tensor<3xf32>
      %p = kiln.softmax %z axis = -1 : tensor<?x3xf32>
      %l = kiln.sparse_categorical_crossentropy %y, %z from_logits : tensor<?xi32>, tensor<?x3xf32>
      %a = kiln.sparse_categorical_accuracy %y, %p : tensor<?xi32>, tensor<?x3xf32>
      %one = arith.constant dense<1.000000e+00> : tensor<f32>
      %dz = kiln.loss_grad %y, %z, %one kind = sparse_categorical_crossentropy from_logits
          : tensor<?xi32>, tensor<?x3xf32>, tensor<f32>
      %dw = kiln.matmul %x, %dz transpose_lhs : tensor<?x4xf32>, tensor<?x3xf32>
      %db = kiln.reduce_sum %dz axes = [0] : tensor<?x3xf32>
      return %l, %a, %dw, %db : tensor<f32>, tensor<f32>, tensor<4x3xf32>, tensor<3xf32>
    }
    ```

    (`%x`'s adjoint, `kiln.matmul %dz, %w transpose_rhs`, was built and
    erased as dead; the softmax only feeds the metric now.)

    ### Regions: how loops will be differentiated

    Today a region op (`scf.for`, `scf.if`, a future `kiln.scan`) or a call
    on the active path is rejected with "cannot differentiate through 'X'
    yet". An RNN's time loop will be handled without changing any op's
    gradient: the per-op `GradientOpInterface::buildVJP` stays as it is and
    is reused for the ops of the loop body. What the pass gains is a
    region-op interface (say `RegionGradientOpInterface`, attached to
    `scf.for` and `kiln.scan` as external models the same way) with two
    methods: one that rewrites the forward loop to save the per-iteration
    values the body's VJPs read (its activations: the hidden state, gate
    outputs) into a tape, a tensor with a leading iteration dimension written
    with `tensor.insert_slice` at the induction variable and returned as an
    extra loop result; and one that builds the reverse loop, running from
    the last iteration to the first, reading that iteration's activations
    back with `tensor.extract_slice`, running the body's reverse sweep (the
    same activity analysis and `buildVJP` calls as the straight-line code,
    applied recursively to the body block) and carrying the adjoints of the
    loop-carried values (`iter_args`) from one iteration to the previous as
    its own `iter_args`. Adjoints of values captured from above (the
    weights) are accumulated across iterations as further loop-carried
    values and joined into the enclosing sweep through the same fan-out
    `kiln.add`. The activity analysis already looks at values a region
    captures from above, and the reverse sweep treats an op as a unit that
    maps result adjoints to operand adjoints, so a region op plugs in as one
    more op of the enclosing block.
  }];
  let dependentDialects = ["kiln::KilnDialect", "mlir::func::FuncDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::tensor::TensorDialect"];
}

#endif // KILN_AUTODIFF_PASSES_TD
