//===- HoistBuffers.cpp - kiln-hoist-buffers ------------------------------===//
#include "compiler/Codegen/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_KILNHOISTBUFFERSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

/// Whether the buffer (or a view of it) is yielded by a loop or region:
/// then one iteration's buffer outlives the iteration.
bool escapes(Value buffer) {
  SmallVector<Value> worklist = {buffer};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (user->hasTrait<OpTrait::IsTerminator>())
        return true;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == v)
          for (Value r : user->getResults())
            worklist.push_back(r);
    }
  }
  return false;
}

struct KilnHoistBuffersPass
    : public impl::KilnHoistBuffersPassBase<KilnHoistBuffersPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocOp> allocs;
    getOperation().walk([&](memref::AllocOp a) {
      if (a.getType().hasStaticShape() && a->getNumOperands() == 0)
        allocs.push_back(a);
    });
    for (memref::AllocOp alloc : allocs) {
      // The outermost scf.for around the alloc, below any parallel loop.
      Operation *target = nullptr;
      for (Operation *p = alloc->getParentOp(); p; p = p->getParentOp()) {
        if (isa<scf::ForOp>(p))
          target = p;
        else if (isa<scf::ForallOp, scf::ParallelOp, func::FuncOp>(p) ||
                 !isa<scf::IfOp>(p))
          break;
      }
      if (target && !escapes(alloc.getResult()))
        alloc->moveBefore(target);
    }
  }
};

} // namespace
} // namespace kiln
