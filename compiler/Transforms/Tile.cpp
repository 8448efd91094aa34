//===- Tile.cpp - kiln-tile: tile, fuse and vectorize linalg on tensors ---===//
//
// The pass works in three phases over each function (see Passes.td):
//   1. contractions whose B operand is read transposed get a linalg.transpose
//      copy, so that every kernel reads contiguous rows of B;
//   2. each contraction is tiled with its init and epilogue chain fused:
//      threads (scf.forall), then register tiles (scf.for, peeled), then K;
//   3. every other linalg op is tiled to one vector along its innermost loop.
// Then everything inside the tiles is vectorized and the accumulators are
// hoisted out of the K loops.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/CostModel.h"
#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/TileMatmul.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace kiln {
#define GEN_PASS_DEF_KILNTILEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

using tile::Matmul;
using tile::matchMatmul;
using tile::packB;
using tile::readPackedB;

/// Marks ops the pass has finished with, so phase 3 leaves them alone.
constexpr llvm::StringLiteral kTiledAttr = "kiln.tiled";

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// What kiln-tile register-tiles: a matmul, or a windowed reduction (a
/// convolution, a pooling, a convolution's kernel gradient) that, once its
/// reduction loops are tiled to 1, is an outer product of a column of A and
/// a row of B. `m` and `n` are the loops of the output's last two
/// dimensions.
struct Kernel {
  linalg::LinalgOp op;
  unsigned m, n;
  SmallVector<unsigned> reductions;
  bool windowed = false;
  bool transposedB = false;
};

Kernel kernelOf(const Matmul &mm) {
  Kernel k{mm.op, mm.m, mm.n, {mm.k}};
  k.transposedB = mm.transposedB;
  return k;
}

/// A windowed reduction: one f32 result, an output indexed by parallel
/// loops, at least one reduction, and some input read through a window
/// (an affine expression of several loops) or a named convolution/pooling.
std::optional<Kernel> matchWindowed(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op->getNumResults() != 1 ||
      op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0)
    return std::nullopt;
  auto type = cast<ShapedType>(op->getResult(0).getType());
  Type et = type.getElementType();
  if (!(et.isF32() || et.isInteger(32) || et.isInteger(64)) ||
      type.getRank() < 2)
    return std::nullopt;
  bool window = linalg::isaConvolutionOpInterface(op);
  for (OpOperand *in : op.getDpsInputOperands())
    window |= !op.getMatchingIndexingMap(in).isProjectedPermutation();
  if (!window)
    return std::nullopt;
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!out.isProjectedPermutation())
    return std::nullopt;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  Kernel k;
  k.op = op;
  k.windowed = true;
  k.m = out.getDimPosition(out.getNumResults() - 2);
  k.n = out.getDimPosition(out.getNumResults() - 1);
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (iters[d] == utils::IteratorType::reduction)
      k.reductions.push_back(d);
  return k;
}

/// An elementwise op that can run in the epilogue of a tile: all loops
/// parallel, `use` read through the identity map, identity outputs.
bool isEpilogue(linalg::GenericOp g, OpOperand &use) {
  if (!g.hasPureTensorSemantics() || g.getNumLoops() < 2 ||
      g.getNumParallelLoops() != g.getNumLoops() || !g.isDpsInput(&use))
    return false;
  if (!g.getMatchingIndexingMap(&use).isIdentity())
    return false;
  for (OpOperand &init : g.getDpsInitsMutable())
    if (!g.getMatchingIndexingMap(&init).isIdentity())
      return false;
  return llvm::all_of(g.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isProjectedPermutation(); });
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Vector sizes for `op`: the static loop sizes, or the constant upper bound
/// of a dynamic one (a partial tile). Empty when everything is static.
std::optional<SmallVector<int64_t>> vectorSizesFor(linalg::LinalgOp op) {
  SmallVector<int64_t> sizes = op.getStaticLoopRanges();
  if (!llvm::any_of(sizes, ShapedType::isDynamic))
    return SmallVector<int64_t>{};
  for (auto [d, size] : llvm::enumerate(sizes)) {
    if (!ShapedType::isDynamic(size))
      continue;
    // Find an operand dimension indexed by loop d alone.
    std::optional<int64_t> bound;
    for (OpOperand &operand : op->getOpOperands()) {
      auto type = dyn_cast<ShapedType>(operand.get().getType());
      if (!type)
        continue;
      AffineMap map = op.getMatchingIndexingMap(&operand);
      for (unsigned r = 0; r < map.getNumResults(); ++r) {
        auto dim = dyn_cast<AffineDimExpr>(map.getResult(r));
        if (!dim || dim.getPosition() != d)
          continue;
        FailureOr<int64_t> ub = ValueBoundsConstraintSet::computeConstantBound(
            presburger::BoundType::UB, {operand.get(), static_cast<int64_t>(r)},
            /*stopCondition=*/nullptr, /*closedUB=*/true);
        if (succeeded(ub))
          bound = bound ? std::min(*bound, *ub) : *ub;
      }
    }
    if (!bound || *bound <= 0 || *bound > 4096)
      return std::nullopt;
    // A partial tile's bound is the tile size minus one: round it back up.
    size = llvm::PowerOf2Ceil(*bound);
    if (size > 16)
      size = llvm::alignTo(*bound, 16);
  }
  return sizes;
}

/// Vectorizes `op` (masked when its tile is partial). Ops that the
/// vectorizer cannot handle stay as they are and lower to loops.
void vectorizeOp(RewriterBase &rewriter, linalg::LinalgOp op) {
  std::optional<SmallVector<int64_t>> sizes = vectorSizesFor(op);
  if (!sizes)
    return;
  // Vectors over a few hundred elements are not worth it (or unrolled).
  int64_t elements = 1;
  for (int64_t s : sizes->empty() ? op.getStaticLoopRanges() : *sizes)
    elements *= std::max<int64_t>(s, 1);
  if (elements > 4096)
    return;
  if (failed(linalg::vectorizeOpPrecondition(
          op, *sizes, SmallVector<bool>(sizes->size(), false))))
    return;
  rewriter.setInsertionPoint(op);
  SmallVector<bool> scalable(sizes->size(), false);
  FailureOr<linalg::VectorizationResult> result = linalg::vectorize(
      rewriter, op, *sizes, scalable, /*vectorizeNDExtract=*/false,
      /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false,
      /*createNamedContraction=*/true);
  if (failed(result))
    return;
  if (op->getNumResults() == 0)
    rewriter.eraseOp(op);
  else
    rewriter.replaceOp(op, result->replacements);
}

/// Peels `loop` (full iterations first, then one partial); returns both.
SmallVector<scf::ForOp> peel(RewriterBase &rewriter, scf::ForOp loop) {
  scf::ForOp partial;
  if (succeeded(scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial)))
    return {loop, partial};
  return {loop};
}

/// Tile sizes of `op`'s loops: `m` and `n` at the loops that index the
/// first init's dimensions 0 and 1, zero elsewhere.
SmallVector<OpFoldResult> tileOfOutput(OpBuilder &b, linalg::LinalgOp op,
                                       OpFoldResult m, OpFoldResult n,
                                       int64_t others = 0) {
  SmallVector<OpFoldResult> sizes(op.getNumLoops(), b.getIndexAttr(0));
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  unsigned rank = out.getNumResults();
  for (unsigned r = 0; r + 2 < rank; ++r)
    sizes[out.getDimPosition(r)] = b.getIndexAttr(others);
  sizes[out.getDimPosition(rank - 2)] = m;
  sizes[out.getDimPosition(rank - 1)] = n;
  return sizes;
}

