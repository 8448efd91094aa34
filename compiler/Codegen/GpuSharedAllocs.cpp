//===- GpuSharedAllocs.cpp - kiln-gpu-shared-allocs -----------------------===//
#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {
#define GEN_PASS_DEF_KILNGPUSHAREDALLOCSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

constexpr StringLiteral kFree = "kiln_gpu_free";

struct KilnGpuSharedAllocsPass
    : public impl::KilnGpuSharedAllocsPassBase<KilnGpuSharedAllocsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<memref::AllocOp> allocs;
    SmallVector<memref::DeallocOp> deallocs;
    module.walk([&](Operation *op) {
      if (op->getParentOfType<gpu::GPUModuleOp>())
        return;
      if (auto a = dyn_cast<memref::AllocOp>(op))
        allocs.push_back(a);
      else if (auto d = dyn_cast<memref::DeallocOp>(op))
        deallocs.push_back(d);
    });
    IRRewriter rewriter(&getContext());
    for (memref::AllocOp alloc : allocs) {
      rewriter.setInsertionPoint(alloc);
      auto shared = gpu::AllocOp::create(
          rewriter, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
          /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
          alloc.getSymbolOperands(), /*hostShared=*/true);
      rewriter.replaceOp(alloc, shared.getMemref());
    }
    if (deallocs.empty())
      return;
    Type i64 = rewriter.getI64Type();
    if (!module.lookupSymbol<func::FuncOp>(kFree)) {
      rewriter.setInsertionPointToEnd(module.getBody());
      auto decl = func::FuncOp::create(rewriter, module.getLoc(), kFree,
                                       rewriter.getFunctionType({i64}, {}));
      decl.setPrivate();
    }
    for (memref::DeallocOp dealloc : deallocs) {
      rewriter.setInsertionPoint(dealloc);
      Location loc = dealloc.getLoc();
      Value address = memref::ExtractAlignedPointerAsIndexOp::create(
          rewriter, loc, dealloc.getMemref());
      Value asI64 = arith::IndexCastOp::create(rewriter, loc, i64, address);
      func::CallOp::create(rewriter, loc, kFree, TypeRange{}, ValueRange{asI64});
      rewriter.eraseOp(dealloc);
    }
  }
};

} // namespace
} // namespace kiln
