//===- GpuTileContractions.cpp - kiln-gpu-tile-contractions ---------------===//
//
// A contraction on buffers (matmul in any transposition, batch matmul, a
// convolution and its gradients: any linalg op whose body is out += a * b)
// becomes one gpu.launch that computes it as a GEMM through shared memory.
// The loop dimensions fall in four groups by which operands use them:
//
//   batch  parallel, used by both inputs      -> blockIdx.z
//   M      parallel, used by the first input  -> blockIdx.x, rows of a tile
//   N      parallel, used by the second input -> blockIdx.y, columns
//   K      reductions                         -> the loop over K tiles
//
// Each group is linearized (its last dimension fastest), so a convolution
// is an implicit GEMM: M = (n, oh, ow), K = (kh, kw, c), and an operand's
// element is found by applying its indexing map to the delinearized
// indices. A block of 16x16 threads owns a BM x BN tile of the output
// (BM = 16 TM, BN = 16 TN); each thread keeps TM x TN accumulators in
// registers. Per K tile of 16, the block stages A's BM x 16 and B's 16 x BN
// elements in shared memory (each thread loads TM and TN of them, the
// operand's contiguous dimension fastest across threads, so global loads
// coalesce; 4 at a time with one 16-byte load where that dimension's size
// is a multiple of 4), waits at a barrier, and accumulates from shared
// memory. The sums start from 0; the output's value is added as they are
// stored.
// Rows of the shared tiles are padded by one element so column-wise stores
// hit distinct banks. Loads past the edges read a clamped address and use
// 0; stores past them are skipped.
//
// The cost model picks TM and TN (1, 2, 4 or 8) per contraction for the
// chip: the smallest tile that covers a short dimension, no more
// accumulators than the registers hold, then smaller tiles while the grid
// has fewer blocks than the chip has multiprocessors.
//
// With precision=tf32 an f32 contraction runs on tensor cores instead: the
// block's 8 warps split the tile, each computing its share as 16x8 tiles of
// mma.sync m16n8k8 (GpuMma.h) whose fragments it loads from the same shared
// tiles, and each lane keeps the accumulators the fragment layout gives it
// (still TM x TN of them). Tiles stay at 4 accumulators per thread or more;
// smaller ones (a 16x16 output) stay on CUDA cores.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/GpuMma.h"
#include "compiler/Codegen/Indexing.h"
#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>
#include <optional>
#include <tuple>

namespace kiln {
#define GEN_PASS_DEF_KILNGPUTILECONTRACTIONSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

constexpr int64_t kThreads = 16; // a block is kThreads x kThreads
constexpr int64_t kTileK = 16;
// Outputs per thread: 8x8 accumulators and a convolution's addressing fit
// a thread's registers (at most about 130 of 255 on sm_80 and sm_90).
constexpr int64_t kAccumulators = 64;
constexpr int64_t kWarps = kThreads * kThreads / Tf32Mma::kWarp;

/// A contraction's loop dimensions by group, each in loop order.
struct Groups {
  SmallVector<unsigned> batch, m, n, k;
  /// Whether the operand's last index moves with K (else with M or N):
  /// that dimension is the one consecutive threads load.
  bool aAlongK = false, bAlongK = false;
};

bool isMulAdd(Operation *mul, Operation *add) {
  return isa<arith::MulFOp>(mul) && isa<arith::AddFOp>(add);
}

std::optional<Groups> matchContraction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op->getNumRegions() != 1)
    return std::nullopt;
  Type element;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !isa<FloatType>(type.getElementType()) ||
        (element && type.getElementType() != element))
      return std::nullopt;
    element = type.getElementType();
  }
  Block *body = op.getBlock();
  if (body->getOperations().size() != 3 ||
      !linalg::detail::isContractionBody(*body, isMulAdd))
    return std::nullopt;

  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap a = maps[0], b = maps[1], c = maps[2];
  if (!c.isProjectedPermutation() || a.getNumResults() == 0 ||
      b.getNumResults() == 0)
    return std::nullopt;
  Groups g;
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  for (unsigned d = 0; d < kinds.size(); ++d) {
    bool inA = a.isFunctionOfDim(d), inB = b.isFunctionOfDim(d),
         inC = c.isFunctionOfDim(d);
    if (kinds[d] == utils::IteratorType::reduction) {
      if (inC || (!inA && !inB))
        return std::nullopt;
      g.k.push_back(d);
    } else if (!inC) {
      return std::nullopt;
    } else if (inA && inB) {
      g.batch.push_back(d);
    } else if (inA) {
      g.m.push_back(d);
    } else if (inB) {
      g.n.push_back(d);
    } else {
      return std::nullopt; // a broadcast along the output: not a GEMM
    }
  }
  if (g.m.empty() || g.n.empty() || g.k.empty())
    return std::nullopt;
  g.aAlongK = a.getResults().back().isFunctionOfDim(g.k.back());
  g.bAlongK = b.getResults().back().isFunctionOfDim(g.k.back()) &&
              !b.getResults().back().isFunctionOfDim(g.n.back());
  return g;
}

