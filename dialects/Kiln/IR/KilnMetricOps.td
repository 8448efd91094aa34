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

def Kiln_TopKCategoricalAccuracyOp
    : Kiln_Op<"top_k_categorical_accuracy", [InferTypeOpAdaptor]> {
  let summary = "mean of argmax(y_true) among the k highest y_pred";
  let description = [{
    Keras `top_k_categorical_accuracy` on one-hot targets: a row counts when
    fewer than `k` classes score strictly above the target class (so classes
    tied with it at the k-th place count, as `in_top_k` does).

    ```mlir
    %a = kiln.top_k_categorical_accuracy %y, %p k = 5 : tensor<?x10xf32>, tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$y_true, Kiln_FloatTensor:$y_pred,
                       ConfinedAttr<I64Attr, [IntPositive]>:$k);
  let results = (outs Kiln_ScalarTensor:$result);
  let assemblyFormat = [{
    $y_true `,` $y_pred `k` `=` $k attr-dict `:` type($y_true) `,` type($y_pred)
  }];
}

def Kiln_SparseTopKCategoricalAccuracyOp
    : Kiln_Op<"sparse_top_k_categorical_accuracy", [InferTypeOpAdaptor]> {
  let summary = "mean of label among the k highest y_pred";
  let description = [{
    Keras `sparse_top_k_categorical_accuracy`: as
    `kiln.top_k_categorical_accuracy` with integer (or whole float) labels
    shaped like `y_pred` without its class axis, optionally with a trailing 1.

    ```mlir
    %a = kiln.sparse_top_k_categorical_accuracy %labels, %p k = 5 : tensor<?xi32>, tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Kiln_LabelTensor:$y_true, Kiln_FloatTensor:$y_pred,
                       ConfinedAttr<I64Attr, [IntPositive]>:$k);
  let results = (outs Kiln_ScalarTensor:$result);
  let assemblyFormat = [{
    $y_true `,` $y_pred `k` `=` $k attr-dict `:` type($y_true) `,` type($y_pred)
  }];
}

def Kiln_ConfusionCountsOp : Kiln_Op<"confusion_counts", [InferTypeOpAdaptor]> {
  let summary = "true/false positives/negatives of a batch at each threshold";
  let description = [{
    The batch's counts behind Keras's confusion metrics (`Precision`,
    `Recall`, `AUC`, `TruePositives`, ...), one column per threshold:
    row 0 true positives, 1 false positives, 2 true negatives, 3 false
    negatives. An element is a positive label when `y_true != 0` and a
    positive prediction when `y_pred > threshold` (strictly), as Keras's
    `update_confusion_matrix_variables`; every element of the batch counts
    (multi-dimensional outputs are flattened). With `class_id`, only that
    index of the last axis counts; with `top_k`, only the `k` highest
    predictions of each row (ties go to the lower index, as `top_k` picks)
    can be positive. The runtime sums the counts over an epoch.

    ```mlir
    %c = kiln.confusion_counts %y, %p thresholds = [5.000000e-01] class_id = 2 : tensor<?x10xf32>, tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$y_true, Kiln_FloatTensor:$y_pred,
                       DenseF32ArrayAttr:$thresholds,
                       OptionalAttr<ConfinedAttr<I64Attr, [IntPositive]>>:$top_k,
                       OptionalAttr<ConfinedAttr<I64Attr, [IntNonNegative]>>:$class_id);
  let results = (outs 2DTensorOf<[F32, F16, BF16]>:$counts);
  let assemblyFormat = [{
    $y_true `,` $y_pred `thresholds` `=` $thresholds (`top_k` `=` $top_k^)?
    (`class_id` `=` $class_id^)? attr-dict `:` type($y_true) `,` type($y_pred)
  }];
}

#endif // KILN_METRIC_OPS_TD