/// Tile sizes of `op`'s loops for a chunk of `size` along output dim `dim`.
SmallVector<OpFoldResult> tileOfOutputDim(OpBuilder &b, linalg::LinalgOp op,
                                          unsigned dim, OpFoldResult size) {
  SmallVector<OpFoldResult> sizes(op.getNumLoops(), b.getIndexAttr(0));
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  sizes[out.getDimPosition(dim)] = size;
  return sizes;
}

/// Rewrites tensor.dim of op results into dims of their operands, so that
/// the untiled ops tiling left behind lose their last uses, and erases them.
void resolveDimsAndErase(Operation *scope) {
  RewritePatternSet patterns(scope->getContext());
  memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
  memref::populateResolveShapedTypeResultDimsPatterns(patterns);
  tensor::DimOp::getCanonicalizationPatterns(patterns, scope->getContext());
  affine::AffineApplyOp::getCanonicalizationPatterns(patterns,
                                                     scope->getContext());
  affine::AffineMinOp::getCanonicalizationPatterns(patterns,
                                                   scope->getContext());
  (void)applyPatternsGreedily(scope, std::move(patterns));
}

//===----------------------------------------------------------------------===//
// Phase 1: contiguous B
//===----------------------------------------------------------------------===//

/// Rewrites C += A * B^T as C += A * T with T = transpose(B) materialized.
void transposeB(RewriterBase &rewriter, Matmul &mm) {
  linalg::LinalgOp op = mm.op;
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value b = op.getDpsInputOperand(1)->get();
  auto type = cast<RankedTensorType>(b.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, b);
  std::swap(sizes[0], sizes[1]);
  Value empty =
      tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
  Value t = linalg::TransposeOp::create(rewriter, loc, b, empty,
                                        ArrayRef<int64_t>{1, 0})
                ->getResult(0);
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  maps[1] = AffineMap::get(3, 0,
                           {getAffineDimExpr(mm.k, ctx),
                            getAffineDimExpr(mm.n, ctx)},
                           ctx);
  ArrayAttr mapsAttr = rewriter.getAffineMapArrayAttr(maps);
  rewriter.modifyOpInPlace(op, [&] {
    op->setOperand(1, t);
    if (auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation()))
      matmul.setIndexingMapsAttr(mapsAttr);
    else
      op->setAttr("indexing_maps", mapsAttr);
  });
  mm.transposedB = false;
}

//===----------------------------------------------------------------------===//
// Phase 2: contraction groups
//===----------------------------------------------------------------------===//

struct Group {
  SmallVector<Operation *> ops; // producers first, root last
  Operation *root() const { return ops.back(); }
};

/// The contraction, its init producer when it is a fill or broadcast, and
/// the chain of elementwise consumers.
Group formGroup(Kernel mm) {
  Group g;
  Operation *init = mm.op.getDpsInitOperand(0)->get().getDefiningOp();
  int64_t rank =
      cast<ShapedType>(mm.op->getResult(0).getType()).getRank();
  if (init && isa<linalg::FillOp, linalg::GenericOp>(init) &&
      init->getNumResults() == 1 && init->hasOneUse()) {
    auto l = cast<linalg::LinalgOp>(init);
    if (l.getNumLoops() == rank && l.getNumReductionLoops() == 0)
      g.ops.push_back(init);
  }
  g.ops.push_back(mm.op);
  Operation *last = mm.op;
  // A fused producer's tile is a temporary: give it a tensor.empty of its
  // own, so that it never writes into another op's destination.
  if (g.ops.front() != mm.op) {
    OpOperand &dest = cast<linalg::LinalgOp>(g.ops.front()).getDpsInitsMutable()[0];
    if (auto empty = dest.get().getDefiningOp<tensor::EmptyOp>())
      if (!empty->hasOneUse()) {
        OpBuilder b(g.ops.front());
        dest.set(b.clone(*empty)->getResult(0));
      }
  }
  while (last->getNumResults() == 1) {
    linalg::GenericOp next;
    for (OpOperand &use : last->getResult(0).getUses()) {
      auto c = dyn_cast<linalg::GenericOp>(use.getOwner());
      if (!c || !isEpilogue(c, use) || c->hasAttr(kTiledAttr))
        continue;
      if (next && next != c) {
        next = nullptr;
        break;
      }
      next = c;
    }
    if (!next)
      break;
    // The fused loop replaces the consumer: any other user of the value must
    // come after it, to see the value the loop yields.
    bool usedBefore = llvm::any_of(last->getUsers(), [&](Operation *user) {
      return user != next &&
             (user->getBlock() != next->getBlock() ||
              user->isBeforeInBlock(next));
    });
    if (usedBefore)
      break;
    // Every other operand of the consumer must already be available where
    // the matmul is (the fused loop replaces the consumer).
    g.ops.push_back(next);
    last = next;
  }
  return g;
}

struct TileContext {
  RewriterBase &rewriter;
  const CpuTarget &target;
  ArrayRef<int64_t> overrides;
  /// Ids for the `kiln.kernel` attribute of each tiled loop nest.
  int64_t nextKernel = 0;
};

constexpr llvm::StringLiteral kKernelAttr = "kiln.kernel";

/// Tiles `root` by `sizes`, fusing the producers in `members`; returns the
/// loops and the tiled ops (tiled root first). Producers whose results are
/// still used outside the group have their tiles yielded by the loops.
FailureOr<scf::SCFTileAndFuseResult>
tileAndFuse(RewriterBase &rewriter, Operation *root,
            ArrayRef<OpFoldResult> sizes, llvm::SmallPtrSetImpl<Operation *> &members,
            bool forall) {
  scf::SCFTileAndFuseOptions options;
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(sizes);
  tiling.setLoopType(forall ? scf::SCFTilingOptions::LoopType::ForallOp
                            : scf::SCFTilingOptions::LoopType::ForOp);
  options.setTilingOptions(tiling);
  // Results used outside the group (decided before tiling adds slices).
  llvm::DenseSet<Value> escaping;
  for (Operation *op : members)
    for (Value r : op->getResults())
      for (Operation *user : r.getUsers())
        if (!members.contains(user))
          escaping.insert(r);
  options.setFusionControlFn(
      [&](tensor::ExtractSliceOp, OpResult producer,
          bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        if (!members.contains(producer.getOwner()))
          return std::nullopt;
        scf::SCFTileAndFuseOptions::ControlFnResult r;
        r.yieldProducerReplacement = escaping.contains(producer);
        return r;
      });
  rewriter.setInsertionPoint(root);
  FailureOr<scf::SCFTileAndFuseResult> result =
      scf::tileConsumerAndFuseProducersUsingSCF(
          rewriter, cast<TilingInterface>(root), options);
  if (failed(result))
    return failure();
  // Replace the uses of the root and of any yielded producer.
  for (auto [orig, repl] : result->replacements) {
    rewriter.replaceUsesWithIf(orig, repl, [&](OpOperand &use) {
      return !result->loops.empty() &&
             !result->loops.front()->isAncestor(use.getOwner());
    });
  }
  return result;
}

/// The ops of `result` that are tiled versions of group members, root first.
SmallVector<Operation *> tiledMembers(const scf::SCFTileAndFuseResult &r) {
  return SmallVector<Operation *>(r.tiledAndFusedOps.begin(),
                                  r.tiledAndFusedOps.end());
}