/// The product of the loop sizes of `dims`, `dynamic` standing for each
/// size not known at compile time.
int64_t staticExtent(ArrayRef<int64_t> ranges, ArrayRef<unsigned> dims,
                     int64_t dynamic) {
  int64_t n = 1;
  for (unsigned d : dims)
    n *= ShapedType::isDynamic(ranges[d]) ? dynamic : ranges[d];
  return n;
}

/// TM and TN for an M x N (x batches) output on `multiprocessors`, with at
/// most `accumulators` outputs per thread and, where the tile allows it, at
/// least `fewest`.
std::pair<int64_t, int64_t> chooseThreadTile(int64_t m, int64_t n,
                                             int64_t batches,
                                             int64_t multiprocessors,
                                             int64_t accumulators,
                                             int64_t fewest) {
  auto covering = [](int64_t extent) {
    int64_t t = 8;
    while (t > 1 && kThreads * (t / 2) >= extent)
      t /= 2;
    return t;
  };
  int64_t tm = covering(m), tn = covering(n);
  while (tm * tn > accumulators) {
    if (tm >= tn)
      tm /= 2;
    else
      tn /= 2;
  }
  auto blocks = [&] {
    return int64_t(llvm::divideCeil(m, kThreads * tm) *
                   llvm::divideCeil(n, kThreads * tn)) *
           batches;
  };
  while (blocks() < multiprocessors && tm * tn > fewest) {
    if (tm >= tn)
      tm /= 2;
    else
      tn /= 2;
  }
  return {tm, tn};
}

/// The warps of a block along M and N when tensor cores compute a
/// (16 TM) x (16 TN) tile: each warp's share a whole number of 16x8 mma
/// tiles, arranged to load the fewest fragment values per K step. None
/// under 4 accumulators per thread (a warp's 32 lanes hold a 16x8 tile's
/// 128).
std::optional<std::pair<int64_t, int64_t>> chooseWarps(int64_t tm,
                                                       int64_t tn) {
  std::optional<std::pair<int64_t, int64_t>> best;
  int64_t fewest = std::numeric_limits<int64_t>::max();
  for (int64_t wm = 1; wm <= kWarps; wm *= 2) {
    int64_t wn = kWarps / wm;
    if (kThreads * tm < wm * Tf32Mma::kM || kThreads * tn < wn * Tf32Mma::kN)
      continue;
    int64_t loads =
        kThreads * tm / (wm * Tf32Mma::kM) * Tf32Mma::kARegs +
        kThreads * tn / (wn * Tf32Mma::kN) * Tf32Mma::kBRegs;
    if (loads < fewest) {
      fewest = loads;
      best = {wm, wn};
    }
  }
  return best;
}

/// Builds the launch that replaces one contraction.
class KernelBuilder {
public:
  /// With `warps`, tensor cores (TF32 mma.sync) compute the tile, the
  /// block's warps arranged warps->first x warps->second.
  KernelBuilder(linalg::LinalgOp op, const Groups &groups, int64_t tm,
                int64_t tn, std::optional<std::pair<int64_t, int64_t>> warps,
                bool emulate)
      : op(op), g(groups), tm(tm), tn(tn), emulate(emulate),
        b(op.getLoc(), op.getOperation()) {
    if (warps) {
      mma.emplace(op.getContext());
      std::tie(wm, wn) = *warps;
    }
  }

