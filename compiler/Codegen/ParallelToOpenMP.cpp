//===- ParallelToOpenMP.cpp - scf.parallel -> omp.parallel, own schedule --===//
//
// Upstream's convert-scf-to-openmp makes every scf.parallel an omp.parallel
// around an omp.wsloop: per region a fork, __kmpc_for_static_init (which in
// Debian's libomp formats a debug string with vsnprintf on every call), a
// barrier at the end of the loop and the join barrier of the region. Kiln's
// parallel loops are chunks of whole tiles, about as many as threads, with
// no reductions: each thread can compute its block of iterations from its
// number, and the join is the only barrier needed. On the MLP predict step
// at batch 1 (two regions per call) libomp was a fifth of the master's time.
//
// The thread count is asked of the runtime before each region
// (`kiln_parallel_threads(compiled)`, runtime/abi/Threads.h), which may
// lower it when cores are busy; the chunks stay the same, so the results do.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/Indexing.h"
#include "compiler/Codegen/Passes.h"
#include "compiler/Codegen/Target.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace kiln {
#define GEN_PASS_DEF_KILNPARALLELTOOPENMPPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// `func.func private @name(i32 x arity) -> i32`, declared once per module.
func::FuncOp runtimeQuery(ModuleOp module, StringRef name,
                          unsigned arity = 0) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  SmallVector<Type> args(arity, b.getI32Type());
  auto type = b.getFunctionType(args, {b.getI32Type()});
  auto f = func::FuncOp::create(b, module.getLoc(), name, type);
  f.setPrivate();
  return f;
}

/// The iterations of `op` when its bounds and steps are constants.
std::optional<int64_t> staticTripCount(scf::ParallelOp op) {
  int64_t trips = 1;
  for (auto [lb, ub, step] :
       llvm::zip(op.getLowerBound(), op.getUpperBound(), op.getStep())) {
    std::optional<int64_t> l = getConstantIntValue(lb),
                           u = getConstantIntValue(ub),
                           s = getConstantIntValue(step);
    if (!l || !u || !s || *s <= 0)
      return std::nullopt;
    trips *= *u > *l ? (*u - *l + *s - 1) / *s : 0;
  }
  return trips;
}

