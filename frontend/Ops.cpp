// Symbolic tensor operations for custom metrics.
#include "frontend/Ops.h"
#include "frontend/Emitter.h"
#include "frontend/OpsContext.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "dialects/Kiln/IR/ShapeInference.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "runtime/Error.h"

namespace kiln {

namespace {
thread_local Emitter *current = nullptr;

Emitter &emitter() {
  if (!current)
    throwError("kiln::ops functions can only be called while a model is "
               "compiled (inside a custom metric or loss)");
  return *current;
}

mlir::Value v(ops::Value x) { return Emitter::value(x.sym); }
ops::Value wrap(mlir::Value x) { return ops::Value(Emitter::sym(x)); }

ops::Value scalar(double c) { return wrap(emitter().scalar(c)); }

std::string shapeText(ops::Value x) {
  std::string s = "(";
  for (int64_t d : x.shape())
    s += (s.size() > 1 ? ", " : "") + (d < 0 ? std::string("None") : std::to_string(d));
  return s + (x.shape().size() == 1 ? ",)" : ")");
}

/// Refuses (as the op's type inference would, fatally) operands that do not
/// broadcast, naming the op and both shapes.
void checkBroadcast(const char *op, ops::Value a, ops::Value b) {
  auto ta = mlir::cast<mlir::RankedTensorType>(v(a).getType());
  auto tb = mlir::cast<mlir::RankedTensorType>(v(b).getType());
  if (!broadcastShapes(ta.getShape(), tb.getShape()))
    throwError(op, ": shapes ", shapeText(a), " and ", shapeText(b),
               " do not broadcast");
}

void checkAxis(const char *op, ops::Value x, int64_t axis) {
  int64_t rank = int64_t(x.shape().size());
  if (!normalizeAxis(axis, rank))
    throwError(op, ": axis ", axis, " is out of range for shape ", shapeText(x));
}

template <typename ReduceOp>
ops::Value reduce(ops::Value x, std::vector<int64_t> axes, bool keepdims) {
  Emitter &e = emitter();
  int64_t rank = int64_t(x.shape().size());
  if (rank == 0)
    return x;
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  std::vector<bool> seen(rank, false);
  for (int64_t a : axes) {
    checkAxis("reduction", x, a);
    int64_t i = *normalizeAxis(a, rank);
    if (seen[i])
      throwError("reduction: axis ", a, " is repeated");
    seen[i] = true;
  }
  return wrap(ReduceOp::create(e.b, e.loc, v(x), e.b.getDenseI64ArrayAttr(axes),
                               keepdims ? e.b.getUnitAttr() : mlir::UnitAttr()));
}
} // namespace

OpsScope::OpsScope(Emitter &e) : previous(current) { current = &e; }
OpsScope::~OpsScope() { current = previous; }

namespace ops {

Shape Value::shape() const { return Emitter::shapeOf(sym); }

Value mean(Value x, std::vector<int64_t> axes, bool keepdims) {
  return reduce<ReduceMeanOp>(x, std::move(axes), keepdims);
}
Value sum(Value x, std::vector<int64_t> axes, bool keepdims) {
  return reduce<ReduceSumOp>(x, std::move(axes), keepdims);
}
Value max(Value x, std::vector<int64_t> axes, bool keepdims) {
  return reduce<ReduceMaxOp>(x, std::move(axes), keepdims);
}
Value square(Value x) { return x * x; }
// relu(x) + relu(-x): the gradient is sign(x), 0 at 0 as TensorFlow's.
Value abs(Value x) { return relu(x) + relu(scalar(0) - x); }
Value constant(double c) { return scalar(c); }

#define KILN_UNARY(NAME, OP)                                                   \
  Value NAME(Value x) {                                                        \
    Emitter &e = emitter();                                                    \
    return wrap(OP::create(e.b, e.loc, v(x)));                                 \
  }
KILN_UNARY(exp, ExpOp)
KILN_UNARY(log, LogOp)
KILN_UNARY(relu, ReluOp)
KILN_UNARY(sigmoid, SigmoidOp)
KILN_UNARY(tanh, TanhOp)
#undef KILN_UNARY

Value sqrt(Value x) {
  // 1 / rsqrt(x) is 0 at 0, where x * rsqrt(x) would be 0 * inf.
  Emitter &e = emitter();
  Value r = wrap(RsqrtOp::create(e.b, e.loc, v(maximum(x, scalar(0)))));
  return scalar(1) / r;
}

Value softmax(Value x, int64_t axis) {
  Emitter &e = emitter();
  checkAxis("softmax", x, axis);
  return wrap(SoftmaxOp::create(e.b, e.loc, v(x), axis));
}

Value clip(Value x, double lo, double hi) {
  if (lo > hi)
    throwError("clip: min_value ", lo, " is greater than max_value ", hi);
  return minimum(maximum(x, scalar(lo)), scalar(hi));
}

Value argmax(Value x, int64_t axis) {
  Emitter &e = emitter();
  checkAxis("argmax", x, axis);
  return wrap(ArgmaxOp::create(e.b, e.loc, v(x), axis));
}

#define KILN_BINARY_FN(NAME, OP)                                               \
  Value NAME(Value a, Value b) {                                               \
    Emitter &e = emitter();                                                    \
    checkBroadcast(#NAME, a, b);                                               \
    return wrap(OP::create(e.b, e.loc, v(a), v(b)));                           \
  }
KILN_BINARY_FN(maximum, MaximumOp)
KILN_BINARY_FN(minimum, MinimumOp)
KILN_BINARY_FN(equal, EqualOp)
KILN_BINARY_FN(not_equal, NotEqualOp)
KILN_BINARY_FN(greater, GreaterOp)
KILN_BINARY_FN(greater_equal, GreaterEqualOp)
KILN_BINARY_FN(less, LessOp)
KILN_BINARY_FN(less_equal, LessEqualOp)
#undef KILN_BINARY_FN

#define KILN_BINARY(SYM, OP)                                                   \
  Value operator SYM(Value a, Value b) {                                       \
    Emitter &e = emitter();                                                    \
    checkBroadcast("'" #SYM "'", a, b);                                        \
    return wrap(OP::create(e.b, e.loc, v(a), v(b)));                           \
  }                                                                            \
  Value operator SYM(Value a, double b) { return a SYM scalar(b); }           \
  Value operator SYM(double a, Value b) { return scalar(a) SYM b; }
KILN_BINARY(+, AddOp)
KILN_BINARY(-, SubOp)
KILN_BINARY(*, MulOp)
KILN_BINARY(/, DivOp)
#undef KILN_BINARY

} // namespace ops
} // namespace kiln