/// Re-tiles the group inside `rows` (the partial row tile after peeling) one
/// row at a time: in each column loop, the op whose tile the loop inserts
/// is tiled by one row with the other ops fused.
void retileRowByRow(RewriterBase &rewriter, scf::ForOp rows) {
  SmallVector<scf::ForOp> cols;
  for (Operation &op : *rows.getBody())
    if (auto f = dyn_cast<scf::ForOp>(op))
      cols.push_back(f);
  for (scf::ForOp col : cols) {
    auto yield = cast<scf::YieldOp>(col.getBody()->getTerminator());
    if (yield.getNumOperands() == 0)
      continue;
    auto insert = yield.getOperand(0).getDefiningOp<tensor::InsertSliceOp>();
    auto root = insert ? insert.getSource().getDefiningOp<linalg::LinalgOp>()
                       : nullptr;
    if (!root || root->getNumResults() == 0)
      continue;
    llvm::SmallPtrSet<Operation *, 8> members;
    for (Operation &op : *col.getBody())
      if (isa<linalg::LinalgOp>(op))
        members.insert(&op);
    SmallVector<OpFoldResult> sizes =
        tileOfOutput(rewriter, root, rewriter.getIndexAttr(1),
                     rewriter.getIndexAttr(0));
    if (failed(tileAndFuse(rewriter, root, sizes, members, /*forall=*/false)))
      continue;
    resolveDimsAndErase(col);
  }
}

/// Whether some input of `op` is read with a stride other than 1 along
/// loop `d` (as `2 * d + ...`).
bool isStridedAlong(linalg::LinalgOp op, unsigned d) {
  bool strided = false;
  for (OpOperand *in : op.getDpsInputOperands())
    for (AffineExpr e : op.getMatchingIndexingMap(in).getResults())
      e.walk([&](AffineExpr sub) {
        auto mul = dyn_cast<AffineBinaryOpExpr>(sub);
        if (!mul || mul.getKind() != AffineExprKind::Mul)
          return;
        auto dim = dyn_cast<AffineDimExpr>(mul.getLHS());
        auto c = dyn_cast<AffineConstantExpr>(mul.getRHS());
        if (dim && c && dim.getPosition() == d && c.getValue() != 1)
          strided = true;
      });
  return strided;
}

/// Tiles the reduction loops of a windowed kernel's tile to 1 and turns it
/// into the contraction (or elementwise reduction) of a column and a row:
/// generalized, its unit loops dropped but for the innermost reduction.
void tileWindowReductions(RewriterBase &rewriter, linalg::LinalgOp op) {
  auto kernel = matchWindowed(op);
  if (!kernel)
    return;
  SmallVector<OpFoldResult> sizes(op.getNumLoops(), rewriter.getIndexAttr(0));
  for (unsigned d : kernel->reductions)
    sizes[d] = rewriter.getIndexAttr(1);
  scf::SCFTilingOptions options;
  options.setTileSizes(sizes);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return;
  rewriter.replaceOp(op, tiled->replacements);
  auto inner = cast<linalg::LinalgOp>(tiled->tiledOps.back());
  linalg::GenericOp generic = dyn_cast<linalg::GenericOp>(inner.getOperation());
  if (!generic) {
    rewriter.setInsertionPoint(inner);
    FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rewriter, inner);
    if (failed(g))
      return;
    generic = *g;
  }
  unsigned keep = kernel->reductions.back();
  linalg::ControlDropUnitDims control;
  control.rankReductionStrategy =
      linalg::ControlDropUnitDims::RankReductionStrategy::ExtractInsertSlice;
  control.controlFn = [&](Operation *o) {
    SmallVector<unsigned> dims;
    for (unsigned d = 0; d < cast<linalg::LinalgOp>(o).getNumLoops(); ++d)
      if (d != keep)
        dims.push_back(d);
    return dims;
  };
  rewriter.setInsertionPoint(generic);
  FailureOr<linalg::DropUnitDimsResult> dropped =
      linalg::dropUnitDims(rewriter, generic, control);
  if (succeeded(dropped))
    rewriter.replaceOp(generic, dropped->replacements);
}

/// The reduction loop of a windowed kernel that streams the batch (a
/// convolution's kernel gradient sums over images): a dynamic reduction
/// loop, when the output is static. Such kernels reduce image by image, so
/// that one image's input and gradient stay in cache while every output
/// tile accumulates; otherwise each output tile streams the whole batch.
std::optional<unsigned> batchReduction(Kernel k) {
  if (!k.windowed || !cast<ShapedType>(k.op->getResult(0).getType())
                          .hasStaticShape())
    return std::nullopt;
  SmallVector<int64_t> ranges = k.op.getStaticLoopRanges();
  for (unsigned d : k.reductions)
    if (ShapedType::isDynamic(ranges[d]))
      return d;
  return std::nullopt;
}