Value callQuery(OpBuilder &b, Location loc, func::FuncOp f) {
  Value v = func::CallOp::create(b, loc, f, ValueRange{}).getResult(0);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

/// omp.parallel { [begin, end) = this thread's block of the linearized
/// iterations; scf.for over it { alloca_scope { body } } }.
void lower(scf::ParallelOp op, int64_t threads, func::FuncOp threadNum,
           func::FuncOp numThreads, func::FuncOp threadsNow) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<Value> trips;
  Value total = one;
  for (auto [lb, ub, step] :
       llvm::zip(op.getLowerBound(), op.getUpperBound(), op.getStep())) {
    Value span = arith::SubIOp::create(b, loc, ub, lb);
    // An empty range (ub <= lb) has no iterations, not a negative count.
    span = arith::MaxSIOp::create(b, loc, span, zero);
    Value trip = arith::CeilDivUIOp::create(b, loc, span, step);
    trips.push_back(trip);
    total = arith::MulIOp::create(b, loc, total, trip);
  }

  Value compiled = arith::ConstantIntOp::create(b, loc, threads, 32);
  auto askRuntime = [&] {
    return func::CallOp::create(b, loc, threadsNow, ValueRange{compiled})
        .getResult(0);
  };
  // A loop of one iteration (kiln-tile makes a dynamic batch too small to
  // share one chunk), or one the runtime gives one thread, runs as a plain
  // loop on the calling thread: the scf.parallel is copied into the else
  // branch, where scf-to-cf makes it sequential. (A serialized omp.parallel
  // still enters the runtime: XOR's steps of one sample took twice as
  // long.) The runtime is asked only for a loop of several iterations: a
  // step that never asks runs on one thread whatever the limit, and the
  // runtime stops timing it. Loops of a static trip count run serialized
  // regions then: their work dwarfs the runtime's entry, and one copy keeps
  // the code small.
  Value count;
  std::optional<int64_t> staticTrips = staticTripCount(op);
  if (!staticTrips || *staticTrips <= 1) {
    Value c1 = arith::ConstantIntOp::create(b, loc, 1, 32);
    Value several =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, total, one);
    auto ask = scf::IfOp::create(b, loc, TypeRange{b.getI32Type()}, several,
                                 /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ask.thenBlock());
      scf::YieldOp::create(b, loc, askRuntime());
      b.setInsertionPointToStart(ask.elseBlock());
      scf::YieldOp::create(b, loc, c1);
    }
    count = ask.getResult(0);
    Value shared =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, count, c1);
    auto branch = scf::IfOp::create(b, loc, TypeRange{}, shared,
                                    /*withElseRegion=*/true);
    b.setInsertionPoint(branch.elseBlock()->getTerminator());
    b.clone(*op);
    op->moveBefore(branch.thenBlock()->getTerminator());
    b.setInsertionPoint(op);
  } else {
    count = askRuntime();
  }
  auto par = omp::ParallelOp::create(b, loc);
  par.getNumThreadsMutable().assign(count);
  b.setInsertionPointToStart(&par.getRegion().emplaceBlock());
  Value tid = callQuery(b, loc, threadNum);
  Value nt = callQuery(b, loc, numThreads);
  Value chunk = arith::CeilDivUIOp::create(b, loc, total, nt);
  Value begin = arith::MinUIOp::create(
      b, loc, arith::MulIOp::create(b, loc, tid, chunk), total);
  Value end = arith::MinUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, begin, chunk), total);
  auto loop = scf::ForOp::create(b, loc, begin, end, one);
  omp::TerminatorOp::create(b, loc);

  b.setInsertionPoint(loop.getBody()->getTerminator());
  // Allocas of one iteration are freed at its end, as in upstream's lowering.
  auto scope = memref::AllocaScopeOp::create(b, loc, TypeRange{});
  Block *body = b.createBlock(&scope.getBodyRegion());
  b.setInsertionPointToStart(body);
  // Delinearize, innermost dimension fastest.
  SmallVector<Value> ivs =
      kiln::delinearize(b, loc, loop.getInductionVar(), trips);
  for (auto [iv, step, lower] :
       llvm::zip_equal(ivs, op.getStep(), op.getLowerBound())) {
    Value offset = arith::MulIOp::create(b, loc, iv, step);
    iv = arith::AddIOp::create(b, loc, lower, offset);
  }
  memref::AllocaScopeReturnOp::create(b, loc, ValueRange{});

  Block &old = op.getRegion().front();
  for (auto [arg, iv] : llvm::zip(old.getArguments(), ivs))
    arg.replaceAllUsesWith(iv);
  // Everything but the scf.reduce terminator (no reductions: they come
  // from scf.forall).
  body->getOperations().splice(body->getTerminator()->getIterator(),
                               old.getOperations(), old.begin(),
                               std::prev(old.end()));
  op.erase();
}

struct KilnParallelToOpenMPPass
    : public kiln::impl::KilnParallelToOpenMPPassBase<
          KilnParallelToOpenMPPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<kiln::CpuTarget> target =
        kiln::targetOf(module, "kiln-parallel-to-openmp");
    if (failed(target))
      return signalPassFailure();
    if (target->threads == 1)
      return;
    SmallVector<scf::ParallelOp> outer;
    bool reductions = false;
    module.walk([&](scf::ParallelOp op) {
      reductions |= op.getNumReductions() > 0;
      if (!op->getParentOfType<scf::ParallelOp>())
        outer.push_back(op);
    });
    if (reductions) {
      module.emitError("kiln-parallel-to-openmp: scf.parallel with "
                       "reductions is not supported");
      return signalPassFailure();
    }
    if (outer.empty())
      return;
    func::FuncOp threadNum = runtimeQuery(module, "omp_get_thread_num");
    func::FuncOp numThreads = runtimeQuery(module, "omp_get_num_threads");
    func::FuncOp threadsNow =
        runtimeQuery(module, "kiln_parallel_threads", /*arity=*/1);
    // Inner scf.parallel stay loops of their thread (scf-to-cf makes them
    // sequential).
    for (scf::ParallelOp op : outer)
      lower(op, target->threads, threadNum, numThreads, threadsNow);
  }
};

} // namespace
