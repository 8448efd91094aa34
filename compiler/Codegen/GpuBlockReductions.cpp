//===- GpuBlockReductions.cpp - kiln-gpu-block-reductions -----------------===//
//
// A full reduction on buffers (a linalg.generic whose loops are all
// reductions into a 0-d output: the loss and metric sums over a batch)
// becomes one block of 256 threads. Each thread folds a strided share of
// the elements into a partial, starting from the combiner's identity; the
// partials meet in shared memory in a tree (8 halvings, a barrier after
// each), and thread 0 combines the total with the output's initial value.
// The body is the generic's own, cloned with the accumulator in place of
// the output, so any elementwise work before the combiner (the
// cross-entropy's log, the accuracy's compare) is kept.
//
// Without this, such a reduction is a host loop that kiln-gpu-serial-kernels
// runs as a kernel of one thread.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/Indexing.h"
#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

namespace kiln {
#define GEN_PASS_DEF_KILNGPUBLOCKREDUCTIONSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

constexpr int64_t kThreads = 256;

/// The combiner's identity: the value a thread with no element starts
/// from. Null for combiners this pass does not know.
TypedAttr identityOf(Operation *combiner, Type type) {
  Builder b(combiner->getContext());
  double inf = std::numeric_limits<double>::infinity();
  if (isa<arith::AddFOp>(combiner))
    return b.getFloatAttr(type, 0.0);
  if (isa<arith::MaximumFOp, arith::MaxNumFOp>(combiner))
    return b.getFloatAttr(type, -inf);
  if (isa<arith::MinimumFOp, arith::MinNumFOp>(combiner))
    return b.getFloatAttr(type, inf);
  if (isa<arith::AddIOp>(combiner))
    return b.getIntegerAttr(type, 0);
  return {};
}

/// The generic's combiner when it is a full reduction this pass handles:
/// the yielded value is combine(x, out) (either order), `out` used nowhere
/// else.
Operation *matchFullReduction(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumLoops() == 0 || op.getNumParallelLoops() != 0)
    return nullptr;
  auto outType = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
  if (!outType || outType.getRank() != 0)
    return nullptr;
  Block *body = op.getBlock();
  BlockArgument out = body->getArguments().back();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  Operation *combiner = yield.getValues()[0].getDefiningOp();
  if (!combiner || combiner->getBlock() != body ||
      combiner->getNumOperands() != 2 || !out.hasOneUse() ||
      out.getUses().begin()->getOwner() != combiner ||
      !identityOf(combiner, out.getType()))
    return nullptr;
  // Nothing but the combiner may depend on the accumulator, and the body
  // may not depend on the iteration's position.
  bool indexed = false;
  body->walk([&](linalg::IndexOp) { indexed = true; });
  return indexed ? nullptr : combiner;
}

class ReductionBuilder {
public:
  ReductionBuilder(linalg::GenericOp op, Operation *combiner, bool emulate)
      : op(op), combiner(combiner), emulate(emulate),
        b(op.getLoc(), op.getOperation()) {}