LogicalResult tileContractionGroup(TileContext &ctx, Kernel mm) {
  RewriterBase &rewriter = ctx.rewriter;
  std::optional<unsigned> batchLoop = batchReduction(mm);
  Group group = formGroup(mm);
  // A kernel reduced image by image cannot run its epilogue per tile.
  if (batchLoop)
    while (group.ops.back() != mm.op.getOperation())
      group.ops.pop_back();
  SmallVector<int64_t> ranges = mm.op.getStaticLoopRanges();
  int64_t m = ranges[mm.m], n = ranges[mm.n], k = 1;
  for (unsigned d : mm.reductions)
    k = ShapedType::isDynamic(ranges[d]) || ShapedType::isDynamic(k)
            ? ShapedType::kDynamic
            : k * ranges[d];
  // The batch of a windowed op multiplies the work of its rows.
  int64_t work = ShapedType::isDynamic(m) ? 32 : m;
  AffineMap outMap = mm.op.getMatchingIndexingMap(mm.op.getDpsInitOperand(0));
  unsigned outRank = outMap.getNumResults();
  for (unsigned r = 0; r + 2 < outRank; ++r) {
    int64_t size = ranges[outMap.getDimPosition(r)];
    work *= ShapedType::isDynamic(size) ? 32 : size;
  }
  ContractionTiles tiles = chooseContractionTiles(ctx.target, m, n, k);
  // Windowed kernels repeat the rows' work over the other output dims.
  if (mm.windowed && ctx.target.threads > 1 && tiles.threads == 1 &&
      work * n * (ShapedType::isDynamic(k) ? 32 : k) >= kMinParallelWork)
    tiles.threads = ctx.target.threads;
  if (mm.windowed) {
    // Rows are output positions: never more than there are. A strided
    // window (pooling) reads rows that are not contiguous: one at a time,
    // vectorized along the channels.
    if (!ShapedType::isDynamic(m))
      tiles.mr = std::min(tiles.mr, m);
    if (isStridedAlong(mm.op, mm.m))
      tiles.mr = 1;
  }
  if (ctx.overrides.size() >= 2) {
    tiles.mr = ctx.overrides[0];
    tiles.nr = ctx.overrides[1];
    tiles.kc = ctx.overrides.size() > 2 ? ctx.overrides[2] : 0;
    tiles.nc = ctx.overrides.size() > 3 ? ctx.overrides[3] : 0;
  }
  // Cache blocks carry C through a loop over K: the matmul goes alone, its
  // init and epilogue become passes of their own (cheap beside a matmul
  // whose B outgrows L2).
  bool blocked = !mm.windowed && !batchLoop && tiles.kc > 0;
  if (blocked)
    group.ops.assign(1, mm.op.getOperation());
  Operation *root = group.root();
  Location loc = root->getLoc();
  auto rootOp = cast<linalg::LinalgOp>(root);

  llvm::SmallPtrSet<Operation *, 8> members(group.ops.begin(),
                                            group.ops.end());
  SmallVector<Operation *> current = group.ops;
  Operation *currentRoot = root;
  Operation *outermost = nullptr;

  // Threads: chunks of whole register tiles along M or N, or of the batch
  // (the outermost output dimension) for windowed kernels.
  if (tiles.threads > 1) {
    rewriter.setInsertionPoint(root);
    OpFoldResult zero = rewriter.getIndexAttr(0);
    SmallVector<OpFoldResult> sizes;
    AffineExpr s0 = getAffineSymbolExpr(0, rewriter.getContext());
    if (mm.windowed && outRank > 2 &&
        ShapedType::isDynamic(
            cast<ShapedType>(rootOp->getResult(0).getType()).getDimSize(0))) {
      OpFoldResult size =
          tensor::getMixedSize(rewriter, loc, rootOp.getDpsInits()[0], 0);
      OpFoldResult chunk = affine::makeComposedFoldedAffineApply(
          rewriter, loc, (s0 + tiles.threads - 1).floorDiv(tiles.threads),
          {size});
      sizes = tileOfOutputDim(rewriter, rootOp, 0, chunk);
    } else if (tiles.parallelDim == 1) {
      int64_t nTiles = (n + tiles.nr - 1) / tiles.nr;
      OpFoldResult chunkN = rewriter.getIndexAttr(
          (nTiles + tiles.threads - 1) / tiles.threads * tiles.nr);
      sizes = tileOfOutput(rewriter, rootOp, zero, chunkN);
    } else {
      // ceil(M / (threads * mr)) * mr, at run time when M is dynamic.
      OpFoldResult size = tensor::getMixedSize(
          rewriter, loc, rootOp.getDpsInits()[0], outRank - 2);
      int64_t unit = tiles.threads * tiles.mr;
      OpFoldResult chunkM = affine::makeComposedFoldedAffineApply(
          rewriter, loc, (s0 + unit - 1).floorDiv(unit) * tiles.mr, {size});
      sizes = tileOfOutput(rewriter, rootOp, chunkM, zero);
    }
    FailureOr<scf::SCFTileAndFuseResult> level =
        tileAndFuse(rewriter, root, sizes, members, /*forall=*/true);
    if (failed(level))
      return failure();
    outermost = level->loops.front();
    current = tiledMembers(*level);
    resolveDimsAndErase(outermost->getParentOp());
    currentRoot = current.front();
    members.clear();
    members.insert(current.begin(), current.end());
  }

  // Cache blocks: N in chunks of nc, K of kc, so that a kc x nc block of B
  // stays in L2 while every row tile streams it, and a kc x nr panel of B
  // and the row tile's kc columns of A stay in L1. Each block of B is
  // packed (packB) once for all the row tiles that read it.
  Value packedBlock, packed;
  if (blocked) {
    auto op = cast<linalg::LinalgOp>(currentRoot);
    std::optional<Matmul> info = matchMatmul(op);
    if (!info)
      return failure();
    SmallVector<OpFoldResult> sizes(op.getNumLoops(), rewriter.getIndexAttr(0));
    sizes[info->n] = rewriter.getIndexAttr(tiles.nc);
    sizes[info->k] = rewriter.getIndexAttr(tiles.kc);
    scf::SCFTilingOptions options;
    options.setTileSizes(sizes);
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> blocks = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(blocks) || blocks->loops.empty())
      return failure();
    rewriter.replaceOp(op, blocks->replacements);
    if (!outermost)
      outermost = blocks->loops.front();
    currentRoot = blocks->tiledOps.back();
    members.clear();
    members.insert(currentRoot);
    rewriter.setInsertionPoint(currentRoot);
    packedBlock =
        cast<linalg::LinalgOp>(currentRoot).getDpsInputOperand(1)->get();
    packed = packB(rewriter, loc, packedBlock, tiles.nr);
  }

  // Image by image: a sequential loop over the batch reduction, the
  // output tile accumulating across it.
  if (batchLoop) {
    auto op = cast<linalg::LinalgOp>(currentRoot);
    SmallVector<OpFoldResult> sizes(op.getNumLoops(), rewriter.getIndexAttr(0));
    sizes[*batchLoop] = rewriter.getIndexAttr(1);
    scf::SCFTilingOptions options;
    options.setTileSizes(sizes);
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> images = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(images) || images->loops.empty())
      return failure();
    rewriter.replaceOp(op, images->replacements);
    if (!outermost)
      outermost = images->loops.front();
    currentRoot = images->tiledOps.back();
    members.clear();
    members.insert(currentRoot);
  }

  // Register tiles, fused; the other output dimensions one at a time. Rows
  // go outside columns: a row tile's kc-long pieces of A stay in L1 while
  // the panels of B stream from L2 (columns outside rows measured slower:
  // A, unpacked, then streams from beyond L2).
  auto curRootOp = cast<linalg::LinalgOp>(currentRoot);
  FailureOr<scf::SCFTileAndFuseResult> reg = tileAndFuse(
      rewriter, currentRoot,
      tileOfOutput(rewriter, curRootOp, rewriter.getIndexAttr(tiles.mr),
                   rewriter.getIndexAttr(tiles.nr), /*others=*/1),
      members, /*forall=*/false);
  if (failed(reg) || reg->loops.size() < 2)
    return failure();
  // Before any cleanup: until then the packing loop has no user.
  if (packed)
    readPackedB(rewriter, reg->loops.front()->getParentOp(), packedBlock,
                packed, tiles.nr);
  if (!outermost)
    outermost = reg->loops.front();
  resolveDimsAndErase(outermost->getParentOp());

  // Peel: rows, then columns in both row loops. The row and column loops
  // are the last two (loops follow the root's loop order, and the root's
  // output is read in order by the epilogue generics).
  SmallVector<scf::ForOp> rowLoops;
  unsigned rowIndex = reg->loops.size() - 2;
  if (auto rows = dyn_cast<scf::ForOp>(reg->loops[rowIndex].getOperation()))
    rowLoops = peel(rewriter, rows);
  for (scf::ForOp rows : rowLoops) {
    scf::ForOp cols;
    rows.getBody()->walk([&](scf::ForOp f) {
      if (f->getParentOp() == rows)
        cols = f;
    });
    if (cols)
      peel(rewriter, cols);
  }
  // The partial row tile (a ragged batch, or a batch of 1 in predict) goes
  // row by row: one row at full vector width beats mr masked rows.
  if (rowLoops.size() == 2 && tiles.mr > 1 && ShapedType::isDynamic(m))
    retileRowByRow(rewriter, rowLoops[1]);

  // The loop nests of the group: the forall, or the outer loops, or the row
  // loops (the full tiles and the partial ones peeling put beside them).
  SmallVector<Operation *> nests;
  if (outermost != reg->loops.front().getOperation() || rowIndex > 0 ||
      rowLoops.empty())
    nests.push_back(outermost);
  else
    for (scf::ForOp f : rowLoops)
      nests.push_back(f);

  // K: one outer product per step, inside every (peeled) tile.
  SmallVector<linalg::LinalgOp> kernels;
  for (Operation *nest : nests)
    nest->walk([&](linalg::LinalgOp op) {
      if (matchMatmul(op) || (mm.windowed && matchWindowed(op)))
        kernels.push_back(op);
    });
  for (linalg::LinalgOp op : kernels) {
    if (mm.windowed) {
      tileWindowReductions(rewriter, op);
      continue;
    }
    auto info = matchMatmul(op);
    SmallVector<OpFoldResult> sizes(3, rewriter.getIndexAttr(0));
    sizes[info->k] = rewriter.getIndexAttr(1);
    scf::SCFTilingOptions kTiling;
    kTiling.setTileSizes(sizes);
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> kt =
        scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()),
                          kTiling);
    if (failed(kt))
      continue;
    rewriter.replaceOp(op, kt->replacements);
  }
  IntegerAttr kernel = rewriter.getI64IntegerAttr(ctx.nextKernel++);
  for (Operation *nest : nests) {
    nest->setAttr(kKernelAttr, kernel);
    // Inner loops too: folding a one-iteration outer loop (a static partial
    // tile) brings them to the top level.
    nest->walk([&](scf::ForOp f) { f->setAttr(kKernelAttr, kernel); });
    nest->walk([&](linalg::LinalgOp op) {
      op->setAttr(kTiledAttr, rewriter.getUnitAttr());
    });
  }
  return success();
}

