//===- TileCleanup.cpp - kiln-tile's cleanups -------------------------------===//
#include "compiler/Codegen/TileSupport.h"


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

using namespace mlir;

namespace kiln::tile {

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

namespace {

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
/// destination-style op result) was written into. An scf.for result was
/// written into its init, and through it into whatever wrote that (the
/// row-tile loops of a K block carry its C tile that way).
OpOperand *writtenDestination(Value v) {
  auto result = dyn_cast<OpResult>(v);
  if (!result)
    return nullptr;
  Operation *op = result.getOwner();
  if (auto loop = dyn_cast<scf::ForOp>(op)) {
    OpOperand *init = loop.getTiedLoopInit(result);
    if (OpOperand *deeper = writtenDestination(init->get()))
      return deeper;
    return init;
  }
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

} // namespace

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

} // namespace kiln::tile
