//===- ContiguousB.cpp - kiln-contiguous-b --------------------------------===//
//
// The first step of code generation on tensors: a contraction whose B is
// read transposed (the input gradient of a dense layer, dX = dY * W^T)
// reads B through a transpose copied once per step, which kiln-tile then
// tiles and vectorizes like any elementwise op.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/ContiguousB.h"
#include "compiler/Codegen/Passes.h"
#include "compiler/Codegen/Strategy.h"
#include "compiler/Codegen/TileMatmul.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "kiln-contiguous-b"

namespace kiln {
#define GEN_PASS_DEF_KILNCONTIGUOUSBPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {

FailureOr<linalg::TransposeOp> makeBContiguous(RewriterBase &rewriter,
                                               linalg::LinalgOp op) {
  std::optional<tile::Matmul> mm = tile::matchMatmul(op);
  if (!mm)
    return rewriter.notifyMatchFailure(op, "not a 2-D matmul");
  if (!mm->transposedB)
    return rewriter.notifyMatchFailure(op, "B is already read by rows");
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value b = op.getDpsInputOperand(1)->get();
  auto type = cast<RankedTensorType>(b.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, b);
  std::swap(sizes[0], sizes[1]);
  Value empty =
      tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
  auto transpose = linalg::TransposeOp::create(rewriter, loc, b, empty,
                                               ArrayRef<int64_t>{1, 0});
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  maps[1] = AffineMap::get(
      3, 0, {getAffineDimExpr(mm->k, ctx), getAffineDimExpr(mm->n, ctx)}, ctx);
  ArrayAttr mapsAttr = rewriter.getAffineMapArrayAttr(maps);
  rewriter.modifyOpInPlace(op, [&] {
    op->setOperand(1, transpose->getResult(0));
    if (auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation()))
      matmul.setIndexingMapsAttr(mapsAttr);
    else
      op->setAttr("indexing_maps", mapsAttr);
  });
  LLVM_DEBUG(llvm::dbgs() << "kiln-contiguous-b: B of " << op->getLoc()
                          << " read through a transpose\n");
  return transpose;
}

namespace {

struct ContiguousBPattern
    : public OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!op->hasAttr(kTilingAttrName))
      return rewriter.notifyMatchFailure(op, "no #kiln.tiling: not a kernel");
    return makeBContiguous(rewriter, op);
  }
};

struct KilnContiguousBPass
    : public impl::KilnContiguousBPassBase<KilnContiguousBPass> {
  using KilnContiguousBPassBase::KilnContiguousBPassBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateContiguousBPatterns(patterns);
    // No folding or dead-code removal on the way: this pass changes the
    // contractions and nothing else.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void populateContiguousBPatterns(RewritePatternSet &patterns) {
  patterns.add<ContiguousBPattern>(patterns.getContext());
}

} // namespace kiln