  void build() {
    hostSizes();
    MLIRContext *ctx = b.getContext();
    Type element = getElementTypeOrSelf(op.getDpsInputs()[0].getType());
    Attribute space;
    if (!emulate)
      space = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
    auto tileType = [&](int64_t width) {
      return MemRefType::get({kTileK, rowPitch(width)}, element,
                             MemRefLayoutAttrInterface(), space);
    };
    Value blocksM = arith::CeilDivUIOp::create(b, extentM, cst(bm()));
    Value blocksN = arith::CeilDivUIOp::create(b, extentN, cst(bn()));
    if (emulate) {
      // One tile buffer serves every emulated thread: each stages the
      // whole tile again before reading it.
      Value tileA = memref::AllocOp::create(b, tileType(bm()));
      Value tileB = memref::AllocOp::create(b, tileType(bn()));
      if (mma) {
        scratchA = memref::AllocOp::create(
            b, MemRefType::get({Tf32Mma::kM, Tf32Mma::kK}, b.getF32Type()));
        scratchB = memref::AllocOp::create(
            b, MemRefType::get({Tf32Mma::kN, Tf32Mma::kK}, b.getF32Type()));
      }
      Ids ids;
      {
      OpBuilder::InsertionGuard guard(b);
      for (auto [bound, id] : llvm::zip_equal(
               SmallVector<Value>{extentBatch, blocksN, blocksM, cst(kThreads),
                                  cst(kThreads)},
               SmallVector<Value *>{&ids.bz, &ids.by, &ids.bx, &ids.ty,
                                    &ids.tx})) {
        auto loop = scf::ForOp::create(b, cst(0), bound, cst(1));
        b.setInsertionPointToStart(loop.getBody());
        *id = loop.getInductionVar();
      }
      kernelBody(ids, tileA, tileB);
      }
      memref::DeallocOp::create(b, tileA);
      memref::DeallocOp::create(b, tileB);
      if (mma) {
        memref::DeallocOp::create(b, scratchA);
        memref::DeallocOp::create(b, scratchB);
      }
      return;
    }
    auto launch = gpu::LaunchOp::create(
        b, blocksM, blocksN, extentBatch, cst(kThreads), cst(kThreads), cst(1),
        /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
        /*asyncDependencies=*/ValueRange(),
        TypeRange{tileType(bm()), tileType(bn())});
    Block &body = launch.getBody().front();
    b.setInsertionPointToStart(&body);
    Ids ids{launch.getBlockIds().x, launch.getBlockIds().y,
            launch.getBlockIds().z, launch.getThreadIds().x,
            launch.getThreadIds().y};
    kernelBody(ids, launch.getWorkgroupAttributions()[0],
               launch.getWorkgroupAttributions()[1]);
    b.setInsertionPointToEnd(&body);
    gpu::TerminatorOp::create(b);
  }

private:
  int64_t bm() const { return kThreads * tm; }
  int64_t bn() const { return kThreads * tn; }
  /// A shared tile's row of `width` elements, padded. For CUDA cores by
  /// one, so column-wise stores hit distinct banks; for tensor cores to 8
  /// more than a multiple of 32, so a fragment's 4 K rows by 8 columns hit
  /// distinct banks.
  int64_t rowPitch(int64_t width) const {
    return mma ? width + (40 - width % 32) % 32 : width + 1;
  }
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, v); }

  Value product(ArrayRef<unsigned> dims) {
    Value p = cst(1);
    for (unsigned d : dims)
      p = arith::MulIOp::create(b, p, sizes[d]);
    return p;
  }

  void hostSizes() {
    for (Range r : op.createLoopRanges(b, b.getLoc()))
      sizes.push_back(getValueOrCreateConstantIndexOp(b, b.getLoc(), r.size));
    extentM = product(g.m);
    extentN = product(g.n);
    extentK = product(g.k);
    extentBatch = product(g.batch);
  }

  /// Writes the index of each of `dims` into `at`, from `linear`, the last
  /// dimension fastest.
  void delinearize(Value linear, ArrayRef<unsigned> dims,
                   SmallVectorImpl<Value> &at) {
    SmallVector<Value> groupSizes;
    for (unsigned d : dims)
      groupSizes.push_back(sizes[d]);
    for (auto [d, index] :
         llvm::zip_equal(dims, kiln::delinearize(b, b.getLoc(), linear,
                                                 groupSizes)))
      at[d] = index;
  }

  /// `i`, or the last start of a group of `group` inside `extent` past it.
  Value clamp(Value i, Value extent, int64_t group = 1) {
    return arith::MinUIOp::create(b, i,
                                  arith::SubIOp::create(b, extent, cst(group)));
  }
  Value below(Value i, Value extent) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, i, extent);
  }

  /// How many consecutive elements of input `input` a thread stages with
  /// one load: 4 (a 16-byte ld.global.v4) when the staged direction is the
  /// operand's contiguous dimension, of a static size divisible by 4, in
  /// rows that start 16-byte aligned (Kiln's GPU buffers are 256-byte
  /// aligned), and the tile has a group of 4 for every thread; else 1.
  int64_t vectorWidth(unsigned input, ArrayRef<unsigned> outer, bool alongK,
                      int64_t width) {
    constexpr int64_t kVector = 4;
    if ((kTileK * width / kVector) % (kThreads * kThreads) != 0)
      return 1;
    OpOperand *use = op.getDpsInputOperand(input);
    auto type = cast<MemRefType>(use->get().getType());
    if (!type.getElementType().isF32())
      return 1;
    AffineMap map = op.getMatchingIndexingMap(use);
    unsigned d = alongK ? g.k.back() : outer.back();
    auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
    if (!last || last.getPosition() != d)
      return 1;
    for (AffineExpr r : map.getResults().drop_back())
      if (r.isFunctionOfDim(d))
        return 1;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t inner = type.getShape().back();
    if (ShapedType::isDynamic(ranges[d]) || ranges[d] % kVector ||
        ShapedType::isDynamic(inner) || inner % kVector)
      return 1;
    if (type.getLayout().isIdentity())
      return kVector;
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) ||
        strides.back() != 1 || ShapedType::isDynamic(offset) ||
        offset % kVector)
      return 1;
    for (int64_t stride : ArrayRef<int64_t>(strides).drop_back())
      if (ShapedType::isDynamic(stride) || stride % kVector)
        return 1;
    return kVector;
  }

  /// Stages the K tile at `k0` of one input in shared memory. `outer` is
  /// the M (or N) group, `origin` the tile's first row in it and `width`
  /// its rows. Consecutive threads take consecutive groups of `vec`
  /// elements along the operand's contiguous dimension (K when `alongK`),
  /// so global loads coalesce. With the extents divisible by `vec`, a group
  /// is wholly inside or wholly past the edge.
  void stage(unsigned input, ArrayRef<unsigned> outer, Value extentOuter,
             Value origin, int64_t width, bool alongK, Value k0, Value flat,
             Value tile) {
    OpOperand *operandUse = op.getDpsInputOperand(input);
    AffineMap map = op.getMatchingIndexingMap(operandUse);
    Value operand = operandUse->get();
    Type element = getElementTypeOrSelf(operand.getType());
    const int64_t vec = vectorWidth(input, outer, alongK, width);
    const int64_t groupsPerLine = (alongK ? kTileK : width) / vec;
    const int64_t perThread = kTileK * width / vec / (kThreads * kThreads);
    Value zero = arith::ConstantOp::create(b, b.getFloatAttr(element, 0.0));
    auto vectorType = VectorType::get({vec}, element);
    Value zeros;
    if (vec > 1)
      zeros = arith::ConstantOp::create(
          b, DenseElementsAttr::get(vectorType, b.getFloatAttr(element, 0.0)));
    for (int64_t r = 0; r < perThread; ++r) {
      Value e = arith::AddIOp::create(b, flat, cst(r * kThreads * kThreads));
      Value line = arith::DivUIOp::create(b, e, cst(groupsPerLine));
      Value pos = arith::MulIOp::create(
          b, arith::RemUIOp::create(b, e, cst(groupsPerLine)), cst(vec));
      Value kk = alongK ? pos : line, ii = alongK ? line : pos;
      Value gi = arith::AddIOp::create(b, origin, ii);
      Value gk = arith::AddIOp::create(b, k0, kk);
      Value inside = arith::AndIOp::create(b, below(gi, extentOuter),
                                           below(gk, extentK));
      SmallVector<Value> at = batchAt;
      delinearize(clamp(gk, extentK, alongK ? vec : 1), g.k, at);
      delinearize(clamp(gi, extentOuter, alongK ? 1 : vec), outer, at);
      SmallVector<Value> indices = applyMap(b, b.getLoc(), map, at);
      if (vec == 1) {
        Value v = memref::LoadOp::create(b, operand, indices);
        v = arith::SelectOp::create(b, inside, v, zero);
        memref::StoreOp::create(b, v, tile, ValueRange{kk, ii});
        continue;
      }
      Value v = vector::LoadOp::create(
          b, vectorType, operand, indices, /*nontemporal=*/false,
          llvm::Align(vec * element.getIntOrFloatBitWidth() / 8));
      v = arith::SelectOp::create(b, inside, v, zeros);
      for (int64_t j = 0; j < vec; ++j) {
        Value x = vector::ExtractOp::create(b, v, j);
        Value kj = alongK ? arith::AddIOp::create(b, kk, cst(j)) : kk;
        Value ij = alongK ? ii : arith::AddIOp::create(b, ii, cst(j));
        memref::StoreOp::create(b, x, tile, ValueRange{kj, ij});
      }
    }
  }

  /// The block's and the thread's indices.
  struct Ids {
    Value bx, by, bz, tx, ty;
  };

  void kernelBody(const Ids &ids, Value tileA, Value tileB) {
    Value tx = ids.tx, ty = ids.ty;
    Value originM = arith::MulIOp::create(b, ids.bx, cst(bm()));
    Value originN = arith::MulIOp::create(b, ids.by, cst(bn()));
    Value flat = arith::AddIOp::create(
        b, arith::MulIOp::create(b, ty, cst(kThreads)), tx);
    Value zeroIdx = cst(0);
    batchAt.assign(sizes.size(), zeroIdx);
    delinearize(ids.bz, g.batch, batchAt);

    // Each accumulator's row and column in the block's tile, in the order
    // of the accumulators.
    SmallVector<std::pair<Value, Value>> outputs;
    Value lane, warpM, warpN;
    if (!mma) {
      // Rows ty + 16 i, columns tx + 16 j.
      for (int64_t i = 0; i < tm; ++i)
        for (int64_t j = 0; j < tn; ++j)
          outputs.push_back(
              {arith::AddIOp::create(b, ty, cst(i * kThreads)),
               arith::AddIOp::create(b, tx, cst(j * kThreads))});
    } else {
      // The warp's share of the tile, 16x8 mma tiles with the lane's
      // accumulators where the fragment layout puts them.
      lane = arith::RemUIOp::create(b, flat, cst(Tf32Mma::kWarp));
      Value warp = arith::DivUIOp::create(b, flat, cst(Tf32Mma::kWarp));
      warpM = arith::MulIOp::create(
          b, arith::RemUIOp::create(b, warp, cst(wm)), cst(bm() / wm));
      warpN = arith::MulIOp::create(
          b, arith::DivUIOp::create(b, warp, cst(wm)), cst(bn() / wn));
      for (int64_t mi = 0; mi < mmaRows(); ++mi)
        for (int64_t ni = 0; ni < mmaCols(); ++ni)
          for (int64_t reg = 0; reg < Tf32Mma::kCRegs; ++reg) {
            auto [row, col] = mma->c(b, b.getLoc(), lane, reg);
            outputs.push_back(
                {add(warpM, row, mi * Tf32Mma::kM),
                 add(warpN, col, ni * Tf32Mma::kN)});
          }
    }
    for (auto &[row, col] : outputs) {
      row = arith::AddIOp::create(b, originM, row);
      col = arith::AddIOp::create(b, originN, col);
    }
    Value out = op.getDpsInits()[0];
    AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    // Inside the edges (the stores are guarded), so unclamped.
    auto outIndices = [&](Value row, Value col) {
      SmallVector<Value> at = batchAt;
      delinearize(row, g.m, at);
      delinearize(col, g.n, at);
      return applyMap(b, b.getLoc(), outMap, at);
    };
    // The sums start at 0 and the output's own value is added when they
    // are stored: its addresses are not live across the K loop.
    Type element = getElementTypeOrSelf(out.getType());
    SmallVector<Value> init(
        outputs.size(),
        arith::ConstantOp::create(b, b.getFloatAttr(element, 0.0)));

    auto kLoop = scf::ForOp::create(b, zeroIdx, extentK, cst(kTileK), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(kLoop.getBody());
      Value k0 = kLoop.getInductionVar();
      auto stageBoth = [&](Value loader) {
        stage(0, g.m, extentM, originM, bm(), g.aAlongK, k0, loader, tileA);
        stage(1, g.n, extentN, originN, bn(), g.bAlongK, k0, loader, tileB);
      };
      if (emulate) {
        // This thread does every thread's share of the staging.
        auto all = scf::ForOp::create(b, zeroIdx,
                                      cst(kThreads * kThreads), cst(1));
        OpBuilder::InsertionGuard stagingGuard(b);
        b.setInsertionPointToStart(all.getBody());
        stageBoth(all.getInductionVar());
      } else {
        stageBoth(flat);
        gpu::BarrierOp::create(b);
      }
      SmallVector<Value> acc =
          mma ? mmaSteps(tileA, tileB, lane, warpM, warpN,
                         kLoop.getRegionIterArgs())
              : fmaSteps(tileA, tileB, tx, ty, kLoop.getRegionIterArgs());
      if (!emulate)
        gpu::BarrierOp::create(b);
      scf::YieldOp::create(b, acc);
    }

    for (auto [acc, rc] : llvm::zip_equal(kLoop.getResults(), outputs)) {
      auto [row, col] = rc;
      Value inside = arith::AndIOp::create(b, below(row, extentM),
                                           below(col, extentN));
      auto ifOp = scf::IfOp::create(b, inside, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      SmallVector<Value> at = outIndices(row, col);
      Value sum = arith::AddFOp::create(
          b, memref::LoadOp::create(b, out, at), acc);
      memref::StoreOp::create(b, sum, out, at);
    }
  }

  Value add(Value x, Value y, int64_t c) {
    return arith::AddIOp::create(b, arith::AddIOp::create(b, x, y), cst(c));
  }
  int64_t mmaRows() const { return bm() / (wm * Tf32Mma::kM); }
  int64_t mmaCols() const { return bn() / (wn * Tf32Mma::kN); }

  /// CUDA cores: the K tile's 16 steps of TM x TN multiply-adds from the
  /// shared tiles, each thread's own A and B values broadcast.
  SmallVector<Value> fmaSteps(Value tileA, Value tileB, Value tx, Value ty,
                              ValueRange init) {
    auto contract = arith::FastMathFlagsAttr::get(
        b.getContext(), arith::FastMathFlags::contract);
    auto inner = scf::ForOp::create(b, cst(0), cst(kTileK), cst(1), init);
    OpBuilder::InsertionGuard innerGuard(b);
    b.setInsertionPointToStart(inner.getBody());
    Value kk = inner.getInductionVar();
    SmallVector<Value> as, bs, acc;
    for (int64_t i = 0; i < tm; ++i)
      as.push_back(memref::LoadOp::create(
          b, tileA,
          ValueRange{kk, arith::AddIOp::create(b, ty, cst(i * kThreads))}));
    for (int64_t j = 0; j < tn; ++j)
      bs.push_back(memref::LoadOp::create(
          b, tileB,
          ValueRange{kk, arith::AddIOp::create(b, tx, cst(j * kThreads))}));
    for (int64_t i = 0; i < tm; ++i)
      for (int64_t j = 0; j < tn; ++j) {
        Value p = arith::MulFOp::create(b, as[i], bs[j], contract);
        acc.push_back(arith::AddFOp::create(
            b, inner.getRegionIterArgs()[i * tn + j], p, contract));
      }
    scf::YieldOp::create(b, acc);
    return inner.getResults();
  }

  /// Tensor cores: per 8 of the K tile, the warp's A fragments (16x8 each)
  /// and B fragments (8x8) from the shared tiles, and an mma.sync for each
  /// pair.
  SmallVector<Value> mmaSteps(Value tileA, Value tileB, Value lane,
                              Value warpM, Value warpN, ValueRange init) {
    SmallVector<Value> acc(init.begin(), init.end());
    for (int64_t ks = 0; ks < kTileK; ks += Tf32Mma::kK) {
      // A fragment value at `at` (a row of A or a column of B, and k) in
      // the mma tile at `origin` of the shared tile.
      auto load = [&](Value tile, std::array<Value, 2> at, Value origin,
                      int64_t offset) {
        Value v = memref::LoadOp::create(
            b, tile,
            ValueRange{arith::AddIOp::create(b, at[1], cst(ks)),
                       add(origin, at[0], offset)});
        return mma->operand(b, b.getLoc(), v, emulate);
      };
      auto loadA = [&](Value l, int64_t mi, int64_t reg) {
        return load(tileA, mma->a(b, b.getLoc(), l, reg), warpM,
                    mi * Tf32Mma::kM);
      };
      auto loadB = [&](Value l, int64_t ni, int64_t reg) {
        return load(tileB, mma->bOperand(b, b.getLoc(), l, reg), warpN,
                    ni * Tf32Mma::kN);
      };
      SmallVector<SmallVector<Value>> as(mmaRows()), bs(mmaCols());
      if (!emulate) {
        for (int64_t mi = 0; mi < mmaRows(); ++mi)
          for (int64_t reg = 0; reg < Tf32Mma::kARegs; ++reg)
            as[mi].push_back(loadA(lane, mi, reg));
        for (int64_t ni = 0; ni < mmaCols(); ++ni)
          for (int64_t reg = 0; reg < Tf32Mma::kBRegs; ++reg)
            bs[ni].push_back(loadB(lane, ni, reg));
      }
      for (int64_t mi = 0; mi < mmaRows(); ++mi)
        for (int64_t ni = 0; ni < mmaCols(); ++ni) {
          MutableArrayRef<Value> c(acc.data() +
                                       (mi * mmaCols() + ni) * Tf32Mma::kCRegs,
                                   Tf32Mma::kCRegs);
          SmallVector<Value> d =
              emulate
                  ? mma->emulated(
                        b, b.getLoc(), lane,
                        [&](Value l, int64_t reg) { return loadA(l, mi, reg); },
                        [&](Value l, int64_t reg) { return loadB(l, ni, reg); },
                        SmallVector<Value>(c), scratchA, scratchB)
                  : mma->sync(b, b.getLoc(), as[mi], bs[ni],
                              SmallVector<Value>(c));
          llvm::copy(d, c.begin());
        }
    }
    return acc;
  }

  linalg::LinalgOp op;
  const Groups &g;
  int64_t tm, tn;
  std::optional<Tf32Mma> mma;
  int64_t wm = 0, wn = 0; // warps along M and N, with mma
  bool emulate;
  Value scratchA, scratchB; // the emulated mma's warp fragments
  ImplicitLocOpBuilder b;
  SmallVector<Value> sizes; // each loop dimension's size, on the host
  SmallVector<Value> batchAt; // loop indices with the batch group's set
  Value extentM, extentN, extentK, extentBatch;
};