/// Splits the first loop of `root` (with the fusable `members`) over the
/// threads with an scf.forall, when it is parallel and the pass is large.
/// Returns the forall and the tiled members (root first), or nothing.
std::optional<std::pair<Operation *, SmallVector<Operation *>>>
splitForThreads(TileContext &ctx, linalg::LinalgOp root,
                llvm::SmallPtrSetImpl<Operation *> &members) {
  RewriterBase &rewriter = ctx.rewriter;
  int64_t threads = ctx.target.threads;
  if (threads <= 1 || root.getNumLoops() == 0 ||
      root.getIteratorTypesArray()[0] != utils::IteratorType::parallel ||
      !isa<func::FuncOp>(root->getParentOp()))
    return std::nullopt;
  int64_t elements = 1;
  for (int64_t r : root.getStaticLoopRanges())
    elements *= ShapedType::isDynamic(r) ? 32 : r;
  SmallVector<int64_t> ranges = root.getStaticLoopRanges();
  if (elements < kMinParallelElements ||
      (!ShapedType::isDynamic(ranges[0]) && ranges[0] < threads))
    return std::nullopt;
  Location loc = root.getLoc();
  rewriter.setInsertionPoint(root);
  SmallVector<Range> domain =
      cast<TilingInterface>(root.getOperation()).getIterationDomain(rewriter);
  AffineExpr s0 = getAffineSymbolExpr(0, rewriter.getContext());
  OpFoldResult chunk = affine::makeComposedFoldedAffineApply(
      rewriter, loc, (s0 + threads - 1).floorDiv(threads), {domain[0].size});
  SmallVector<OpFoldResult> sizes(root.getNumLoops(), rewriter.getIndexAttr(0));
  sizes[0] = chunk;
  FailureOr<scf::SCFTileAndFuseResult> result =
      tileAndFuse(rewriter, root, sizes, members, /*forall=*/true);
  if (failed(result) || result->loops.empty())
    return std::nullopt;
  Operation *forall = result->loops.front();
  resolveDimsAndErase(forall->getParentOp());
  return std::make_pair(forall, tiledMembers(*result));
}

//===----------------------------------------------------------------------===//
// Phase 2b: fusion groups of the other ops
//===----------------------------------------------------------------------===//

/// The loop of `producer` that produces dimension `pos` of its first
/// result, when that loop is parallel.
std::optional<unsigned> producerLoopFor(linalg::LinalgOp producer,
                                        unsigned pos) {
  if (producer->getNumResults() == 0)
    return std::nullopt;
  AffineMap out =
      producer.getMatchingIndexingMap(producer.getDpsInitOperand(0));
  if (pos >= out.getNumResults())
    return std::nullopt;
  auto dim = dyn_cast<AffineDimExpr>(out.getResult(pos));
  if (!dim || producer.getIteratorTypesArray()[dim.getPosition()] !=
                  utils::IteratorType::parallel)
    return std::nullopt;
  // Every result must be produced along that loop at the same position.
  for (OpOperand &init : producer.getDpsInitsMutable()) {
    AffineMap m = producer.getMatchingIndexingMap(&init);
    if (pos >= m.getNumResults() || m.getResult(pos) != out.getResult(pos))
      return std::nullopt;
  }
  return dim.getPosition();
}

/// Groups an op with the producers it can compute tile by tile: the root's
/// first parallel loop is tiled, and a producer joins when the member that
/// reads it indexes it by that loop and the producer computes that
/// dimension in a parallel loop (so no tile is computed twice), and its
/// other users come after the root. The softmax statistics, cross-entropy
/// gradient and accuracy over rows, or the bias gradient (a column sum) and
/// the bias update over columns, each become one pass.
void tileFusionGroups(TileContext &ctx, func::FuncOp func) {
  RewriterBase &rewriter = ctx.rewriter;
  SmallVector<linalg::LinalgOp> candidates;
  for (Operation &op : func.getBody().front())
    if (auto l = dyn_cast<linalg::LinalgOp>(op))
      if (!l->hasAttr(kTiledAttr) && l.hasPureTensorSemantics() &&
          l->getNumResults() > 0 && l.getNumLoops() > 0)
        candidates.push_back(l);
  llvm::DenseSet<Operation *> grouped;
  for (linalg::LinalgOp root : llvm::reverse(candidates)) {
    if (grouped.contains(root))
      continue;
    SmallVector<utils::IteratorType> iters = root.getIteratorTypesArray();
    if (iters[0] != utils::IteratorType::parallel)
      continue;
    // Members and the loop of each that the tiling splits.
    llvm::MapVector<Operation *, unsigned> tiledLoop;
    tiledLoop[root] = 0;
    SmallVector<Operation *> worklist = {root};
    while (!worklist.empty()) {
      auto member = cast<linalg::LinalgOp>(worklist.pop_back_val());
      unsigned loop = tiledLoop[member];
      for (OpOperand &operand : member->getOpOperands()) {
        auto producer = operand.get().getDefiningOp<linalg::LinalgOp>();
        if (!producer || producer->getBlock() != root->getBlock() ||
            producer->hasAttr(kTiledAttr) || grouped.contains(producer) ||
            !producer.hasPureTensorSemantics() || matchMatmul(producer) ||
            producer.getNumLoops() == 0)
          continue;
        AffineMap map = member.getMatchingIndexingMap(&operand);
        std::optional<unsigned> pos =
            map.getResultPosition(getAffineDimExpr(loop, rewriter.getContext()));
        if (!pos)
          continue;
        std::optional<unsigned> ploop = producerLoopFor(producer, *pos);
        if (!ploop)
          continue;
        auto it = tiledLoop.find(producer);
        if (it != tiledLoop.end()) {
          if (it->second != *ploop)
            tiledLoop.erase(it); // inconsistent: keep it out
          continue;
        }
        // Other users must come after the root (the loop yields the value).
        bool late = llvm::all_of(producer->getUsers(), [&](Operation *u) {
          Operation *a = root->getBlock()->findAncestorOpInBlock(*u);
          return a && (tiledLoop.count(a) || root->isBeforeInBlock(a) ||
                       a == root.getOperation());
        });
        if (!late)
          continue;
        tiledLoop[producer] = *ploop;
        worklist.push_back(producer);
      }
    }
    if (tiledLoop.size() < 2)
      continue;
    llvm::SmallPtrSet<Operation *, 8> members;
    for (auto &[op, loop] : tiledLoop)
      members.insert(op);
    // Rows in blocks of 8; a contiguous (innermost) loop in vectors.
    SmallVector<int64_t> ranges = root.getStaticLoopRanges();
    bool innermost = root.getNumLoops() == 1;
    int64_t tile = innermost ? 2 * ctx.target.lanes() : 8;
    if (!ShapedType::isDynamic(ranges[0]) && ranges[0] <= tile)
      continue;
    for (Operation *op : members)
      grouped.insert(op);
    // Large passes split over the threads first.
    Operation *forall = nullptr;
    linalg::LinalgOp inner = root;
    if (auto split = splitForThreads(ctx, root, members)) {
      forall = split->first;
      inner = cast<linalg::LinalgOp>(split->second.front());
      members.clear();
      members.insert(split->second.begin(), split->second.end());
    }
    SmallVector<OpFoldResult> sizes(inner.getNumLoops(),
                                    rewriter.getIndexAttr(0));
    sizes[0] = rewriter.getIndexAttr(tile);
    FailureOr<scf::SCFTileAndFuseResult> result =
        tileAndFuse(rewriter, inner, sizes, members, /*forall=*/false);
    if (failed(result) || result->loops.empty())
      continue;
    // Peeled: full tiles are static, so their temporaries are small static
    // buffers, hoisted out of the loops after bufferization.
    SmallVector<Operation *> nests = {result->loops.front()};
    if (auto f = dyn_cast<scf::ForOp>(result->loops.front().getOperation()))
      for (scf::ForOp l : peel(rewriter, f))
        if (l != f)
          nests.push_back(l);
    if (forall)
      nests = {forall};
    IntegerAttr kernel = rewriter.getI64IntegerAttr(ctx.nextKernel++);
    for (Operation *nest : nests)
      nest->setAttr(kKernelAttr, kernel);
    resolveDimsAndErase(func);
  }
}

