//===- KilnMetricOps.td - Keras accuracy metrics ----------*- tablegen -*-===//
//
// Metrics are not differentiated; each yields the batch mean as a 0-d tensor
// and the runtime averages batches weighted by their size, as Keras's
// stateful metrics do.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_METRIC_OPS_TD
#define KILN_METRIC_OPS_TD

def Kiln_BinaryAccuracyOp : Kiln_Op<"binary_accuracy", [InferTypeOpAdaptor]> {
  let summary = "mean of (y_pred > threshold) == y_true";
  let description = [{
    Keras `binary_accuracy` (threshold 0.5): the fraction of elements whose
    thresholded prediction equals the 0/1 target.

    ```mlir
    %a = kiln.binary_accuracy %y, %p threshold = 5.000000e-01 : tensor<?x1xf32>, tensor<?x1xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$y_true, Kiln_FloatTensor:$y_pred,
                       F32Attr:$threshold);
  let results = (outs Kiln_ScalarTensor:$result);
  let assemblyFormat = [{
    $y_true `,` $y_pred `threshold` `=` $threshold attr-dict `:` type($y_true) `,` type($y_pred)
  }];
}

def Kiln_CategoricalAccuracyOp : Kiln_Op<"categorical_accuracy", [InferTypeOpAdaptor]> {
  let summary = "mean of argmax(y_true) == argmax(y_pred)";
  let description = [{
    Keras `categorical_accuracy` on one-hot targets; ties pick the first
    index, as `argmax` does.

    ```mlir
    %a = kiln.categorical_accuracy %y, %p : tensor<?x10xf32>, tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$y_true, Kiln_FloatTensor:$y_pred);
  let results = (outs Kiln_ScalarTensor:$result);
  let assemblyFormat = "$y_true `,` $y_pred attr-dict `:` type($y_true) `,` type($y_pred)";
}

def Kiln_SparseCategoricalAccuracyOp
    : Kiln_Op<"sparse_categorical_accuracy", [InferTypeOpAdaptor]> {
  let summary = "mean of label == argmax(y_pred)";
  let description = [{
    Keras `sparse_categorical_accuracy` on integer (or whole float) labels
    shaped like `y_pred` without its class axis, optionally with a trailing 1.

    ```mlir
    %a = kiln.sparse_categorical_accuracy %labels, %p : tensor<?xi32>, tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Kiln_LabelTensor:$y_true, Kiln_FloatTensor:$y_pred);
  let results = (outs Kiln_ScalarTensor:$result);
  let assemblyFormat = "$y_true `,` $y_pred attr-dict `:` type($y_true) `,` type($y_pred)";
}

#endif // KILN_METRIC_OPS_TD