  void build() {
    Type element = combiner->getResult(0).getType();
    Value total = cst(1);
    for (Range r : cast<linalg::LinalgOp>(op.getOperation())
                       .createLoopRanges(b, b.getLoc())) {
      sizes.push_back(getValueOrCreateConstantIndexOp(b, b.getLoc(), r.size));
      total = arith::MulIOp::create(b, total, sizes.back());
    }
    Attribute space;
    if (!emulate)
      space = gpu::AddressSpaceAttr::get(b.getContext(),
                                         gpu::AddressSpace::Workgroup);
    auto partialsType = MemRefType::get({kThreads}, element,
                                        MemRefLayoutAttrInterface(), space);
    if (emulate) {
      Value partials = memref::AllocOp::create(b, partialsType);
      // Each phase of the kernel runs for every thread before the next.
      body(partials, total, [&](auto phase) {
        auto loop = scf::ForOp::create(b, cst(0), cst(kThreads), cst(1));
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(loop.getBody());
        phase(loop.getInductionVar());
      });
      memref::DeallocOp::create(b, partials);
      return;
    }
    Value one = cst(1);
    auto launch = gpu::LaunchOp::create(
        b, one, one, one, cst(kThreads), one, one,
        /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
        /*asyncDependencies=*/ValueRange(), TypeRange{partialsType});
    Block &region = launch.getBody().front();
    b.setInsertionPointToStart(&region);
    Value tid = launch.getThreadIds().x;
    bool first = true;
    body(launch.getWorkgroupAttributions()[0], total, [&](auto phase) {
      if (!first)
        gpu::BarrierOp::create(b);
      first = false;
      phase(tid);
    });
    gpu::TerminatorOp::create(b);
  }

private:
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, v); }

  /// The kernel as phases separated by barriers; `run(phase)` emits one
  /// phase for every thread, `phase(tid)` emits thread tid's part of it.
  template <typename Run>
  void body(Value partials, Value total, Run run) {
    Type element = combiner->getResult(0).getType();
    Value identity =
        arith::ConstantOp::create(b, identityOf(combiner, element));
    run([&](Value tid) {
      auto loop = scf::ForOp::create(b, tid, total, cst(kThreads),
                                     ValueRange{identity});
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value folded = foldElement(loop.getInductionVar(),
                                 loop.getRegionIterArgs()[0]);
      scf::YieldOp::create(b, folded);
      b.setInsertionPointAfter(loop);
      memref::StoreOp::create(b, loop.getResult(0), partials, ValueRange{tid});
    });
    for (int64_t stride = kThreads / 2; stride >= 1; stride /= 2) {
      run([&](Value tid) {
        Value active = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, tid,
                                             cst(stride));
        auto ifOp = scf::IfOp::create(b, active, /*withElseRegion=*/false);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        Value other = arith::AddIOp::create(b, tid, cst(stride));
        Value mine = memref::LoadOp::create(b, partials, ValueRange{tid});
        Value theirs = memref::LoadOp::create(b, partials, ValueRange{other});
        memref::StoreOp::create(b, combine(mine, theirs), partials,
                                ValueRange{tid});
      });
    }
    run([&](Value tid) {
      Value lead =
          arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tid, cst(0));
      auto ifOp = scf::IfOp::create(b, lead, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value out = op.getDpsInits()[0];
      Value sum = memref::LoadOp::create(b, partials, ValueRange{cst(0)});
      Value init = memref::LoadOp::create(b, out, ValueRange());
      memref::StoreOp::create(b, combine(sum, init), out, ValueRange());
    });
  }

  Value combine(Value x, Value y) {
    Operation *clone = b.clone(*combiner);
    clone->setOperands({x, y});
    return clone->getResult(0);
  }

  /// The body for the element at linear position `linear`, folded into
  /// `acc`.
  Value foldElement(Value linear, Value acc) {
    SmallVector<Value> at = delinearize(b, b.getLoc(), linear, sizes);
    Block *block = op.getBlock();
    IRMapping map;
    for (OpOperand *input : op.getDpsInputOperands()) {
      Value v = input->get();
      if (isa<MemRefType>(v.getType()))
        v = memref::LoadOp::create(
            b, v, applyMap(b, b.getLoc(), op.getMatchingIndexingMap(input), at));
      map.map(block->getArgument(input->getOperandNumber()), v);
    }
    map.map(block->getArguments().back(), acc);
    for (Operation &inner : block->without_terminator())
      b.clone(inner, map);
    return map.lookup(combiner->getResult(0));
  }

  linalg::GenericOp op;
  Operation *combiner;
  bool emulate;
  ImplicitLocOpBuilder b;
  SmallVector<Value> sizes;
};

struct KilnGpuBlockReductionsPass
    : public impl::KilnGpuBlockReductionsPassBase<KilnGpuBlockReductionsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, Operation *>> found;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op->getParentOfType<gpu::LaunchOp>())
        return;
      if (Operation *combiner = matchFullReduction(op))
        found.emplace_back(op, combiner);
    });
    for (auto [op, combiner] : found) {
      ReductionBuilder(op, combiner, emulate).build();
      op->erase();
    }
  }
};

} // namespace
} // namespace kiln