//===----------------------------------------------------------------------===//
// Phase 3: everything else
//===----------------------------------------------------------------------===//

/// Tiles `op` to one vector along its innermost loop (parallel loops first,
/// reductions inside) and peels that loop.
void tileForVectors(TileContext &ctx, linalg::LinalgOp op) {
  RewriterBase &rewriter = ctx.rewriter;
  const CpuTarget &target = ctx.target;
  unsigned loops = op.getNumLoops();
  if (loops == 0)
    return;
  // A large pass at the top level: split over the threads, then tile the
  // part each thread runs.
  Operation *forall = nullptr;
  {
    llvm::SmallPtrSet<Operation *, 2> members = {op.getOperation()};
    if (op->getNumResults() > 0)
      if (auto split = splitForThreads(ctx, op, members)) {
        forall = split->first;
        op = cast<linalg::LinalgOp>(split->second.front());
        forall->setAttr(kKernelAttr,
                        rewriter.getI64IntegerAttr(ctx.nextKernel++));
      }
  }
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  int64_t lanes = target.lanes();
  // The innermost loop: whole when small, else two vectors per step.
  SmallVector<OpFoldResult> sizes(loops, rewriter.getIndexAttr(1));
  // A dynamic size with a small bound (a partial tile of a group) counts
  // as its bound: it is vectorized whole, with a mask.
  if (std::optional<SmallVector<int64_t>> bounds = vectorSizesFor(op))
    if (!bounds->empty())
      ranges = *bounds;
  int64_t inner = ranges.back();
  int64_t width = 2 * lanes;
  if (!ShapedType::isDynamic(inner) && inner <= 2 * width)
    width = 0; // untiled
  sizes.back() = rewriter.getIndexAttr(width);
  bool needsTiling = false;
  for (unsigned d = 0; d + 1 < loops; ++d)
    needsTiling |= ranges[d] != 1;
  needsTiling |= width != 0;
  if (!needsTiling)
    return;
  // Parallel loops outside, reductions inside.
  SmallVector<int64_t> interchange;
  for (unsigned d = 0; d < loops; ++d)
    if (iters[d] == utils::IteratorType::parallel)
      interchange.push_back(d);
  for (unsigned d = 0; d < loops; ++d)
    if (iters[d] != utils::IteratorType::parallel)
      interchange.push_back(d);
  scf::SCFTilingOptions options;
  options.setTileSizes(sizes);
  options.setInterchange(interchange);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()),
                        options);
  if (failed(tiled))
    return;
  if (op->getNumResults())
    rewriter.replaceOp(op, tiled->replacements);
  else
    rewriter.eraseOp(op);
  if (!tiled->loops.empty())
    tiled->loops.front()->setAttr(kKernelAttr,
                                  rewriter.getI64IntegerAttr(ctx.nextKernel++));
  // Peel the loop over the innermost dimension: full vectors, then the rest.
  if (width != 0) {
    unsigned innerPos = llvm::find(interchange, loops - 1) - interchange.begin();
    if (innerPos < tiled->loops.size())
      if (auto f = dyn_cast<scf::ForOp>(tiled->loops[innerPos].getOperation()))
        for (scf::ForOp l : peel(rewriter, f))
          if (l != f && innerPos == 0)
            l->setAttr(kKernelAttr, tiled->loops.front()->getAttr(kKernelAttr));
  }
}

//===----------------------------------------------------------------------===//
// Cleanup
//===----------------------------------------------------------------------===//

