//===- KilnBase.td - The kiln dialect, its types and enums -*- tablegen -*-===//
//
// The `kiln` dialect holds Keras-level tensor operations: layers, activations,
// losses, their gradients and optimizer updates. Values are builtin ranked
// tensors; the batch dimension may be dynamic everywhere.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_BASE_TD
#define KILN_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/CommonTypeConstraints.td"

def Kiln_Dialect : Dialect {
  let name = "kiln";
  let cppNamespace = "::kiln";
  let summary = "Keras-level tensor operations for the Kiln model compiler";
  let description = [{
    The kiln dialect is where a Keras model lives after the frontend has
    emitted it and before it is lowered to linalg. Every op works on builtin
    ranked tensors of floating-point elements (f32 today; f16 and bf16 are
    accepted by the type constraints so that mixed precision can be added
    without changing the op definitions). Any dimension may be dynamic; in
    practice the leading batch dimension is, because the last batch of an
    epoch is smaller than the others.

    ```mlir
    func.func @mlp(%x: tensor<?x784xf32>, %w: tensor<784x300xf32>,
                   %b: tensor<300xf32>) -> tensor<?x300xf32> {
      %h = kiln.dense %x, %w, %b : tensor<?x784xf32>, tensor<784x300xf32>, tensor<300xf32>
      %r = kiln.relu %h : tensor<?x300xf32>
      return %r : tensor<?x300xf32>
    }
    ```
  }];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
  let useDefaultTypePrinterParser = 0;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Kiln_FloatElement : AnyTypeOf<[F32, F16, BF16]>;
// A static dimension of size 0 is refused: a Keras layer has no use for an
// empty axis, and the lowering and code generation divide by sizes.
def Kiln_NoZeroSizeDim : CPred<"::llvm::none_of("
    "::llvm::cast<::mlir::RankedTensorType>($_self).getShape(), "
    "[](int64_t d) { return d == 0; })">;
def Kiln_FloatTensor : RankedTensorOf<[F32, F16, BF16], [Kiln_NoZeroSizeDim],
                                      "ranked tensor (no zero-size dimension)">;
def Kiln_ScalarTensor : 0DTensorOf<[F32, F16, BF16]>;
// Integer class labels (sparse losses and metrics) or float targets.
def Kiln_LabelTensor : RankedTensorOf<[I32, I64, F32, F16, BF16],
                                      [Kiln_NoZeroSizeDim],
                                      "ranked tensor (no zero-size dimension)">;
// Optimizer step counters are 0-d i64 tensors, like Keras's `iterations`.
def Kiln_CounterTensor : 0DTensorOf<[I64]>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Kiln_Padding : I32EnumAttr<"Padding", "Keras padding mode", [
    I32EnumAttrCase<"valid", 0>,
    I32EnumAttrCase<"same", 1>
  ]> {
  let cppNamespace = "::kiln";
}

def Kiln_LossKind : I32EnumAttr<"LossKind", "a Keras loss function", [
    I32EnumAttrCase<"mse", 0>,
    I32EnumAttrCase<"mae", 1>,
    I32EnumAttrCase<"binary_crossentropy", 2>,
    I32EnumAttrCase<"categorical_crossentropy", 3>,
    I32EnumAttrCase<"sparse_categorical_crossentropy", 4>
  ]> {
  let cppNamespace = "::kiln";
}

#endif // KILN_BASE_TD
