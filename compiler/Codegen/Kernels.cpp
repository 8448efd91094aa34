//===- Kernels.cpp - What kiln-tile tiles, as the strategy sees it --------===//
#include "compiler/Codegen/Kernels.h"
#include "compiler/Codegen/CostModel.h"

#include "dialects/Kiln/IR/KilnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace kiln::tile {

bool isKernelLevel(Operation *op) {
  Operation *parent = op->getParentOp();
  return isa<func::FuncOp>(parent) ||
         (isa<scf::ForOp>(parent) && parent->hasAttr(kTimeLoopAttrName));
}

int64_t aRowStride(Kernel k) {
  if (k.windowed || k.reductions.size() != 1)
    return 0;
  OpOperand *a = k.op.getDpsInputOperand(0);
  AffineMap map = k.op.getMatchingIndexingMap(a);
  auto type = dyn_cast<ShapedType>(a->get().getType());
  if (!type || map.getNumResults() != 2 || type.getRank() != 2 ||
      map.getDimPosition(0) != k.m || map.getDimPosition(1) != k.reductions[0])
    return 0;
  return type.getDimSize(1);
}

Kernel kernelOf(const Matmul &mm) {
  return Kernel{mm.op, mm.m, mm.n, {mm.k}};
}

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

std::optional<unsigned> batchReduction(Kernel k, ArrayRef<int64_t> ranges) {
  if (!k.windowed || !cast<ShapedType>(k.op->getResult(0).getType())
                          .hasStaticShape())
    return std::nullopt;
  for (unsigned d : k.reductions)
    if (ShapedType::isDynamic(ranges[d]))
      return d;
  return std::nullopt;
}

std::optional<unsigned> splittableReduction(linalg::LinalgOp op,
                                            int64_t threads) {
  if (!op.hasPureTensorSemantics() || op->getNumResults() != 1 ||
      op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0 ||
      !isKernelLevel(op) || matchMatmul(op))
    return std::nullopt;
  auto type = cast<ShapedType>(op->getResult(0).getType());
  if (!type.getElementType().isF32())
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  int64_t outputs = 1, work = 1;
  std::optional<unsigned> split;
  for (unsigned d = 0; d < ranges.size(); ++d) {
    bool dynamic = ShapedType::isDynamic(ranges[d]);
    int64_t size = dynamic ? kAssumedBatch : ranges[d];
    work *= size;
    if (iters[d] == utils::IteratorType::parallel) {
      outputs *= size;
      continue;
    }
    if (dynamic && !(split && ShapedType::isDynamic(ranges[*split])))
      split = d;
    else if (!dynamic && size >= threads &&
             (!split || (!ShapedType::isDynamic(ranges[*split]) &&
                         size > ranges[*split])))
      split = d;
  }
  // Outputs that fill the threads are split by the other phases.
  if (!split || outputs >= kMinParallelElements || work < kMinParallelWork)
    return std::nullopt;
  return split;
}

bool isSum(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value out = body->getArgument(body->getNumArguments() - 1);
  return add.getLhs() == out || add.getRhs() == out;
}

} // namespace kiln::tile
