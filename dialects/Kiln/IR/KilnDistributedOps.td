//===- KilnDistributedOps.td - Data-parallel collectives ---*- tablegen -*-===//
//
// What a data-parallel train step adds (kiln-data-parallel): its gradients,
// flattened into buckets, reduced across the replicas before the optimizer
// update reads them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DISTRIBUTED_OPS_TD
#define KILN_DISTRIBUTED_OPS_TD

def Kiln_ReduceMode : I32EnumAttr<"ReduceMode", "how replicas' values combine", [
    I32EnumAttrCase<"sum", 0>,
    I32EnumAttrCase<"mean", 1>
  ]> {
  let cppNamespace = "::kiln";
}

// Not Pure: every replica must make the same calls in the same order, so it
// is neither removed, merged nor moved.
def Kiln_AllReduceOp : Op<Kiln_Dialect, "all_reduce",
    [AllTypesMatch<["input", "result"]>,
     MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "combine a tensor across the replicas of a data-parallel step";
  let description = [{
    Every replica (process) of a data-parallel training step passes its own
    value; each gets back the combination. `sum` adds them; `mean` is the
    mean over the global batch: each replica's value weighted by its share
    of the batch's rows (the runtime knows them; an even split gives the
    plain mean), so a ragged last batch gives the same result as one
    process. It bufferizes in place and lowers to a call of the runtime's
    `kiln_all_reduce_f32` on the buffer; with one process it returns its
    input.

    ```mlir
    %g = kiln.all_reduce %bucket mode = mean : tensor<235146xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_ReduceMode:$mode);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input `mode` `=` $mode attr-dict `:` type($input)";
  let hasVerifier = 1;
}

#endif // KILN_DISTRIBUTED_OPS_TD
