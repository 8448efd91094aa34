// Symbolic tensor operations for custom metrics, like Keras's backend ops:
//   kiln::Metric mean_pred("mean_pred", [](ops::Value y_true, ops::Value y_pred) {
//     return ops::mean(y_pred);
//   });
// The function runs once while the model is compiled; its result becomes
// part of the compiled step, like the built-in metrics.
#ifndef KILN_FRONTEND_OPS_H
#define KILN_FRONTEND_OPS_H

#include "frontend/Layer.h"

#include <functional>
#include <vector>

namespace kiln::ops {

/// A symbolic tensor inside the model being compiled.
class Value {
public:
  explicit Value(Sym s) : sym(s) {}
  Shape shape() const;
  Sym sym;
};

/// Reductions over `axes` (all axes when empty).
Value mean(Value x, std::vector<int64_t> axes = {});
Value sum(Value x, std::vector<int64_t> axes = {});
Value max(Value x, std::vector<int64_t> axes = {});
Value square(Value x);
Value abs(Value x);
Value exp(Value x);
Value log(Value x);
Value operator+(Value a, Value b);
Value operator-(Value a, Value b);
Value operator*(Value a, Value b);
Value operator/(Value a, Value b);
Value operator+(Value a, double b);
Value operator-(Value a, double b);
Value operator*(Value a, double b);
Value operator/(Value a, double b);

} // namespace kiln::ops

namespace kiln {

/// A metric for compile(): a Keras name ("accuracy", "acc", "mae", "mse",
/// "binary_accuracy", ...) or a named function of (y_true, y_pred).
struct Metric {
  using Fn = std::function<ops::Value(ops::Value y_true, ops::Value y_pred)>;
  Metric(const char *n) : name(n) {}
  Metric(std::string n) : name(std::move(n)) {}
  Metric(std::string n, Fn f) : name(std::move(n)), fn(std::move(f)) {}
  std::string name;
  Fn fn;
};

} // namespace kiln

#endif // KILN_FRONTEND_OPS_H
