//===- DataParallel.cpp - Gradients reduced across replicas ---------------===//
//
// In @train_step, the values every replica must agree on before the update
// (the gradients, and the new values of non-trainable state) are packed
// into flat buckets, each combined by one kiln.all_reduce, and read back as
// slices: one collective call per bucket.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/Passes.h"
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace kiln {
#define GEN_PASS_DEF_KILNDATAPARALLELPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

constexpr StringLiteral kStateUpdatesAttr = "kiln.state_updates";

/// The results of `vg` the replicas reduce: each parameter's gradient and
/// each state update (its callee's trailing results).
SmallVector<Value> valuesToReduce(ValueAndGradOp vg, func::FuncOp callee) {
  unsigned own = callee.getFunctionType().getNumResults();
  unsigned updates = 0;
  if (auto attr = callee->getAttrOfType<DenseI64ArrayAttr>(kStateUpdatesAttr))
    updates = attr.size();
  SmallVector<Value> values;
  for (unsigned i = own - updates; i < own; ++i)
    values.push_back(vg.getResult(i));
  for (unsigned i = own; i < vg.getNumResults(); ++i)
    values.push_back(vg.getResult(i));
  return values;
}

struct KilnDataParallelPass
    : public kiln::impl::KilnDataParallelPassBase<KilnDataParallelPass> {
  using KilnDataParallelPassBase::KilnDataParallelPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (bucketBytes <= 0) {
      module.emitError("kiln-data-parallel: bucket-bytes must be positive, got ")
          << bucketBytes;
      return signalPassFailure();
    }
    auto step = module.lookupSymbol<func::FuncOp>("train_step");
    if (!step)
      return; // a model that is never trained has nothing to reduce
    SmallVector<ValueAndGradOp> vgs;
    step.walk([&](ValueAndGradOp op) { vgs.push_back(op); });
    if (vgs.size() != 1) {
      step.emitError("kiln-data-parallel: expected one kiln.value_and_grad "
                     "in @train_step, found ")
          << vgs.size();
      return signalPassFailure();
    }
    ValueAndGradOp vg = vgs.front();
    auto callee = module.lookupSymbol<func::FuncOp>(vg.getCallee());
    if (!callee) {
      vg.emitError("kiln-data-parallel: unknown callee ") << vg.getCallee();
      return signalPassFailure();
    }
    SmallVector<Value> values = valuesToReduce(vg, callee);
    for (Value v : values) {
      auto t = cast<RankedTensorType>(v.getType());
      if (!t.hasStaticShape() || !t.getElementType().isF32()) {
        vg.emitError("kiln-data-parallel: cannot reduce a value of type ") << t;
        return signalPassFailure();
      }
    }
    // Buckets in order, each at most bucketBytes (a larger value alone).
    SmallVector<SmallVector<Value>> buckets;
    int64_t bytes = 0;
    for (Value v : values) {
      int64_t size = cast<RankedTensorType>(v.getType()).getNumElements() * 4;
      if (buckets.empty() || bytes + size > bucketBytes) {
        buckets.emplace_back();
        bytes = 0;
      }
      buckets.back().push_back(v);
      bytes += size;
    }
    OpBuilder b(vg->getContext());
    b.setInsertionPointAfter(vg);
    Location loc = vg.getLoc();
    for (ArrayRef<Value> bucket : buckets) {
      // The ops that read the replica's own values: every other use reads
      // the reduced ones.
      llvm::SmallPtrSet<Operation *, 8> packing;
      SmallVector<Value> flat;
      for (Value v : bucket) {
        auto t = cast<RankedTensorType>(v.getType());
        auto flatType = RankedTensorType::get({t.getNumElements()}, t.getElementType());
        Value f = v;
        if (t != flatType) {
          f = ReshapeOp::create(b, loc, flatType, v);
          packing.insert(f.getDefiningOp());
        }
        flat.push_back(f);
      }
      Value packed = flat.front();
      if (flat.size() > 1) {
        packed = ConcatenateOp::create(b, loc, flat, 0);
        packing.insert(packed.getDefiningOp());
      }
      auto reduce = AllReduceOp::create(b, loc, packed, ReduceMode::mean);
      packing.insert(reduce);
      int64_t offset = 0;
      for (auto [v, f] : llvm::zip(bucket, flat)) {
        auto ft = cast<RankedTensorType>(f.getType());
        Value slice = reduce.getResult();
        if (flat.size() > 1)
          slice = tensor::ExtractSliceOp::create(
              b, loc, ft, slice, ValueRange{}, ValueRange{}, ValueRange{},
              b.getDenseI64ArrayAttr({offset}),
              b.getDenseI64ArrayAttr({ft.getNumElements()}),
              b.getDenseI64ArrayAttr({1}));
        offset += ft.getNumElements();
        Value back = slice.getType() == v.getType()
                         ? slice
                         : Value(ReshapeOp::create(b, loc, v.getType(), slice));
        Value(v).replaceUsesWithIf(back, [&](OpOperand &use) {
          return !packing.contains(use.getOwner()) &&
                 use.getOwner() != back.getDefiningOp() &&
                 use.getOwner() != slice.getDefiningOp();
        });
      }
    }
  }
};

} // namespace
