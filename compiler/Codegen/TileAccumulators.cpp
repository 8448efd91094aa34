//===- TileAccumulators.cpp - more FMA chains for thin register tiles -----===//
//
// A register tile's k loop carries its accumulators: every step issues one
// FMA into each, and an FMA waits for the previous one into the same
// register (4 cycles on Zen and recent Intel cores, two FMA ports). A tile
// of fewer than latency x ports vectors is latency-bound: the 1 x 16 tile a
// batch of one row runs (predict at batch 1, the ragged rows of a batch) on
// AVX2 is two vectors, a quarter of the FMA rate. Such a loop is unrolled by
// F with F independent accumulators, summed after the loop (a reassociation
// like any blocked sum). On znver4 with AVX2 (4 interleaved runs, medians)
// it took the MLP's predict at batch 1 from 25.9 to 21.6 us and its train
// step at batch 32 from 46.0k to 53.5k samples/s.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/TileSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace kiln::tile {

/// Independent FMA chains that keep the FMA ports busy: latency (4) times
/// ports (2).
constexpr int64_t kChains = 8;
constexpr int64_t kMaxUnroll = 4;

/// The unroll factor for `loop`: a k loop whose single vector iter_arg is
/// only the accumulator of the vector.contract it yields, in fewer vector
/// registers than kChains. 1 when it is not one or has enough chains.
static int64_t unrollFactor(scf::ForOp loop, int64_t lanes) {
  if (loop.getNumRegionIterArgs() != 1)
    return 1;
  BlockArgument acc = loop.getRegionIterArgs()[0];
  auto type = dyn_cast<VectorType>(acc.getType());
  if (!type || type.isScalable() || !type.getElementType().isF32() ||
      !acc.hasOneUse())
    return 1;
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  auto contract = yield.getOperand(0).getDefiningOp<vector::ContractionOp>();
  if (!contract || contract.getAcc() != acc ||
      contract.getKind() != vector::CombiningKind::ADD ||
      !contract->getResult(0).hasOneUse())
    return 1;
  // A row of the tile is padded to whole registers.
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rowLanes = shape.back();
  int64_t rows = type.getNumElements() / std::max<int64_t>(1, rowLanes);
  int64_t registers = rows * ((rowLanes + lanes - 1) / lanes);
  int64_t factor = 1;
  while (factor < kMaxUnroll && registers * factor * 2 <= kChains)
    factor *= 2;
  // Too few steps to pay for the extra accumulators and their sum.
  if (std::optional<APInt> trips = loop.getStaticTripCount())
    if (trips->getSExtValue() < 4 * factor)
      return 1;
  return factor;
}

/// Unrolls `loop` by `factor` into as many accumulators; the steps that do
/// not fill a whole unrolled iteration run after in a copy of the original
/// loop, accumulating into the sum.
static void splitChains(RewriterBase &rewriter, scf::ForOp loop,
                        int64_t factor) {
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  Value lb = loop.getLowerBound(), ub = loop.getUpperBound(),
        step = loop.getStep();
  // Whole unrolled iterations end at lb + (ub - lb) / (step * F) * step * F.
  Value bigStep = arith::MulIOp::create(
      rewriter, loc, step,
      arith::ConstantIndexOp::create(rewriter, loc, factor));
  Value span = arith::SubIOp::create(rewriter, loc, ub, lb);
  Value whole = arith::DivUIOp::create(rewriter, loc, span, bigStep);
  Value split = arith::AddIOp::create(
      rewriter, loc, lb, arith::MulIOp::create(rewriter, loc, whole, bigStep));

  Value init = loop.getInitArgs()[0];
  auto type = cast<VectorType>(init.getType());
  Value zero = arith::ConstantOp::create(
      rewriter, loc, type,
      DenseElementsAttr::get(type, rewriter.getF32FloatAttr(0.0f)));
  SmallVector<Value> inits(factor, zero);
  inits[0] = init;
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  auto unrolled = scf::ForOp::create(
      rewriter, loc, lb, split, bigStep, inits,
      [&](OpBuilder &b, Location l, Value iv, ValueRange accs) {
        SmallVector<Value> results;
        for (int64_t j = 0; j < factor; ++j) {
          IRMapping map;
          Value stepIv = iv;
          if (j > 0)
            stepIv = arith::AddIOp::create(
                b, l, iv,
                arith::MulIOp::create(
                    b, l, step, arith::ConstantIndexOp::create(b, l, j)));
          map.map(loop.getInductionVar(), stepIv);
          map.map(loop.getRegionIterArgs()[0], accs[j]);
          for (Operation &op : loop.getBody()->without_terminator())
            b.clone(op, map);
          results.push_back(map.lookup(yield.getOperand(0)));
        }
        scf::YieldOp::create(b, l, results);
      });
  unrolled->setDiscardableAttrs(loop->getDiscardableAttrDictionary());
  // Pairwise: the sums of the chains are independent too.
  SmallVector<Value> sums(unrolled.getResults());
  while (sums.size() > 1) {
    SmallVector<Value> next;
    for (size_t i = 0; i + 1 < sums.size(); i += 2)
      next.push_back(arith::AddFOp::create(rewriter, loc, sums[i], sums[i + 1]));
    sums = next;
  }
  rewriter.modifyOpInPlace(loop, [&] {
    loop.getLowerBoundMutable().assign(split);
    loop.getInitArgsMutable()[0].assign(sums[0]);
  });
}

void splitAccumulatorChains(TileContext &ctx, func::FuncOp func) {
  SmallVector<std::pair<scf::ForOp, int64_t>> loops;
  func.walk([&](scf::ForOp loop) {
    int64_t factor = unrollFactor(loop, ctx.target.lanes());
    if (factor > 1)
      loops.push_back({loop, factor});
  });
  for (auto [loop, factor] : loops)
    splitChains(ctx.rewriter, loop, factor);
}

} // namespace kiln::tile
