//===- CostModel.h - Tile sizes for kiln-tile -------------------*- C++ -*-===//
//
// Which tile sizes, for one op on the target (Target.h): a pure function of
// the shapes and the machine, so that it is unit-testable.
//
// Cache blocks (a B over half of L2): K in kc (the row tile's kc columns of A
// in half of L1), N in nc, B packed per block into nr-wide panels from
// kMinPackedRows rows of A on (see kiln-tile).
//
// Register tile of a contraction C[M, N] += A[M, K] B[K, N] lowered to
// outer products: every k step loads mr broadcast scalars of A and nr/VL
// vectors of B and issues mr * nr/VL FMAs into as many accumulators. The
// model picks (mr, nr = u * VL) with mr * u + u + 1 <= registers, minimizing
//   tiles(M, mr) * tiles(N, nr) * max(mr * u / fmaPorts, (mr + u) / loadPorts)
// where a partial tile costs as much as a full one (masked or peeled). A
// dynamic M (the batch) is assumed to be a large multiple of 8. Rows of A
// read in place at a power-of-two stride share L1 sets, which bounds mr
// (maxRowsInPlace).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_CODEGEN_COSTMODEL_H
#define KILN_COMPILER_CODEGEN_COSTMODEL_H

#include "compiler/Codegen/Target.h"

#include <cstdint>

namespace kiln {

/// Tile sizes of one contraction (M, N, K are the iteration space sizes,
/// ShapedType::kDynamic where unknown).
struct ContractionTiles {
  /// Register tile: rows of A, columns of B (a multiple of the lanes).
  int64_t mr = 1, nr = 1;
  /// Cache tile of K (0: K untiled) and of N (0: N untiled).
  int64_t kc = 0, nc = 0;
  /// Whether the outer loop is split over threads, and along which
  /// dimension (0 = M, 1 = N) and in how many chunks.
  int64_t threads = 1;
  int parallelDim = 1;
};

/// Picks register, cache and thread tiles for C[M, N] += A[M, K] B[K, N].
/// `aRowStride` is the distance in elements between the rows of A the
/// kernel reads in place (0: A's rows are contiguous along M, or unknown).
ContractionTiles chooseContractionTiles(const CpuTarget &target, int64_t m,
                                        int64_t n, int64_t k,
                                        int64_t aRowStride = 0);

/// The most rows of A, `stride` elements apart, a register tile may read in
/// place: rows a multiple of the L1 set period apart share one set, and
/// more of them than about two thirds of its ways (the panels of B stream
/// through the same sets) evict each other before the next column tile
/// reuses them. 16 (no limit) when the rows spread over enough sets, or
/// the stride is 0 (contiguous rows) or dynamic (unknown).
int64_t maxRowsInPlace(const CpuTarget &target, int64_t stride);

/// The size code generation assumes for a dynamic extent (the batch), in
/// every decision that needs one.
constexpr int64_t kAssumedBatch = 32;

/// Elements below which an elementwise, reduction, copy or fill pass stays
/// on one thread (a fork and join costs a few microseconds).
constexpr int64_t kMinParallelElements = 1 << 16;

/// Multiply-adds below which a parallel loop costs more than it saves.
constexpr int64_t kMinParallelWork = 1 << 17;

/// Rows of A from which a cache-blocked matmul packs its blocks of B. Packing
/// copies each block once, which pays when many row tiles stream it; a few
/// rows read B once or twice, and the copy doubles their traffic. On znver4
/// the 784x300 forward measured 21.5 us packed vs 11.6 us unpacked at 1 row,
/// 260 vs 241 us (train step) at 32, 831 vs 874 us at 128. A dynamic M gets
/// both versions and picks one at run time.
constexpr int64_t kMinPackedRows = 64;

} // namespace kiln

#endif // KILN_COMPILER_CODEGEN_COSTMODEL_H
