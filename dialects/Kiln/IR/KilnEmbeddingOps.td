//===- KilnEmbeddingOps.td - Table lookup and its adjoint -*- tablegen -*-===//

#ifndef KILN_EMBEDDING_OPS_TD
#define KILN_EMBEDDING_OPS_TD

def Kiln_EmbeddingOp : Kiln_Op<"embedding", [InferTypeOpAdaptor]> {
  let summary = "row lookup in a table (Keras Embedding)";
  let description = [{
    Result `[i..., k]` is `table[ids[i...], k]`: the ids' shape followed by
    the table's row length. Ids are integers or floats holding whole numbers
    (Keras casts them); an id outside `[0, rows)` reads row 0 or the last row
    (clamped), so no lookup leaves the table.

    ```mlir
    %e = kiln.embedding %ids, %table : tensor<?x100xf32>, tensor<500x16xf32>
    // %e : tensor<?x100x16xf32>
    ```
  }];
  let arguments = (ins Kiln_LabelTensor:$ids, Kiln_FloatTensor:$table);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $table attr-dict `:` type($ids) `,` type($table)
  }];
}

def Kiln_EmbeddingGradOp : Kiln_Op<"embedding_grad", [InferTypeOpAdaptor]> {
  let summary = "adjoint of embedding's table: rows of dy summed by id";
  let description = [{
    A tensor of `table`'s type whose row `v` is the sum of the rows of `dy`
    (shape: the ids' shape followed by the row length) whose id is `v`
    (clamped as `kiln.embedding` clamps it).

    ```mlir
    %dt = kiln.embedding_grad %ids, %dy, %table
        : tensor<?x100xf32>, tensor<?x100x16xf32>, tensor<500x16xf32>
    ```
  }];
  let arguments = (ins Kiln_LabelTensor:$ids, Kiln_FloatTensor:$dy,
                       Kiln_FloatTensor:$table);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $dy `,` $table attr-dict `:` type($ids) `,` type($dy) `,` type($table)
  }];
}

#endif // KILN_EMBEDDING_OPS_TD