struct KilnGpuTileContractionsPass
    : public impl::KilnGpuTileContractionsPassBase<
          KilnGpuTileContractionsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (precision != "fp32" && precision != "tf32") {
      getOperation()->emitError()
          << "kiln-gpu-tile-contractions: unknown precision '" << precision
          << "' (expected fp32 or tf32)";
      return signalPassFailure();
    }
    std::vector<std::pair<linalg::LinalgOp, Groups>> found;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op->getParentOfType<gpu::LaunchOp>())
        return;
      if (std::optional<Groups> g = matchContraction(op))
        found.emplace_back(op, *g);
    });
    for (auto &[op, g] : found) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      // Tensor cores take f32 operands as TF32 and need 4 accumulators
      // per thread; a smaller tile stays on CUDA cores.
      bool tf32 = precision == "tf32" &&
                  getElementTypeOrSelf(op.getDpsInputs()[0].getType()).isF32();
      auto [tm, tn] = chooseThreadTile(
          staticExtent(ranges, g.m, assumedExtent),
          staticExtent(ranges, g.n, assumedExtent),
          staticExtent(ranges, g.batch, 1), multiprocessors,
          kAccumulators,
          tf32 ? Tf32Mma::kCRegs : 1);
      std::optional<std::pair<int64_t, int64_t>> warps;
      if (tf32)
        warps = chooseWarps(tm, tn);
      KernelBuilder(op, g, tm, tn, warps, emulate).build();
      op->erase();
    }
  }
};

} // namespace
} // namespace kiln
