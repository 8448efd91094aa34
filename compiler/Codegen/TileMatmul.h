//===- TileMatmul.h - kiln-tile's matmul matching and packing ---*- C++ -*-===//
//
// Private to kiln-tile (Tile.cpp): which linalg ops are plain 2-D matmuls,
// and the packing of B for cache-blocked matmuls (TileMatmul.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_CODEGEN_TILEMATMUL_H
#define KILN_COMPILER_CODEGEN_TILEMATMUL_H

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace kiln::tile {

/// A 2-D matmul-like contraction C(m, n) += A(m|k) B(k|n).
struct Matmul {
  mlir::linalg::LinalgOp op;
  unsigned m, n, k;
  /// B is indexed (n, k): its rows are not contiguous along n.
  bool transposedB;
};

/// The matmul `op` is, if any: one f32 result indexed (m, n), three loops,
/// B indexed by a projected permutation.
std::optional<Matmul> matchMatmul(mlir::linalg::LinalgOp op);

/// Packs a cache block of B (kc x nc) into panels of `nr` columns stacked
/// as rows, [ceil(nc / nr) * kc][nr]; returns the packed tensor.
mlir::Value packB(mlir::RewriterBase &rewriter, mlir::Location loc,
                  mlir::Value block, int64_t nr);

/// Makes the matmuls inside `scope` read B's register-tile panels from
/// `packed` (see packB) instead of slices of `block`.
void readPackedB(mlir::RewriterBase &rewriter, mlir::Operation *scope,
                 mlir::Value block, mlir::Value packed, int64_t nr);

} // namespace kiln::tile

#endif // KILN_COMPILER_CODEGEN_TILEMATMUL_H
