//===- Strategy.h - kiln-select-tiling's decisions --------------*- C++ -*-===//
//
// The strategy decides, the transforms carry out: `chooseTiling` is every
// choice kiln-tile makes for a kernel (threads and their split, register
// tile, cache blocks and packing, versions by batch size, image-by-image
// reduction), from the shapes and the target alone. kiln-select-tiling
// writes it as a `#kiln.tiling` on each kernel; kiln-tile reads it back.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_CODEGEN_STRATEGY_H
#define KILN_COMPILER_CODEGEN_STRATEGY_H

#include "compiler/Codegen/Kernels.h"
#include "compiler/Codegen/Target.h"
#include "dialects/Kiln/IR/KilnAttrs.h"

namespace kiln {

/// The op attribute that holds a kernel's tiling.
constexpr llvm::StringLiteral kTilingAttrName = "kiln.tiling";

/// The C++ view of #kiln.tiling (see KilnAttrs.td for each field).
struct Tiling {
  int64_t threads = 1;
  ThreadSplit split = ThreadSplit::rows;
  int64_t splitFromRows = 0;
  /// Register tile; 0 x 0 for a sum that only splits over the threads.
  int64_t mr = 0, nr = 0;
  int64_t kc = 0, nc = 0;
  PackB packB = PackB::never;
  bool imageByImage = false;

  TilingAttr toAttr(mlir::MLIRContext *context) const;
  static Tiling fromAttr(TilingAttr attr);
};

/// How `kernel` is tiled on `target`. `ranges` are its static loop ranges
/// as the transforms will see them. `reductionSplit` is the loop of a sum
/// split over the threads into partials first (kiln-tile's split
/// reduction): that loop then has a dynamic extent, and no thread level of
/// its own is left.
Tiling chooseTiling(const CpuTarget &target, tile::Kernel kernel,
                    llvm::ArrayRef<int64_t> ranges,
                    std::optional<unsigned> reductionSplit = std::nullopt);

/// The tiling kiln-select-tiling wrote on `op`, if any.
std::optional<Tiling> tilingOf(mlir::Operation *op);

} // namespace kiln

#endif // KILN_COMPILER_CODEGEN_STRATEGY_H