/// Hoists a masked accumulator out of `loop`: an iter_arg tensor that the
/// body only reads and overwrites with the same masked transfer at the same
/// loop-invariant indices becomes a vector iter_arg, read once before the
/// loop and written once after it. Masked-off lanes then carry garbage from
/// one iteration to the next, but the masked write never stores them, so the
/// resulting tensor is unchanged. (hoistLoopInvariantSubsets does the same
/// for unmasked transfers.)
scf::ForOp hoistMaskedAccumulator(RewriterBase &rewriter, scf::ForOp loop) {
  for (auto [i, arg] : llvm::enumerate(loop.getRegionIterArgs())) {
    if (!isa<RankedTensorType>(arg.getType()))
      continue;
    vector::MaskOp readMask, writeMask;
    int others = 0;
    for (Operation *user : arg.getUsers()) {
      auto m = dyn_cast<vector::MaskOp>(user->getParentOp());
      if (isa<vector::TransferReadOp>(user) && m && !readMask)
        readMask = m;
      else if (isa<vector::TransferWriteOp>(user) && m && !writeMask)
        writeMask = m;
      else if (!isa<tensor::DimOp>(user))
        ++others;
    }
    if (others || !readMask || !writeMask ||
        readMask->getBlock() != loop.getBody() ||
        writeMask->getBlock() != loop.getBody())
      continue;
    auto read = cast<vector::TransferReadOp>(readMask.getMaskableOp());
    auto write = cast<vector::TransferWriteOp>(writeMask.getMaskableOp());
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    if (yield.getOperand(i) != writeMask.getResult(0) ||
        !writeMask.getResult(0).hasOneUse() ||
        readMask.getMask() != writeMask.getMask() ||
        read.getVectorType() != write.getVectorType() ||
        read.getPermutationMap() != write.getPermutationMap() ||
        read.getIndices() != write.getIndices() ||
        !readMask->isBeforeInBlock(writeMask))
      continue;
    auto invariant = [&](Value v) {
      return !loop.getBody()->getParent()->isAncestor(v.getParentRegion());
    };
    if (!llvm::all_of(read.getIndices(), invariant) ||
        !invariant(read.getPadding()))
      continue;
    // The mask may read the sizes of the iter_arg, which the masked write
    // preserves: take them from the init instead.
    Value init = loop.getInitArgs()[i];
    Value mask = readMask.getMask();
    rewriter.setInsertionPoint(loop);
    if (!invariant(mask)) {
      auto create = mask.getDefiningOp<vector::CreateMaskOp>();
      if (!create)
        continue;
      SmallVector<Value> bounds;
      for (Value b : create.getOperands()) {
        auto dim = b.getDefiningOp<tensor::DimOp>();
        std::optional<int64_t> index =
            dim ? dim.getConstantIndex() : std::nullopt;
        if (invariant(b))
          bounds.push_back(b);
        else if (dim && dim.getSource() == arg && index)
          bounds.push_back(
              tensor::DimOp::create(rewriter, dim.getLoc(), init, *index));
        else
          break;
      }
      if (bounds.size() != create->getNumOperands())
        continue;
      mask = vector::CreateMaskOp::create(rewriter, create.getLoc(),
                                          create.getType(), bounds);
    }

    // Read before the loop, carry the vector, write after the loop.
    IRMapping before;
    before.map(arg, init);
    before.map(readMask.getMask(), mask);
    Value vectorInit = rewriter.clone(*readMask, before)->getResult(0);
    Value newVector = write.getVector();
    auto newLoop = cast<scf::ForOp>(*loop.replaceWithAdditionalYields(
        rewriter, vectorInit, /*replaceInitOperandUsesInLoop=*/false,
        [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
          return SmallVector<Value>{newVector};
        }));
    Value tensorArg = newLoop.getRegionIterArgs()[i];
    rewriter.replaceAllUsesWith(readMask.getResult(0),
                                newLoop.getRegionIterArgs().back());
    rewriter.eraseOp(readMask);
    auto newYield = cast<scf::YieldOp>(newLoop.getBody()->getTerminator());
    rewriter.modifyOpInPlace(newYield,
                             [&] { newYield->setOperand(i, tensorArg); });
    rewriter.setInsertionPointAfter(newLoop);
    IRMapping after;
    after.map(tensorArg, newLoop.getResult(i));
    after.map(newVector, newLoop.getResults().back());
    after.map(writeMask.getMask(), mask);
    Operation *finalWrite = rewriter.clone(*writeMask, after);
    rewriter.replaceUsesWithIf(
        newLoop.getResult(i), finalWrite->getResult(0),
        [&](OpOperand &use) { return !finalWrite->isAncestor(use.getOwner()); });
    rewriter.eraseOp(writeMask);
    return newLoop;
  }
  return nullptr;
}

/// Whether the sizes of a slice at offset 0 with unit strides cover every
/// element of `whole` (provably, through value bounds).
bool coversWhole(Value whole, ArrayRef<OpFoldResult> offsets,
                 ArrayRef<OpFoldResult> sizes, ArrayRef<OpFoldResult> strides) {
  for (auto [i, size] : llvm::enumerate(sizes)) {
    if (!isConstantIntValue(offsets[i], 0) ||
        !isConstantIntValue(strides[i], 1))
      return false;
    FailureOr<bool> eq = ValueBoundsConstraintSet::areEqual(
        {size}, {whole, static_cast<int64_t>(i)});
    if (failed(eq) || !*eq)
      return false;
  }
  return true;
}

/// extract_slice of a whole tensor (dynamic sizes that tiling along other
/// dimensions left behind) is the tensor itself.
struct FoldWholeExtractSlice : OpRewritePattern<tensor::ExtractSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ExtractSliceOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getSourceType() != op.getResultType() ||
        !coversWhole(op.getSource(), op.getMixedOffsets(), op.getMixedSizes(),
                     op.getMixedStrides()))
      return failure();
    rewriter.replaceOp(op, op.getSource());
    return success();
  }
};

/// The destination operand that `v` (a transfer_write, a masked one or a
/// destination-style op result) was written into.
OpOperand *writtenDestination(Value v) {
  auto result = dyn_cast<OpResult>(v);
  if (!result)
    return nullptr;
  Operation *op = result.getOwner();
  if (auto mask = dyn_cast<vector::MaskOp>(op))
    op = mask.getMaskableOp();
  if (auto write = dyn_cast_or_null<vector::TransferWriteOp>(op))
    return &write.getBaseMutable();
  if (auto dps = dyn_cast_or_null<DestinationStyleOpInterface>(op))
    if (op == result.getOwner())
      return dps.getTiedOpOperand(result);
  return nullptr;
}

/// insert_slice(write(x into extract_slice(t)), t) with slices covering all
/// of t is write(x into t): tiling along other dimensions leaves such pairs
/// with dynamic sizes. Writing into t itself keeps the loop-carried tensor
/// visibly in place for bufferization and accumulator hoisting.
struct FoldWholeSlicePair : OpRewritePattern<tensor::InsertSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::InsertSliceOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getSourceType() != op.getDestType())
      return failure();
    OpOperand *dest = writtenDestination(op.getSource());
    if (!dest)
      return failure();
    if (dest->get() != op.getDest()) {
      auto extract = dest->get().getDefiningOp<tensor::ExtractSliceOp>();
      if (!extract || extract.getSource() != op.getDest() ||
          extract.getResultType() != op.getDestType() ||
          extract.getMixedOffsets() != op.getMixedOffsets() ||
          extract.getMixedSizes() != op.getMixedSizes() ||
          extract.getMixedStrides() != op.getMixedStrides())
        return failure();
    }
    if (!coversWhole(op.getDest(), op.getMixedOffsets(), op.getMixedSizes(),
                     op.getMixedStrides()))
      return failure();
    rewriter.modifyOpInPlace(dest->getOwner(),
                             [&] { dest->set(op.getDest()); });
    rewriter.replaceOp(op, op.getSource());
    return success();
  }
};

