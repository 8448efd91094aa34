//===- Kernels.h - What kiln-tile tiles, as the strategy sees it -*- C++ -*-===//
//
// The matching shared by the strategy (kiln-select-tiling), which decides how
// each kernel is tiled, and the transforms that carry the decision out.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_CODEGEN_KERNELS_H
#define KILN_COMPILER_CODEGEN_KERNELS_H

#include "compiler/Codegen/TileMatmul.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace kiln::tile {

/// What kiln-tile register-tiles: a matmul, or a windowed reduction (a
/// convolution, a pooling, a convolution's kernel gradient) that, once its
/// reduction loops are tiled to 1, is an outer product of a column of A and
/// a row of B. `m` and `n` are the loops of the output's last two
/// dimensions.
struct Kernel {
  mlir::linalg::LinalgOp op;
  unsigned m, n;
  llvm::SmallVector<unsigned> reductions;
  bool windowed = false;
};

/// Whether `op` sits at kernel level: directly in a function, or directly in
/// the time loop of a recurrent layer (a kiln.scan's scf.for), whose step is
/// tiled and threaded like a function body.
bool isKernelLevel(mlir::Operation *op);

/// The kernel of a matmul.
Kernel kernelOf(const Matmul &mm);

/// A windowed reduction: one f32 result, an output indexed by parallel
/// loops, at least one reduction, and some input read through a window
/// (an affine expression of several loops) or a named convolution/pooling.
std::optional<Kernel> matchWindowed(mlir::linalg::LinalgOp op);

/// Elements between the rows of A a register tile reads: A's row length
/// when it is indexed (m, k), 0 when its rows are contiguous along m (a
/// kernel gradient's x^T) or for windows, kDynamic when unknown.
int64_t aRowStride(Kernel k);

/// Whether some input of `op` is read with a stride other than 1 along
/// loop `d` (as `2 * d + ...`).
bool isStridedAlong(mlir::linalg::LinalgOp op, unsigned d);

/// The reduction loop of a windowed kernel that streams the batch (a
/// convolution's kernel gradient sums over images): a dynamic reduction
/// loop (in `ranges`, the kernel's static loop ranges), when the output is
/// static. Such kernels reduce image by image, so that one image's input
/// and gradient stay in cache while every output tile accumulates;
/// otherwise each output tile streams the whole batch.
std::optional<unsigned> batchReduction(Kernel k,
                                       llvm::ArrayRef<int64_t> ranges);

/// Whether `op`'s combiner is a sum: its body yields addf(x, out) or
/// addf(out, x), so zero-filled partials and an addf merge are exact.
bool isSum(mlir::linalg::LinalgOp op);

/// The reduction loop to split over `threads`, if `op` (at function level)
/// reduces a large input into an output too small to split: the dynamic
/// (batch) reduction loop, else the largest static one.
std::optional<unsigned> splittableReduction(mlir::linalg::LinalgOp op,
                                            int64_t threads);

} // namespace kiln::tile

#endif // KILN_COMPILER_CODEGEN_KERNELS_H
