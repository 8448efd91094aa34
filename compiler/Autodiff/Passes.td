//===- Passes.td - Reverse-mode automatic differentiation --*- tablegen -*-===//

#ifndef KILN_AUTODIFF_PASSES_TD
#define KILN_AUTODIFF_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnAutodiffPass : Pass<"kiln-autodiff", "mlir::ModuleOp"> {
  let summary = "Reverse-mode differentiation of kiln loss functions";
  let description = [{
    TODO(kiln-autodiff): filled in by the autodiff work.
  }];
  let dependentDialects = ["kiln::KilnDialect", "mlir::func::FuncDialect",
                           "mlir::arith::ArithDialect"];
}

#endif // KILN_AUTODIFF_PASSES_TD
