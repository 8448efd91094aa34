//===- Passes.td - Kiln transformations ---------------------*- tablegen -*-===//
//
// Passes grouped as: model-level (building the step functions a runtime
// calls). Fusion and tiling passes join this file under their own banners.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TRANSFORMS_PASSES_TD
#define KILN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Model-level
//===----------------------------------------------------------------------===//

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
    // the step counter, the batch, and one f32 per loss/metric result.
    func.func @train_step(%w: memref<4x2xf32>, %m: memref<4x2xf32>,
                          %v: memref<4x2xf32>, %it: memref<i64>,
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

    Hyper-parameters default to Keras's: SGD learning_rate 0.01 (momentum 0,
    nesterov off); RMSprop 0.001, rho 0.9; Adam 0.001, beta_1 0.9, beta_2
    0.999; Adagrad 0.001; epsilon 1e-7. A negative learning rate selects the
    optimizer's default.
  }];
  let options = [
    Option<"optimizer", "optimizer", "std::string", /*default=*/"\"sgd\"",
           "sgd, rmsprop, adam or adagrad">,
    Option<"learningRate", "learning-rate", "double", /*default=*/"-1.0",
           "learning rate; negative means the optimizer's Keras default">,
    Option<"momentum", "momentum", "double", /*default=*/"0.0",
           "SGD momentum">,
    Option<"nesterov", "nesterov", "bool", /*default=*/"false",
           "SGD Nesterov momentum">,
    Option<"rho", "rho", "double", /*default=*/"0.9", "RMSprop decay">,
    Option<"beta1", "beta-1", "double", /*default=*/"0.9", "Adam beta_1">,
    Option<"beta2", "beta-2", "double", /*default=*/"0.999", "Adam beta_2">,
    Option<"epsilon", "epsilon", "double", /*default=*/"1e-7",
           "RMSprop/Adam/Adagrad epsilon">,
  ];
  let dependentDialects = [
    "kiln::KilnDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::memref::MemRefDialect", "mlir::tensor::TensorDialect",
    "mlir::arith::ArithDialect", "mlir::func::FuncDialect"
  ];
}

//===----------------------------------------------------------------------===//
// Buffer-level
//===----------------------------------------------------------------------===//

def KilnMemrefCopyToLinalgPass
    : Pass<"kiln-memref-copy-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Turn memref.copy into linalg.copy";
  let description = [{
    Bufferization materializes copies as `memref.copy`, which LLVM lowering
    turns into a call to the `memrefCopy` runtime function whenever a side
    is a strided view (a slice of a padded tensor, say). Kiln's generated
    code must not depend on MLIR's runner libraries, so copies become
    `linalg.copy` and lower to loops like every other linalg op.

    ```mlir
    memref.copy %a, %b : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
    // becomes
    linalg.copy ins(%a : memref<4x4xf32, strided<[8, 1]>>) outs(%b : memref<4x4xf32>)
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

#endif // KILN_TRANSFORMS_PASSES_TD
