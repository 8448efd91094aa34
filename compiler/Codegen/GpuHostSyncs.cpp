//===- GpuHostSyncs.cpp - kiln-gpu-host-syncs -----------------------------===//
#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/ADT/DenseSet.h"

namespace kiln {
#define GEN_PASS_DEF_KILNGPUHOSTSYNCSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

constexpr StringLiteral kSync = "kiln_gpu_synchronize";
constexpr StringLiteral kFree = "kiln_gpu_free";

// The buffer `v` views: through subviews, casts and reshapes to the
// allocation or argument.
Value rootOf(Value v) {
  return memref::skipViewLikeOps(cast<MemrefValue>(v));
}

bool containsLaunch(Operation *op) {
  return op->walk([](gpu::LaunchFuncOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

struct KilnGpuHostSyncsPass
    : public impl::KilnGpuHostSyncsPassBase<KilnGpuHostSyncsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool inserted = false;
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (fn.isExternal())
        continue;
      llvm::DenseSet<Value> used;
      fn.walk([&](gpu::LaunchFuncOp launch) {
        for (Value arg : launch.getKernelOperands())
          if (isa<BaseMemRefType>(arg.getType()))
            used.insert(rootOf(arg));
      });
      if (used.empty())
        continue;
      bool pending = false;
      inserted |= visit(fn.getBody(), used, pending);
    }
    if (inserted && !module.lookupSymbol<func::FuncOp>(kSync)) {
      OpBuilder b(module.getBodyRegion());
      b.setInsertionPointToEnd(module.getBody());
      auto decl = func::FuncOp::create(b, module.getLoc(), kSync,
                                       b.getFunctionType({}, {}));
      decl.setPrivate();
    }
  }

  // Whether the host op reads or writes a buffer a kernel uses.
  static bool touches(Operation *op, const llvm::DenseSet<Value> &used) {
    if (auto call = dyn_cast<func::CallOp>(op))
      if (call.getCallee() == kFree || call.getCallee() == kSync)
        return false;
    if (isa<gpu::LaunchFuncOp, gpu::AllocOp, memref::DimOp,
            memref::ExtractAlignedPointerAsIndexOp,
            memref::ExtractStridedMetadataOp>(op) ||
        isa<ViewLikeOpInterface>(op))
      return false;
    for (Value operand : op->getOperands())
      if (isa<BaseMemRefType>(operand.getType()) &&
          used.contains(rootOf(operand)))
        return true;
    return false;
  }

  // Walks `region` in program order with `pending` (a launch since the
  // last wait); true when it inserted a wait.
  bool visit(Region &region, const llvm::DenseSet<Value> &used,
             bool &pending) {
    bool inserted = false;
    for (Block &block : region)
      for (Operation &op : llvm::make_early_inc_range(block)) {
        if (isa<gpu::LaunchFuncOp>(op)) {
          pending = true;
          continue;
        }
        if (op.getNumRegions() > 0) {
          // A loop's later iterations follow its launches: its body starts
          // with a launch pending if it holds one.
          pending |= containsLaunch(&op);
          for (Region &inner : op.getRegions())
            inserted |= visit(inner, used, pending);
          pending |= containsLaunch(&op);
          continue;
        }
        if (pending && touches(&op, used)) {
          OpBuilder b(&op);
          func::CallOp::create(b, op.getLoc(), kSync, TypeRange{}, ValueRange{});
          pending = false;
          inserted = true;
        }
      }
    return inserted;
  }
};

} // namespace
} // namespace kiln