/// A masked read of what a masked write just wrote (same indices, same
/// mask) is the written vector where the mask is set and the padding
/// elsewhere: forward it, so that partial tiles keep their values in
/// registers as full tiles do.
struct ForwardMaskedWriteToRead : OpRewritePattern<vector::MaskOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::MaskOp readMask,
                                PatternRewriter &rewriter) const override {
    auto read =
        dyn_cast_or_null<vector::TransferReadOp>(readMask.getMaskableOp());
    if (!read || readMask.hasPassthru() || !isa<RankedTensorType>(
                                              read.getBase().getType()))
      return failure();
    auto writeMask = read.getBase().getDefiningOp<vector::MaskOp>();
    if (!writeMask)
      return failure();
    auto write =
        dyn_cast_or_null<vector::TransferWriteOp>(writeMask.getMaskableOp());
    if (!write || write.getVectorType() != read.getVectorType() ||
        write.getIndices() != read.getIndices() ||
        write.getPermutationMap() != read.getPermutationMap() ||
        !write.getPermutationMap().isMinorIdentity())
      return failure();
    if (readMask.getMask() != writeMask.getMask()) {
      auto a = readMask.getMask().getDefiningOp<vector::CreateMaskOp>();
      auto b = writeMask.getMask().getDefiningOp<vector::CreateMaskOp>();
      if (!a || !b || a.getType() != b.getType())
        return failure();
      for (auto [x, y] : llvm::zip(a.getOperands(), b.getOperands())) {
        if (x == y)
          continue;
        // The read's bounds may be the sizes of the written tensor, which
        // are those of the write's destination.
        Value xs = x;
        if (auto dim = x.getDefiningOp<tensor::DimOp>())
          if (dim.getSource() == read.getBase() && dim.getConstantIndex())
            xs = tensor::DimOp::create(rewriter, dim.getLoc(),
                                       write.getBase(),
                                       *dim.getConstantIndex());
        FailureOr<bool> eq = ValueBoundsConstraintSet::areEqual({xs}, {y});
        if (xs != x && xs.use_empty())
          rewriter.eraseOp(xs.getDefiningOp());
        if (failed(eq) || !*eq)
          return failure();
      }
    }
    Location loc = readMask.getLoc();
    Value pad = vector::BroadcastOp::create(rewriter, loc, read.getVectorType(),
                                            read.getPadding());
    rewriter.replaceOpWithNewOp<arith::SelectOp>(
        readMask, writeMask.getMask(), write.getVector(), pad);
    return success();
  }
};

/// tensor.dim of a transfer_write on tensors is the dim of what it writes
/// into; then writes whose only user was the dim die.
struct DimOfTransferWrite : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::DimOp dim,
                                PatternRewriter &rewriter) const override {
    Operation *def = dim.getSource().getDefiningOp();
    if (auto mask = dyn_cast_or_null<vector::MaskOp>(def))
      def = mask.getMaskableOp();
    auto write = dyn_cast_or_null<vector::TransferWriteOp>(def);
    if (!write || !isa<RankedTensorType>(write.getBase().getType()))
      return failure();
    rewriter.modifyOpInPlace(
        dim, [&] { dim.getSourceMutable().set(write.getBase()); });
    return success();
  }
};

/// A contraction masked only along its parallel dimensions computes
/// garbage in the masked-off lanes, which the masked write of the result
/// never stores: drop the mask, so that it lowers to plain FMAs.
struct UnmaskContraction : OpRewritePattern<vector::MaskOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::MaskOp mask,
                                PatternRewriter &rewriter) const override {
    auto contract =
        dyn_cast_or_null<vector::ContractionOp>(mask.getMaskableOp());
    if (!contract || mask.hasPassthru())
      return failure();
    // Every reduction dimension must be a single, unmasked element.
    auto maskType = cast<VectorType>(mask.getMask().getType());
    auto create = mask.getMask().getDefiningOp<vector::CreateMaskOp>();
    if (!create)
      return failure();
    for (auto [i, it] : llvm::enumerate(contract.getIteratorTypesArray())) {
      if (it != vector::IteratorType::reduction)
        continue;
      if (maskType.getDimSize(i) != 1 ||
          !isConstantIntValue(create.getOperand(i), 1))
        return failure();
    }
    rewriter.setInsertionPoint(mask);
    Operation *clone = rewriter.clone(*contract);
    rewriter.replaceOp(mask, clone->getResults());
    return success();
  }
};

void cleanup(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  RewritePatternSet patterns(ctx);
  // The pair first: folding the extract alone would leave an insert_slice.
  patterns.add<FoldWholeSlicePair>(ctx, /*benefit=*/2);
  patterns.add<UnmaskContraction, FoldWholeExtractSlice,
               ForwardMaskedWriteToRead, DimOfTransferWrite>(ctx);
  vector::populateSinkVectorOpsPatterns(patterns);
  tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
  tensor::populateFoldTensorEmptyPatterns(patterns);
  scf::populateSCFForLoopCanonicalizationPatterns(patterns);
  for (Dialect *d : ctx->getLoadedDialects())
    d->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, ctx);
  (void)applyPatternsGreedily(func, std::move(patterns));
  IRRewriter rewriter(ctx);
  DominanceInfo dom(func);
  eliminateCommonSubExpressions(rewriter, dom, func);
  func.walk([](LoopLikeOpInterface loop) { moveLoopInvariantCode(loop); });
}

struct KilnTilePass : public impl::KilnTilePassBase<KilnTilePass> {
  using KilnTilePassBase::KilnTilePassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    CpuTarget target = CpuTarget::forCpu(cpu);
    if (vectorBits > 0)
      target.vectorBits = vectorBits;
    if (threads > 0)
      target.threads = threads;
    if (l1Kib > 0)
      target.l1Bytes = l1Kib * 1024;
    if (l2Kib > 0)
      target.l2Bytes = l2Kib * 1024;
    IRRewriter rewriter(&getContext());

    // Phases 1 and 2.
    SmallVector<Matmul> matmuls;
    func.walk([&](linalg::LinalgOp op) {
      if (auto mm = matchMatmul(op))
        matmuls.push_back(*mm);
    });
    TileContext ctx{rewriter, target, tileSizes};
    for (Matmul &mm : matmuls) {
      if (mm.transposedB)
        transposeB(rewriter, mm);
      if (failed(tileContractionGroup(ctx, kernelOf(mm))))
        mm.op->emitWarning("kiln-tile: could not tile this contraction");
    }
    SmallVector<Kernel> windowed;
    func.walk([&](linalg::LinalgOp op) {
      if (!op->hasAttr(kTiledAttr))
        if (auto k = matchWindowed(op))
          windowed.push_back(*k);
    });
    for (Kernel &k : windowed)
      if (failed(tileContractionGroup(ctx, k)))
        k.op->emitWarning("kiln-tile: could not tile this window");

    // Phase 2b, then phase 3 for what is left and what is inside groups.
    tileFusionGroups(ctx, func);
    SmallVector<linalg::LinalgOp> rest;
    func.walk([&](linalg::LinalgOp op) {
      if (!op->hasAttr(kTiledAttr) && op.hasPureTensorSemantics())
        rest.push_back(op);
    });
    for (linalg::LinalgOp op : rest)
      tileForVectors(ctx, op);
    cleanup(func);

    if (vectorize) {
      SmallVector<linalg::LinalgOp> all;
      func.walk([&](linalg::LinalgOp op) { all.push_back(op); });
      for (linalg::LinalgOp op : all)
        vectorizeOp(rewriter, op);
      cleanup(func);
      // Accumulators: hoist transfer pairs on loop-carried tensors.
      SmallVector<LoopLikeOpInterface> loops;
      func.walk([&](LoopLikeOpInterface l) { loops.push_back(l); });
      for (LoopLikeOpInterface l : loops) {
        LoopLikeOpInterface h = hoistLoopInvariantSubsets(rewriter, l);
        if (auto f = dyn_cast<scf::ForOp>(h.getOperation()))
          while ((f = hoistMaskedAccumulator(rewriter, f))) {
          }
      }
      cleanup(func);
    }
    // Masks of transfers become their mask operands: later canonicalizations
    // rewrite transfers without expecting a vector.mask around them.
    {
      RewritePatternSet patterns(&getContext());
      vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
      (void)applyPatternsGreedily(func, std::move(patterns));
    }
    func.walk([&](Operation *op) { op->removeAttr(kTiledAttr); });
  }
};

} // namespace
} // namespace kiln
