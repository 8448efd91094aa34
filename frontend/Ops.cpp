// Symbolic tensor operations for custom metrics.
#include "frontend/Ops.h"
#include "frontend/Emitter.h"
#include "frontend/OpsContext.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "runtime/Error.h"

namespace kiln {

namespace {
thread_local Emitter *current = nullptr;

Emitter &emitter() {
  if (!current)
    throwError("kiln::ops functions can only be called while a model is "
               "compiled (inside a custom metric)");
  return *current;
}

mlir::Value v(ops::Value x) { return Emitter::value(x.sym); }
ops::Value wrap(mlir::Value x) { return ops::Value(Emitter::sym(x)); }

ops::Value scalar(double c) { return wrap(emitter().scalar(c)); }

template <typename ReduceOp>
ops::Value reduce(ops::Value x, std::vector<int64_t> axes) {
  Emitter &e = emitter();
  int64_t rank = int64_t(x.shape().size());
  if (rank == 0)
    return x;
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  return wrap(ReduceOp::create(e.b, e.loc, v(x), e.b.getDenseI64ArrayAttr(axes),
                               mlir::UnitAttr()));
}
} // namespace

OpsScope::OpsScope(Emitter &e) : previous(current) { current = &e; }
OpsScope::~OpsScope() { current = previous; }

namespace ops {

Shape Value::shape() const { return Emitter::shapeOf(sym); }

Value mean(Value x, std::vector<int64_t> axes) {
  return reduce<ReduceMeanOp>(x, std::move(axes));
}
Value sum(Value x, std::vector<int64_t> axes) {
  return reduce<ReduceSumOp>(x, std::move(axes));
}
Value max(Value x, std::vector<int64_t> axes) {
  return reduce<ReduceMaxOp>(x, std::move(axes));
}
Value square(Value x) { return x * x; }
Value abs(Value x) {
  Emitter &e = emitter();
  mlir::Value neg = v(scalar(0) - x);
  return wrap(AddOp::create(e.b, e.loc, ReluOp::create(e.b, e.loc, v(x)),
                            ReluOp::create(e.b, e.loc, neg)));
}
Value exp(Value x) {
  Emitter &e = emitter();
  return wrap(ExpOp::create(e.b, e.loc, v(x)));
}
Value log(Value x) {
  Emitter &e = emitter();
  return wrap(LogOp::create(e.b, e.loc, v(x)));
}

#define KILN_BINARY(SYM, OP)                                                   \
  Value operator SYM(Value a, Value b) {                                       \
    Emitter &e = emitter();                                                    \
    return wrap(OP::create(e.b, e.loc, v(a), v(b)));                           \
  }                                                                            \
  Value operator SYM(Value a, double b) { return a SYM scalar(b); }
KILN_BINARY(+, AddOp)
KILN_BINARY(-, SubOp)
KILN_BINARY(*, MulOp)
KILN_BINARY(/, DivOp)
#undef KILN_BINARY

} // namespace ops
} // namespace kiln
