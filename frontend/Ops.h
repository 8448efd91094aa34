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
#include <optional>
#include <string>
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

/// The settings of one of Keras's metric objects (metrics::Precision(),
/// metrics::AUC(), ...), as its get_config() lists them.
struct MetricConfig {
  /// Keras's class: "Precision", "Recall", "AUC", "TruePositives",
  /// "SensitivityAtSpecificity", "TopKCategoricalAccuracy", ...
  std::string class_name;
  /// As given (empty: the class's default).
  std::vector<double> thresholds;
  std::optional<int64_t> top_k, class_id;
  int64_t num_thresholds = 200;
  std::string curve = "ROC", summation_method = "interpolation";
  bool from_logits = false;
  /// The specificity or sensitivity of SensitivityAtSpecificity and
  /// SpecificityAtSensitivity.
  double value = 0.0;
  /// TopKCategoricalAccuracy's k.
  int64_t k = 5;
};

/// A metric for compile(): a Keras name ("accuracy", "acc", "mae", "mse",
/// "binary_accuracy", "AUC", "precision", ...), a metric object
/// (metrics::Precision({.class_id = 3}), frontend/Metrics.h) or a named
/// function of (y_true, y_pred).
struct Metric {
  using Fn = std::function<ops::Value(ops::Value y_true, ops::Value y_pred)>;
  Metric(const char *n) : name(n) {}
  Metric(std::string n) : name(std::move(n)) {}
  Metric(std::string n, Fn f) : name(std::move(n)), fn(std::move(f)) {}
  /// A metric object of `config`'s class (what metrics::Precision() and
  /// friends return).
  static Metric object(std::string n, MetricConfig c) {
    Metric m(std::move(n));
    m.config = std::move(c);
    return m;
  }
  std::string name;
  Fn fn;
  std::optional<MetricConfig> config;
};

} // namespace kiln

#endif // KILN_FRONTEND_OPS_H
