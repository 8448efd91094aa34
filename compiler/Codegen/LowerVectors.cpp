//===- LowerVectors.cpp - kiln-lower-vectors ------------------------------===//
#include "compiler/Codegen/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_KILNLOWERVECTORSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

/// The f32 math functions with polynomial approximations upstream.
bool approximated(StringRef name) {
  name.consume_front("math.");
  return llvm::is_contained({"exp", "expm1", "log", "log1p", "log2", "tanh",
                             "erf", "atan", "atan2", "sin", "cos"},
                            name);
}

/// a * b + c on vectors is one FMA (single rounding, as vector.contract
/// lowers): the windowed kernels' outer products multiply and add
/// elementwise.
struct ContractMulAddToFma : OpRewritePattern<arith::AddFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::AddFOp add,
                                PatternRewriter &rewriter) const override {
    if (!isa<VectorType>(add.getType()))
      return failure();
    for (int i = 0; i < 2; ++i) {
      Value v = add->getOperand(i);
      // Through a shape_cast that drops unit dimensions.
      auto cast = v.getDefiningOp<vector::ShapeCastOp>();
      if (cast && cast->hasOneUse())
        v = cast.getSource();
      auto mul = v.getDefiningOp<arith::MulFOp>();
      if (!mul || !mul->hasOneUse())
        continue;
      Value a = mul.getLhs(), b = mul.getRhs();
      if (cast) {
        a = vector::ShapeCastOp::create(rewriter, add.getLoc(), add.getType(), a);
        b = vector::ShapeCastOp::create(rewriter, add.getLoc(), add.getType(), b);
      }
      rewriter.replaceOpWithNewOp<vector::FMAOp>(add, a, b,
                                                 add->getOperand(1 - i));
      return success();
    }
    return failure();
  }
};

struct KilnLowerVectorsPass
    : public impl::KilnLowerVectorsPassBase<KilnLowerVectorsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();

    // 1. High-level vector ops to FMAs, masked transfers and 1-D forms.
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorContractLoweringPatterns(
          patterns, vector::VectorContractLowering::OuterProduct);
      vector::populateVectorOuterProductLoweringPatterns(patterns);
      vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      vector::populateVectorMultiReductionLoweringPatterns(
          patterns, vector::VectorMultiReductionLowering::InnerParallel);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      vector::populateVectorBroadcastLoweringPatterns(patterns);
      vector::populateVectorTransposeLoweringPatterns(
          patterns, vector::VectorTransposeLowering::Shuffle1D);
      vector::populateVectorStepLoweringPatterns(patterns);
      vector::populateVectorGatherLoweringPatterns(patterns);
      vector::populateVectorInterleaveLoweringPatterns(patterns);
      populateMathPolynomialApproximationPatterns(patterns, approximated);
      patterns.add<ContractMulAddToFma>(ctx);
      vector::ContractionOp::getCanonicalizationPatterns(patterns, ctx);
      vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
      vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
    // 2. n-D transfers to unrolled 1-D transfers.
    {
      RewritePatternSet patterns(ctx);
      populateVectorToSCFConversionPatterns(
          patterns, VectorTransferToSCFOptions().enableFullUnroll());
      vector::populateVectorMaskOpLoweringPatterns(patterns);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
    // 3. 1-D transfers to loads and stores.
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorTransferLoweringPatterns(patterns,
                                                     /*maxTransferRank=*/1);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      vector::populateVectorBroadcastLoweringPatterns(patterns);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      vector::populateVectorMaskOpLoweringPatterns(patterns);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
  }
};

} // namespace
} // namespace kiln
