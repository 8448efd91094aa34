//===- KilnOptimizerOps.td - Keras optimizer updates -------*- tablegen -*-===//
//
// One op per Keras 3 optimizer: it reads a parameter, its gradient and its
// optimizer state once and yields the new parameter and state, so the update
// lowers to a single pass over each parameter. The learning rate is an f32
// operand (train_step reads it from its argument at every call, so a
// schedule needs no recompilation); the other hyper-parameters are
// attributes, constants folded into the generated code. The formulas are
// those of keras/src/optimizers/*.py, `update_step`.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_OPTIMIZER_OPS_TD
#define KILN_OPTIMIZER_OPS_TD

def Kiln_SgdUpdateOp : Kiln_Op<"sgd_update",
    [AllTypesMatch<["param", "grad", "new_param"]>]> {
  let summary = "SGD without momentum: p - lr * g";
  let description = [{
    Keras `SGD(learning_rate=0.01, momentum=0.0)`.

    ```mlir
    %p1 = kiln.sgd_update %p, %g learning_rate %lr : tensor<784x300xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$param, Kiln_FloatTensor:$grad,
                       F32:$learning_rate);
  let results = (outs Kiln_FloatTensor:$new_param);
  let assemblyFormat = [{
    $param `,` $grad `learning_rate` $learning_rate attr-dict `:` type($param)
  }];
}

def Kiln_SgdMomentumUpdateOp : Kiln_Op<"sgd_momentum_update",
    [AllTypesMatch<["param", "grad", "velocity", "new_param", "new_velocity"]>]> {
  let summary = "SGD with (Nesterov) momentum";
  let description = [{
    Keras `SGD(momentum=m, nesterov=...)`:
    `v' = m * v - lr * g`; then `p' = p + v'`, or with Nesterov
    `p' = p + m * v' - lr * g`.

    ```mlir
    %p1, %v1 = kiln.sgd_momentum_update %p, %g, %v learning_rate %lr
        momentum = 9.000000e-01 nesterov : tensor<300xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$param, Kiln_FloatTensor:$grad,
                       Kiln_FloatTensor:$velocity, F32:$learning_rate,
                       F32Attr:$momentum, UnitAttr:$nesterov);
  let results = (outs Kiln_FloatTensor:$new_param, Kiln_FloatTensor:$new_velocity);
  let assemblyFormat = [{
    $param `,` $grad `,` $velocity `learning_rate` $learning_rate
    `momentum` `=` $momentum (`nesterov` $nesterov^)? attr-dict `:` type($param)
  }];
}

def Kiln_RmspropUpdateOp : Kiln_Op<"rmsprop_update",
    [AllTypesMatch<["param", "grad", "velocity", "new_param", "new_velocity"]>]> {
  let summary = "RMSprop: v' = rho v + (1 - rho) g^2; p' = p - lr g / sqrt(v' + eps)";
  let description = [{
    Keras `RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-7)` without
    momentum and not centered. Note that Keras adds epsilon under the square
    root.

    ```mlir
    %p1, %v1 = kiln.rmsprop_update %p, %g, %v learning_rate %lr
        rho = 9.000000e-01 epsilon = 1.000000e-07 : tensor<300xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$param, Kiln_FloatTensor:$grad,
                       Kiln_FloatTensor:$velocity, F32:$learning_rate,
                       F32Attr:$rho, F32Attr:$epsilon);
  let results = (outs Kiln_FloatTensor:$new_param, Kiln_FloatTensor:$new_velocity);
  let assemblyFormat = [{
    $param `,` $grad `,` $velocity `learning_rate` $learning_rate
    `rho` `=` $rho `epsilon` `=` $epsilon attr-dict `:` type($param)
  }];
}

def Kiln_AdamUpdateOp : Kiln_Op<"adam_update",
    [AllTypesMatch<["param", "grad", "momentum", "velocity", "new_param",
                    "new_momentum", "new_velocity"]>]> {
  let summary = "Adam with Keras's bias correction";
  let description = [{
    Keras `Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`.
    `iterations` is the optimizer's step counter before this step (Keras's
    `optimizer.iterations`); with `t = iterations + 1`:
    `alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`,
    `m' = m + (g - m) (1 - beta_1)`, `v' = v + (g^2 - v) (1 - beta_2)`,
    `p' = p - m' alpha / (sqrt(v') + epsilon)`.

    ```mlir
    %p1, %m1, %v1 = kiln.adam_update %p, %g, %m, %v, %it learning_rate %lr
        beta_1 = 9.000000e-01 beta_2 = 9.990000e-01 epsilon = 1.000000e-07 : tensor<300xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$param, Kiln_FloatTensor:$grad,
                       Kiln_FloatTensor:$momentum, Kiln_FloatTensor:$velocity,
                       I64:$iterations, F32:$learning_rate, F32Attr:$beta_1,
                       F32Attr:$beta_2, F32Attr:$epsilon);
  let results = (outs Kiln_FloatTensor:$new_param, Kiln_FloatTensor:$new_momentum,
                      Kiln_FloatTensor:$new_velocity);
  let assemblyFormat = [{
    $param `,` $grad `,` $momentum `,` $velocity `,` $iterations
    `learning_rate` $learning_rate `beta_1` `=` $beta_1 `beta_2` `=` $beta_2
    `epsilon` `=` $epsilon attr-dict `:` type($param)
  }];
}

def Kiln_AdagradUpdateOp : Kiln_Op<"adagrad_update",
    [AllTypesMatch<["param", "grad", "accumulator", "new_param", "new_accumulator"]>]> {
  let summary = "Adagrad: acc' = acc + g^2; p' = p - lr g / sqrt(acc' + eps)";
  let description = [{
    Keras `Adagrad(learning_rate=0.001, initial_accumulator_value=0.1,
    epsilon=1e-7)`; the accumulator buffer starts at the initial value.

    ```mlir
    %p1, %a1 = kiln.adagrad_update %p, %g, %a learning_rate %lr
        epsilon = 1.000000e-07 : tensor<300xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$param, Kiln_FloatTensor:$grad,
                       Kiln_FloatTensor:$accumulator, F32:$learning_rate,
                       F32Attr:$epsilon);
  let results = (outs Kiln_FloatTensor:$new_param, Kiln_FloatTensor:$new_accumulator);
  let assemblyFormat = [{
    $param `,` $grad `,` $accumulator `learning_rate` $learning_rate
    `epsilon` `=` $epsilon attr-dict `:` type($param)
  }];
}

#endif // KILN_OPTIMIZER_OPS_TD
