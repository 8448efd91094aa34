//===- GpuSerialKernels.cpp - kiln-gpu-serial-kernels ---------------------===//
#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/DenseSet.h"

namespace kiln {
#define GEN_PASS_DEF_KILNGPUPARALLELDIMSFIRSTPASS
#define GEN_PASS_DEF_KILNGPUSERIALKERNELSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

// Ops a one-thread kernel can run: memory accesses, sequential loops of
// them (no parallel loop, call or allocation inside) and scalar arithmetic.
bool isSerialWork(Operation *op) {
  if (isa<memref::LoadOp, memref::StoreOp>(op))
    return true;
  if (auto loop = dyn_cast<scf::ForOp>(op)) {
    if (loop.getNumResults() != 0)
      return false;
    bool plain = true;
    loop.getBody()->walk([&](Operation *inner) {
      if (isa<scf::ParallelOp, func::CallOp, gpu::AllocOp, memref::AllocOp,
              memref::AllocaOp>(inner))
        plain = false;
    });
    return plain;
  }
  Dialect *dialect = op->getDialect();
  return op->getNumRegions() == 0 && op->getNumResults() > 0 &&
         isPure(op) && dialect &&
         isa<arith::ArithDialect, math::MathDialect>(dialect);
}

// Whether the run does work worth a kernel: a loop, or an access to a
// buffer the kernels use (a step temporary).
bool touchesDeviceData(ArrayRef<Operation *> run) {
  for (Operation *op : run) {
    if (isa<scf::ForOp>(op))
      return true;
    Value buffer;
    if (auto load = dyn_cast<memref::LoadOp>(op))
      buffer = load.getMemRef();
    else if (auto store = dyn_cast<memref::StoreOp>(op))
      buffer = store.getMemRef();
    if (buffer && buffer.getDefiningOp<gpu::AllocOp>())
      return true;
  }
  return false;
}

struct KilnGpuParallelDimsFirstPass
    : public impl::KilnGpuParallelDimsFirstPassBase<
          KilnGpuParallelDimsFirstPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) { generics.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : generics) {
      SmallVector<unsigned> order;
      SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
      for (unsigned d = 0; d < kinds.size(); ++d)
        if (kinds[d] == utils::IteratorType::parallel)
          order.push_back(d);
      for (unsigned d = 0; d < kinds.size(); ++d)
        if (kinds[d] != utils::IteratorType::parallel)
          order.push_back(d);
      bool identity = true;
      for (unsigned d = 0; d < order.size(); ++d)
        identity &= order[d] == d;
      if (identity)
        continue;
      rewriter.setInsertionPoint(op);
      if (failed(linalg::interchangeGenericOp(rewriter, op, order)))
        return signalPassFailure();
    }
  }
};

struct KilnGpuSerialKernelsPass
    : public impl::KilnGpuSerialKernelsPassBase<KilnGpuSerialKernelsPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (fn.isExternal())
      return;
    // Segments: maximal sequences of serial work in the function's blocks.
    SmallVector<SmallVector<Operation *>> segments;
    for (Block &block : fn.getBody()) {
      SmallVector<Operation *> current;
      for (Operation &op : block) {
        if (isSerialWork(&op)) {
          current.push_back(&op);
          continue;
        }
        if (!current.empty())
          segments.push_back(std::move(current));
        current.clear();
      }
      if (!current.empty())
        segments.push_back(std::move(current));
    }
    for (ArrayRef<Operation *> segment : segments)
      wrapRuns(segment);
  }

  // Splits `segment` at the ops whose values leave their run (they stay on
  // the host) and wraps each run that touches device data.
  void wrapRuns(ArrayRef<Operation *> segment) {
    llvm::DenseSet<Operation *> host;
    SmallVector<SmallVector<Operation *>> runs;
    for (bool changed = true; changed;) {
      changed = false;
      runs.clear();
      runs.emplace_back();
      llvm::DenseMap<Operation *, size_t> runOf;
      for (Operation *op : segment) {
        if (host.contains(op)) {
          runs.emplace_back();
          continue;
        }
        runs.back().push_back(op);
        runOf[op] = runs.size() - 1;
      }
      for (Operation *op : segment) {
        if (host.contains(op))
          continue;
        for (Operation *user : op->getUsers()) {
          Operation *top = op->getBlock()->findAncestorOpInBlock(*user);
          auto it = top ? runOf.find(top) : runOf.end();
          if (it == runOf.end() || it->second != runOf[op]) {
            host.insert(op);
            changed = true;
            break;
          }
        }
      }
    }
    for (ArrayRef<Operation *> run : runs)
      if (!run.empty() && touchesDeviceData(run))
        wrap(run);
  }

  void wrap(ArrayRef<Operation *> run) {
    IRRewriter rewriter(&getContext());
    rewriter.setInsertionPoint(run.front());
    Location loc = run.front()->getLoc();
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto parallel = scf::ParallelOp::create(rewriter, loc, ValueRange{zero},
                                            ValueRange{one}, ValueRange{one});
    Operation *terminator = parallel.getBody()->getTerminator();
    for (Operation *op : run)
      op->moveBefore(terminator);
  }
};

} // namespace
} // namespace kiln
