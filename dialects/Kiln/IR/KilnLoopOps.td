//===- KilnLoopOps.td - Recurrence and gate splitting -----*- tablegen -*-===//
//
// `kiln.scan` keeps a recurrent layer's time loop a loop: its region is one
// time step, so the IR (and compile time) does not grow with the sequence
// length, which may be dynamic. `kiln.split` cuts the fused gate
// pre-activations of LSTM and GRU into their gates.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOOP_OPS_TD
#define KILN_LOOP_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Kiln_SplitOp : Kiln_Op<"split", [InferTypeOpAdaptor]> {
  let summary = "cut a tensor along one axis into parts of given sizes";
  let description = [{
    Result `i` holds the `sizes[i]` consecutive entries of `axis` that follow
    the earlier parts. The sizes must add up to the (static) size of `axis`;
    the other dimensions pass through. LSTM splits its `(batch, 4 * units)`
    gate pre-activations into i, f, c and o this way, after one matmul for
    all gates.

    ```mlir
    %i, %f, %c, %o = kiln.split %z axis = 1 sizes = [8, 8, 8, 8] : tensor<?x32xf32>
    // each : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<Kiln_FloatTensor>:$results);
  let assemblyFormat = [{
    $input `axis` `=` $axis `sizes` `=` $sizes attr-dict `:` type($input)
  }];
}

def Kiln_ZerosOp : Kiln_Op<"zeros"> {
  let summary = "a tensor of zeros whose dynamic sizes are given";
  let description = [{
    One `index` operand per dynamic dimension of the result, in order, as
    `tensor.empty` takes them. A recurrent layer's initial state is zeros of
    shape `(batch, units)`, the batch taken from its input with `tensor.dim`;
    integers carry no gradient, so the state depends on no weight.

    ```mlir
    %b = tensor.dim %x, %c0 : tensor<?x28x28xf32>
    %h0 = kiln.zeros %b : tensor<?x128xf32>
    ```
  }];
  let arguments = (ins Variadic<Index>:$dynamic_sizes);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$dynamic_sizes attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Kiln_ScanOp : Op<Kiln_Dialect, "scan", [
    IsolatedFromAbove, RecursiveMemoryEffects, RecursivelySpeculatable,
    AttrSizedOperandSegments]> {
  let summary = "a loop over the leading axis of sequences, carrying state";
  let description = [{
    Runs the region once per entry of the leading axis (time) of the
    `sequences`, which all have the same length `T` (dynamic or static). The
    region's block receives, in order: one step of each sequence (its type
    without the leading axis), the carried values (starting from `init`),
    and the `captures` (loop-invariant values such as a recurrent kernel; the
    region is isolated from above, so everything it reads comes in this way).
    `kiln.yield` gives the next carried values, then zero or more per-step
    outputs.

    The results are the final carried values, then each per-step output
    stacked along a new leading axis of length `T`. With `reverse` the steps
    run from `T - 1` down to `0`, and step `t` still reads entry `t` of the
    sequences and writes entry `t` of the stacked outputs (the backward pass
    of a scan is a reverse scan of this kind).

    A per-step output's dynamic sizes are those of the first sequence step or
    carried value of the same type, so that the stacked result can be
    allocated before the loop; the verifier requires one.

    ```mlir
    %h, %hs = kiln.scan sequences(%xw : tensor<5x?x4xf32>)
                        init(%h0 : tensor<?x4xf32>)
                        captures(%u : tensor<4x4xf32>)
                        -> tensor<?x4xf32>, tensor<5x?x4xf32> {
    ^bb0(%x: tensor<?x4xf32>, %h: tensor<?x4xf32>, %u: tensor<4x4xf32>):
      %r = kiln.matmul %h, %u : tensor<?x4xf32>, tensor<4x4xf32>
      %s = kiln.add %x, %r : tensor<?x4xf32>, tensor<?x4xf32>
      %n = kiln.tanh %s : tensor<?x4xf32>
      kiln.yield %n, %n : tensor<?x4xf32>, tensor<?x4xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<Kiln_FloatTensor>:$sequences,
                       Variadic<Kiln_FloatTensor>:$inits,
                       Variadic<Kiln_FloatTensor>:$captures,
                       UnitAttr:$reverse);
  let results = (outs Variadic<Kiln_FloatTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    (`reverse` $reverse^)?
    `sequences` `(` $sequences `:` type($sequences) `)`
    (`init` `(` $inits^ `:` type($inits) `)`)?
    (`captures` `(` $captures^ `:` type($captures) `)`)?
    `->` type($results) $body attr-dict
  }];
  let hasRegionVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// The region's block arguments, grouped as the operands are.
    ::mlir::Block::BlockArgListType getStepArguments() {
      return getBody().front().getArguments().take_front(getSequences().size());
    }
    ::mlir::Block::BlockArgListType getCarriedArguments() {
      return getBody().front().getArguments()
          .drop_front(getSequences().size()).take_front(getInits().size());
    }
    ::mlir::Block::BlockArgListType getCaptureArguments() {
      return getBody().front().getArguments().take_back(getCaptures().size());
    }
    /// The final carried values, then the stacked per-step outputs.
    ::mlir::ResultRange getFinalCarried() {
      return getResults().take_front(getInits().size());
    }
    ::mlir::ResultRange getStackedOutputs() {
      return getResults().drop_front(getInits().size());
    }
    YieldOp getYield();
    /// The sequences' length: static when some sequence knows it.
    int64_t getLength();
    /// `stacked` without its leading (time) axis.
    static ::mlir::RankedTensorType getStepType(::mlir::Type stacked);
    /// `step` with a leading axis of `length`.
    static ::mlir::RankedTensorType getStackedType(::mlir::Type step,
                                                   int64_t length);
    /// Whether per-step values of type `step` can be stacked: their sizes
    /// are known before the loop, being static or those of one of `sized`
    /// (the types of sequence steps and carried values).
    static bool canStack(::mlir::Type step, ::mlir::TypeRange sized);
  }];
}

def Kiln_YieldOp : Op<Kiln_Dialect, "yield",
    [Pure, Terminator, HasParent<"ScanOp">]> {
  let summary = "end of one kiln.scan step";
  let description = [{
    The next carried values, then the step's outputs, in the order of the
    enclosing `kiln.scan`'s results.
  }];
  let arguments = (ins Variadic<Kiln_FloatTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // KILN_LOOP_OPS_TD
