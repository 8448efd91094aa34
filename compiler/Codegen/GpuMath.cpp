//===- GpuMath.cpp - kiln-gpu-math ----------------------------------------===//
#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_KILNGPUMATHPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

/// A math op NVPTX has an instruction for, as a call of the LLVM intrinsic
/// the backend selects it from: convert-gpu-to-nvvm turns both the math op
/// and the LLVM dialect's intrinsic op into libdevice calls, but leaves
/// llvm.call_intrinsic alone.
template <typename MathOp>
struct ToIntrinsic : OpRewritePattern<MathOp> {
  ToIntrinsic(MLIRContext *ctx, StringRef name)
      : OpRewritePattern<MathOp>(ctx), name(name) {}
  LogicalResult matchAndRewrite(MathOp op,
                                PatternRewriter &rewriter) const override {
    Type t = op.getType();
    if (!t.isF32() && !t.isF64())
      return failure();
    std::string intrinsic = name + (t.isF32() ? ".f32" : ".f64");
    auto call = LLVM::CallIntrinsicOp::create(
        rewriter, op.getLoc(), t, rewriter.getStringAttr(intrinsic),
        op->getOperands());
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
  std::string name;
};

struct KilnGpuMathPass : public impl::KilnGpuMathPassBase<KilnGpuMathPass> {
  void runOnOperation() override {
    // Expansions first (powf, tanh, sinh, ... in terms of exp and log),
    // then the approximations of what is left.
    RewritePatternSet expansions(&getContext());
    math::populateExpansionPatterns(expansions);
    if (failed(applyPatternsGreedily(getOperation(), std::move(expansions))))
      return signalPassFailure();
    RewritePatternSet approximations(&getContext());
    populateMathPolynomialApproximationPatterns(approximations);
    if (failed(applyPatternsGreedily(getOperation(), std::move(approximations))))
      return signalPassFailure();
    RewritePatternSet intrinsics(&getContext());
    MLIRContext *ctx = &getContext();
    intrinsics.add<ToIntrinsic<math::FmaOp>>(ctx, "llvm.fma");
    intrinsics.add<ToIntrinsic<math::FloorOp>>(ctx, "llvm.floor");
    intrinsics.add<ToIntrinsic<math::CeilOp>>(ctx, "llvm.ceil");
    intrinsics.add<ToIntrinsic<math::SqrtOp>>(ctx, "llvm.sqrt");
    intrinsics.add<ToIntrinsic<math::AbsFOp>>(ctx, "llvm.fabs");
    intrinsics.add<ToIntrinsic<math::CopySignOp>>(ctx, "llvm.copysign");
    if (failed(applyPatternsGreedily(getOperation(), std::move(intrinsics))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln
