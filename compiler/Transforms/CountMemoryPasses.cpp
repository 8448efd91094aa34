//===- CountMemoryPasses.cpp - kiln-count-memory-passes -------------------===//
#include "compiler/Transforms/PassOptionErrors.h"
#include "compiler/Transforms/Passes.h"

#include "llvm/ADT/MapVector.h"

namespace kiln {
#define GEN_PASS_DEF_KILNCOUNTMEMORYPASSESPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

int64_t tensorBytes(Type type, int64_t batch) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t)
    return 0;
  int64_t n = 1;
  for (int64_t d : t.getShape())
    n *= ShapedType::isDynamic(d) ? batch : d;
  return n * std::max<int64_t>(1, t.getElementTypeBitWidth() / 8);
}

struct KilnCountMemoryPassesPass
    : public NamesBadOptionValues<
          impl::KilnCountMemoryPassesPassBase<KilnCountMemoryPassesPass>> {
  using NamesBadOptionValues::NamesBadOptionValues;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    // Kernels by id; every other memory-touching top-level op is its own.
    llvm::MapVector<int64_t, llvm::SetVector<Value>> kernels;
    int64_t anonymous = -1;
    for (Operation &op : func.getBody().front()) {
      bool isLoop = isa<LoopLikeOpInterface>(op);
      if (!isa<linalg::LinalgOp>(op) && !isLoop)
        continue;
      bool touches = isa<linalg::LinalgOp>(op);
      op.walk([&](Operation *nested) {
        touches |= isa<linalg::LinalgOp, vector::TransferReadOp,
                       vector::TransferWriteOp, memref::LoadOp,
                       memref::StoreOp, tensor::ExtractOp>(nested);
      });
      if (!touches)
        continue;
      int64_t id = anonymous--;
      if (auto attr = op.getAttrOfType<IntegerAttr>("kiln.kernel"))
        id = attr.getInt();
      llvm::SetVector<Value> &values = kernels[id];
      // Tensors read from outside the op, and its results.
      op.walk([&](Operation *nested) {
        for (Value v : nested->getOperands())
          if (isa<RankedTensorType>(v.getType()) &&
              !op.isAncestor(v.getParentRegion()->getParentOp()))
            values.insert(v);
      });
      for (Value r : op.getResults())
        values.insert(r);
    }
    int64_t bytes = 0;
    for (auto &[id, values] : kernels)
      for (Value v : values)
        bytes += tensorBytes(v.getType(), batch);
    Builder b(func.getContext());
    func->setAttr("kiln.memory_passes",
                  b.getI64IntegerAttr(static_cast<int64_t>(kernels.size())));
    func->setAttr("kiln.memory_bytes", b.getI64IntegerAttr(bytes));
    if (remarks)
      func.emitRemark() << kernels.size() << " memory passes, " << bytes
                        << " bytes at batch " << static_cast<int64_t>(batch);
  }
};

} // namespace
} // namespace kiln
