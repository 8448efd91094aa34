//===- KilnAutodiffOps.td - Requests for derivatives ------*- tablegen -*-===//

#ifndef KILN_AUTODIFF_OPS_TD
#define KILN_AUTODIFF_OPS_TD

include "mlir/IR/SymbolInterfaces.td"

def Kiln_ValueAndGradOp : Kiln_Op<"value_and_grad",
    [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "call a function and return its results and its gradient";
  let description = [{
    Calls `callee` and returns its results followed by the gradient of its
    first result (a 0-d loss) with respect to each argument that carries the
    `kiln.trainable` argument attribute, in argument order. The remaining
    results (metrics) pass through undifferentiated. `kiln-autodiff`
    generates `@<callee>_grad` and replaces this op with a call to it.

    ```mlir
    func.func private @loss(%w: tensor<4x2xf32> {kiln.trainable}, %x: tensor<?x4xf32>,
                            %y: tensor<?xi32>) -> (tensor<f32>, tensor<f32>)
    %l, %acc, %dw = kiln.value_and_grad @loss(%w, %x, %y)
        : (tensor<4x2xf32>, tensor<?x4xf32>, tensor<?xi32>)
        -> (tensor<f32>, tensor<f32>, tensor<4x2xf32>)
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee, Variadic<AnyType>:$args);
  let results = (outs Variadic<AnyType>:$results);
  let assemblyFormat = [{
    $callee `(` $args `)` attr-dict `:` functional-type($args, $results)
  }];
}

#endif // KILN_AUTODIFF_OPS_TD
