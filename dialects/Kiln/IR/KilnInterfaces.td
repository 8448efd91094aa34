//===- KilnInterfaces.td - Gradient interface -------------*- tablegen -*-===//
//
// Each differentiable op states its own vector-Jacobian product through this
// interface, so the autodiff pass has no per-op switch: adding an op means
// adding its gradient next to it.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_INTERFACES_TD
#define KILN_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Kiln_GradientOpInterface : OpInterface<"GradientOpInterface"> {
  let cppNamespace = "::kiln";
  let description = [{
    An op that knows its reverse-mode derivative. Given the adjoints of its
    results (one per result; a null Value means no adjoint reaches that
    result), `buildVJP` emits, at the builder's insertion point, ops that
    compute the adjoint contribution for every operand and appends them to
    `operandAdjoints` (one entry per operand, a null Value where the operand
    is not differentiable or receives nothing, e.g. integer labels).

    The emitted ops must have the same types as the operands they stand for,
    including dynamic dimensions; broadcasting ops reduce the adjoint back to
    the operand's shape themselves.
  }];
  let methods = [
    InterfaceMethod<
      /*desc=*/"Builds the operand adjoints from the result adjoints.",
      /*retTy=*/"::llvm::LogicalResult",
      /*methodName=*/"buildVJP",
      /*args=*/(ins "::mlir::OpBuilder &":$builder,
                    "::mlir::ValueRange":$resultAdjoints,
                    "::llvm::SmallVectorImpl<::mlir::Value> &":$operandAdjoints)
    >
  ];
}

#endif // KILN_INTERFACES_TD
