//===- KilnToLinalg.cpp - kiln to linalg on tensors -----------------------===//
//
// The pass: every kiln op but value_and_grad is illegal, so an op without a
// pattern (or whose pattern gives up) fails the conversion with an error
// naming it. The patterns live in one file per op group (Patterns.h).
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/Passes.h"
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/Transforms/DialectConversion.h"

namespace kiln {
#define GEN_PASS_DEF_KILNTOLINALGPASS
#include "compiler/Conversion/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct KilnToLinalgPass
    : public kiln::impl::KilnToLinalgPassBase<KilnToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<kiln::KilnDialect>();
    // Autodiff replaces value_and_grad; it has no linalg form.
    target.addLegalOp<kiln::ValueAndGradOp>();
    // A collective stays as it is until bufferization makes it a runtime
    // call on its buffer (AllReduceBufferization.cpp).
    target.addLegalOp<kiln::AllReduceOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });

    RewritePatternSet patterns(ctx);
    kiln::lowering::populateElementwisePatterns(patterns);
    kiln::lowering::populateShapePatterns(patterns);
    kiln::lowering::populateLayerPatterns(patterns);
    kiln::lowering::populateReductionPatterns(patterns);
    kiln::lowering::populateLossPatterns(patterns);
    kiln::lowering::populateWindowGradientPatterns(patterns);
    kiln::lowering::populateOptimizerPatterns(patterns);
    kiln::lowering::populateMetricPatterns(patterns);
    kiln::lowering::populateLoopPatterns(patterns);
    kiln::lowering::populateEmbeddingPatterns(patterns);
    kiln::lowering::populateRegularizationPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
