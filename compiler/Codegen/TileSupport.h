//===- TileSupport.h - kiln-tile's shared pieces ----------------*- C++ -*-===//
//
// Private to kiln-tile: what its phases share. Tile.cpp holds the matching,
// phases 1 and 2 (contractions) and the pass; TileElementwise.cpp phases 2b
// and 3 (fusion groups, everything else); TileCleanup.cpp the cleanups and
// accumulator hoisting; TileAccumulators.cpp more FMA chains for thin
// tiles; TileSupport.cpp the helpers below.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_CODEGEN_TILESUPPORT_H
#define KILN_COMPILER_CODEGEN_TILESUPPORT_H

#include "compiler/Codegen/CostModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace kiln::tile {

/// Marks ops the pass has finished with, so phase 3 leaves them alone.
constexpr llvm::StringLiteral kTiledAttr = "kiln.tiled";
/// Numbers each tiled loop nest (for reading the IR and profiles).
constexpr llvm::StringLiteral kKernelAttr = "kiln.kernel";

struct TileContext {
  mlir::RewriterBase &rewriter;
  const CpuTarget &target;
  /// Ids for the `kiln.kernel` attribute of each tiled loop nest.
  int64_t nextKernel = 0;
};

// TileSupport.cpp

/// Vector sizes for `op`: the static loop sizes, or the constant upper bound
/// of a dynamic one (a partial tile). Empty when everything is static.
std::optional<llvm::SmallVector<int64_t>>
vectorSizesFor(mlir::linalg::LinalgOp op);
/// Vectorizes `op` (masked when its sizes are bounded, not static).
void vectorizeOp(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op);
/// Peels the last partial iteration of `loop`; returns the main loop and the
/// remainder (or `loop` alone).
llvm::SmallVector<mlir::scf::ForOp> peel(mlir::RewriterBase &rewriter,
                                         mlir::scf::ForOp loop);
/// Folds tensor.dim of tiled values inside `scope`, and erases dead ops.
void resolveDimsAndErase(mlir::Operation *scope);
/// Tiles `root` by `sizes`, fusing the producers in `members`; returns the
/// loops and the tiled ops (tiled root first). Producers whose results are
/// still used outside the group have their tiles yielded by the loops.
mlir::FailureOr<mlir::scf::SCFTileAndFuseResult>
tileAndFuse(mlir::RewriterBase &rewriter, mlir::Operation *root,
            llvm::ArrayRef<mlir::OpFoldResult> sizes,
            llvm::SmallPtrSetImpl<mlir::Operation *> &members, bool forall);
/// The per-thread chunk of a dynamic extent `size` (the batch): `split`
/// from `minSize` on, else all of it (at least 1) in one chunk, which
/// kiln-parallel-to-openmp runs on the calling thread. Below `minSize` a
/// fork and join cost more than sharing saves.
mlir::OpFoldResult chunkForRows(mlir::RewriterBase &rewriter,
                                mlir::Location loc, mlir::OpFoldResult size,
                                mlir::OpFoldResult split, int64_t minSize);
/// resolveDimsAndErase on the parent of `loop`, then the tiled members of
/// `r` (root first) it left: it erases those without uses (a producer whose consumers
/// all fused in the loop). The root's tile feeds the loop's result: stays.
llvm::SmallVector<mlir::Operation *>
resolveDimsAndKeepMembers(const mlir::scf::SCFTileAndFuseResult &r,
                          mlir::Operation *loop);

// TileElementwise.cpp

/// Phase 2b: each op with the producers it can compute tile by tile.
void tileFusionGroups(TileContext &ctx, mlir::func::FuncOp func);
/// Phase 3: `op` tiled to one vector along its innermost loop.
void tileForVectors(TileContext &ctx, mlir::linalg::LinalgOp op);

// TileSplitReduction.cpp

/// Reductions into outputs too small to split over the threads, over a large
/// input: one partial result per thread along the batch, merged after.
void splitReductionsOverThreads(TileContext &ctx, mlir::func::FuncOp func);

// TileAccumulators.cpp

/// Unrolls the k loops of register tiles too thin to hide the FMA latency
/// into independent accumulators, summed after the loop.
void splitAccumulatorChains(TileContext &ctx, mlir::func::FuncOp func);

// TileCleanup.cpp

/// Hoists a masked accumulator out of `loop`; returns the new loop, or null
/// when there was none.
mlir::scf::ForOp hoistMaskedAccumulator(mlir::RewriterBase &rewriter,
                                        mlir::scf::ForOp loop);
/// Folds slices and masks the tiling left, canonicalizes, CSEs and hoists
/// loop invariants.
void cleanup(mlir::func::FuncOp func);

} // namespace kiln::tile

#endif // KILN_COMPILER_CODEGEN_TILESUPPORT_H
