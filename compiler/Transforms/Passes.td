//===- Passes.td - Kiln transformations ---------------------*- tablegen -*-===//
//
// Passes grouped as: model-level (building the step functions a runtime
// calls), tensor-level code generation (fusion, tiling, vectorization) and
// buffer-level (after one-shot bufferization).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TRANSFORMS_PASSES_TD
#define KILN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Model-level
//===----------------------------------------------------------------------===//

def KilnDataParallelPass : Pass<"kiln-data-parallel", "mlir::ModuleOp"> {
  let summary = "Reduce a train step's gradients across data-parallel replicas";
  let description = [{
    Runs after `kiln-make-steps`. In `@train_step`, the gradients that
    `kiln.value_and_grad` returns, and the new values of non-trainable
    state (moving statistics), are flattened and packed in order into
    buckets of at most `bucket-bytes` (a value larger than that is a bucket
    of its own), each bucket is combined across the replicas with one
    `kiln.all_reduce mode = mean`, and the optimizer update reads the
    reduced values, sliced back out. A step makes one collective call per
    bucket, not one per tensor, as DDP and Horovod fuse theirs.

    ```mlir
    %l, %g0, %g1 = kiln.value_and_grad @loss(...)
    // becomes
    %f0 = kiln.reshape %g0 : tensor<4x3xf32> -> tensor<12xf32>
    %b = kiln.concatenate %f0, %g1 axis = 0 : tensor<12xf32>, tensor<3xf32>
    %r = kiln.all_reduce %b mode = mean : tensor<15xf32>
    %s0 = tensor.extract_slice %r[0] [12] [1] : tensor<15xf32> to tensor<12xf32>
    %r0 = kiln.reshape %s0 : tensor<12xf32> -> tensor<4x3xf32>
    %s1 = tensor.extract_slice %r[12] [3] [1] : tensor<15xf32> to tensor<3xf32>
    ```
  }];
  let options = [
    Option<"bucketBytes", "bucket-bytes", "int64_t", "25 << 20",
           "the most bytes of values packed into one bucket (DDP's default "
           "bucket_cap_mb is 25)">
  ];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

def KilnMakeStepsPass : Pass<"kiln-make-steps", "mlir::ModuleOp"> {
  let summary = "Build train_step, eval_step and predict_step around a model";
  let description = [{
    The frontend emits two tensor functions: `@forward(params..., inputs...)
    -> outputs` and `@loss(params..., inputs..., targets...) -> (loss,
    metrics...)`. Parameter arguments carry `kiln.param`; in `@loss` the
    trainable ones also carry `kiln.trainable` (not in `@forward`, which is
    never differentiated). This pass adds the three entry points the runtime
    calls, all on memrefs, with `llvm.emit_c_interface`:

    ```mlir
    // params, then optimizer slots (slot-major: all m's, then all v's),
    // the step counter, the learning rate, the batch, and one f32 per
    // loss/metric result.
    func.func @train_step(%w: memref<4x2xf32>, %m: memref<4x2xf32>,
                          %v: memref<4x2xf32>, %it: memref<i64>,
                          %lr: memref<f32>,
                          %x: memref<?x4xf32>, %y: memref<?xi32>,
                          %out: memref<2xf32>)
    func.func @eval_step(%w: memref<4x2xf32>, %x: memref<?x4xf32>,
                         %y: memref<?xi32>, %out: memref<2xf32>)
    func.func @predict_step(%w: memref<4x2xf32>, %x: memref<?x4xf32>,
                            %pred: memref<?x2xf32>)
    ```

    `train_step` reads the parameters and state through
    `bufferization.to_tensor restrict writable`, asks for the gradient with
    `kiln.value_and_grad @loss`, applies the optimizer's update op to every
    trainable parameter, writes parameters and state back with
    `bufferization.materialize_in_destination` (in place: one-shot
    bufferization reuses the argument buffers, no copy), increments the
    step counter and stores the loss and metrics into `%out`. `@forward` and
    `@loss` become private so that they are inlined and dropped.

    A model whose layers behave differently in training (Dropout,
    BatchNormalization) also has `@train_loss`, the same computation with
    Keras's `training=True`; `train_step` then differentiates it instead of
    `@loss`, which evaluation keeps. It may end with an argument marked
    `kiln.step` (a `tensor<i64>`: `train_step` passes the step counter,
    which draws a new dropout mask per step) and may return, after the loss
    and metrics, the new values of non-trainable parameters named by its
    `kiln.state_updates = array<i64: ...>` (BatchNormalization's moving
    statistics), which `train_step` writes back in place.

    The optimizer is the module's `kiln.optimizer` attribute
    (`#kiln.optimizer<kind = adam, learning_rate = 1.0e-03>`; Keras's
    `SGD(learning_rate=0.01)` when there is none). The update reads the
    learning rate from the `%lr` argument, so the value in the attribute is
    the runtime's starting value only. Each step records its argument
    layout as `kiln.step_layout` (runtime/abi/StepLayout.h).
  }];
  let dependentDialects = [
    "kiln::KilnDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::memref::MemRefDialect", "mlir::tensor::TensorDialect",
    "mlir::arith::ArithDialect", "mlir::func::FuncDialect"
  ];
}

//===----------------------------------------------------------------------===//
// Tensor-level code generation
//===----------------------------------------------------------------------===//

def KilnFuseElementwisePass
    : Pass<"kiln-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Upstream elementwise fusion that keeps contractions whole";
  let description = [{
    Upstream's `linalg-fuse-elementwise-ops` (elementwise producers fused
    into their only consumer, reshapes propagated by expanding the ops
    around them, constants folded), except that a reshape is not folded
    into or out of an op with reduction loops: with a static batch, the
    Flatten before a Dense (`tensor<1x28x28xf32>` collapsed to `1x784`)
    otherwise expands the matmul into a contraction over 28 x 28 with its
    weights viewed as `28x28x300`, which kiln-tile does not recognize as a
    matmul and runs as strided scalar loops (9x slower at batch 1).

    ```mlir
    %c = tensor.collapse_shape %x [[0], [1, 2]]
        : tensor<1x28x28xf32> into tensor<1x784xf32>
    %y = linalg.matmul ins(%c, %w : tensor<1x784xf32>, tensor<784x300xf32>)
        outs(%acc : tensor<1x300xf32>) -> tensor<1x300xf32>
    // stays a matmul on the collapsed input
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::affine::AffineDialect"];
}

def KilnFusePass : Pass<"kiln-fuse", "mlir::func::FuncOp"> {
  let summary = "Graph-level rewrites that remove passes over memory";
  let description = [{
    Runs on linalg on tensors, after upstream elementwise fusion and before
    kiln-tile (which fuses producers and consumers into tiles):

    * An elementwise result read only by reductions that depend on each
      other (the softmax read by the two reductions of a first arg-max: the
      maximum, then the lowest index holding it) is recomputed in each of
      them instead of being written; upstream elementwise fusion fuses a
      producer into its only consumer, not into two.
    * An elementwise op that reads an elementwise result through a
      `tensor.collapse_shape` (the relu gradient after a max-pool gradient
      computed window by window) is expanded to the producer's shape, so
      that kiln-tile fuses the two into one pass.
    * Scalar loss and metric reductions (0-d results) move down to their
      first user, the store at the end of the step: the row statistics of
      softmax + cross-entropy are then used by nothing before the gradient,
      and kiln-tile computes statistics and gradient in one pass over rows.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::arith::ArithDialect"];
}

def KilnCountMemoryPassesPass
    : Pass<"kiln-count-memory-passes", "mlir::func::FuncOp"> {
  let summary = "Count a function's passes over memory and the bytes they move";
  let description = [{
    An analysis for tests and benchmarks. A pass over memory is one linalg op
    at the function's top level, or one loop nest kiln-tile made (the peeled
    loops of a kernel, marked with the same `kiln.kernel` id, count once).
    Its bytes are the sizes of the tensors it reads from outside and writes,
    with dynamic sizes taken as `batch`. The counts become attributes of the
    function and a remark:

    ```mlir
    func.func @train_step(...) attributes {kiln.memory_passes = 18 : i64,
                                           kiln.memory_bytes = 4829184 : i64}
    // remark: 18 memory passes, 4829184 bytes at batch 32
    ```
  }];
  let options = [
    Option<"batch", "batch", "int64_t", /*default=*/"32",
           "size of dynamic dimensions (the batch)">,
    Option<"remarks", "remarks", "bool", /*default=*/"true",
           "emit a remark with the counts">,
  ];
}

#endif // KILN_TRANSFORMS_PASSES_TD
