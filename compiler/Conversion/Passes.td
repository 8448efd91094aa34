//===- Passes.td - Kiln dialect conversions ----------------*- tablegen -*-===//
//
// Conversions out of the kiln dialect, one pass per target dialect.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CONVERSION_PASSES_TD
#define KILN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnToLinalgPass : Pass<"kiln-to-linalg"> {
  let summary = "Lower kiln ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Lowers every kiln op except `kiln.value_and_grad` (which `kiln-autodiff`
    removes) to linalg on tensors in destination-passing style: named ops
    where one exists (`linalg.matmul`, `linalg.batch_matmul`,
    `linalg.conv_2d_nhwc_hwcf`, `linalg.pooling_nhwc_max`,
    `linalg.transpose`, `linalg.fill`), `linalg.generic` otherwise, plus
    `tensor.empty`/`pad`/`collapse_shape`/`expand_shape`/`extract_slice`/
    `insert_slice`/`dim`, `arith` and `math`. Dynamic dimensions are
    supported everywhere: sizes are read with `tensor.dim` and destinations
    are `tensor.empty` with dynamic sizes. The result bufferizes with
    `one-shot-bufferize` and lowers to LLVM with upstream passes.

    Kiln ops are illegal after the pass: an op it cannot lower (for instance
    a `conv2d_input_grad` whose result has a dynamic height) fails the pass
    with an error naming the op.

    Lowerings in short (each file's header has the details):
    - add/sub/mul/div, activations, their gradients, broadcast_like: one
      parallel generic with NumPy broadcasting maps (size-1 dims read
      index 0, missing leading dims dropped).
    - dense: `linalg.matmul` accumulating into the broadcast bias; rank > 2
      inputs are collapsed to 2-D and the result expanded back.
    - matmul: `linalg.matmul`/`linalg.batch_matmul`, transposed operands
      through explicit `indexing_maps`.
    - conv2d / max_pool2d: `tensor.pad` for `same` (zeros / -inf, the extra
      cell after, from ShapeInference's `windowPadding`) and the named op.
    - reductions, softmax (max-subtracted), losses and metrics: generics
      with reduction iterators; keepdims via `tensor.expand_shape`.
    - window gradients: transposed convolution (dilated dy, flipped kernel),
      a 7-loop generic for the kernel gradient, first-arg-max routing with
      strided slices for max pooling.
    - optimizer updates: one generic per op, parameter and state as outs.

    Before:

    ```mlir
    func.func @layer(%x: tensor<?x4xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>)
        -> tensor<?x3xf32> {
      %y = kiln.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x3xf32>, tensor<3xf32>
      %r = kiln.relu %y : tensor<?x3xf32>
      return %r : tensor<?x3xf32>
    }
    ```

    After:

    ```mlir
    #id = affine_map<(d0, d1) -> (d0, d1)>
    #bias = affine_map<(d0, d1) -> (d1)>
    func.func @layer(%x: tensor<?x4xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>)
        -> tensor<?x3xf32> {
      %c0 = arith.constant 0 : index
      %n = tensor.dim %x, %c0 : tensor<?x4xf32>
      %e = tensor.empty(%n) : tensor<?x3xf32>
      %init = linalg.generic {indexing_maps = [#bias, #id],
                              iterator_types = ["parallel", "parallel"]}
          ins(%b : tensor<3xf32>) outs(%e : tensor<?x3xf32>) {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
      } -> tensor<?x3xf32>
      %y = linalg.matmul ins(%x, %w : tensor<?x4xf32>, tensor<4x3xf32>)
                         outs(%init : tensor<?x3xf32>) -> tensor<?x3xf32>
      %e2 = tensor.empty(%n) : tensor<?x3xf32>
      %r = linalg.generic {indexing_maps = [#id, #id],
                           iterator_types = ["parallel", "parallel"]}
          ins(%y : tensor<?x3xf32>) outs(%e2 : tensor<?x3xf32>) {
        ^bb0(%in: f32, %out: f32):
          %zero = arith.constant 0.000000e+00 : f32
          %m = arith.maximumf %in, %zero : f32
          linalg.yield %m : f32
      } -> tensor<?x3xf32>
      return %r : tensor<?x3xf32>
    }
    ```
  }];
  let dependentDialects = [
    "mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
    "mlir::arith::ArithDialect", "mlir::math::MathDialect",
    "mlir::scf::SCFDialect"
  ];
}

#endif // KILN_CONVERSION_PASSES_TD
