// Symbolic tensor operations for custom metrics and losses, like Keras's
// backend ops:
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

/// Reductions over `axes` (all axes when empty; negative axes count from
/// the end); `keepdims` keeps the reduced axes as size 1.
Value mean(Value x, std::vector<int64_t> axes = {}, bool keepdims = false);
Value sum(Value x, std::vector<int64_t> axes = {}, bool keepdims = false);
Value max(Value x, std::vector<int64_t> axes = {}, bool keepdims = false);
Value square(Value x);
Value abs(Value x);
Value exp(Value x);
Value log(Value x);
/// sqrt(max(x, 0)), as Keras's backend clips.
Value sqrt(Value x);
Value relu(Value x);
Value sigmoid(Value x);
Value tanh(Value x);
Value softmax(Value x, int64_t axis = -1);
/// Elementwise, broadcasting.
Value maximum(Value a, Value b);
Value minimum(Value a, Value b);
/// min(max(x, lo), hi); throws when lo > hi.
Value clip(Value x, double lo, double hi);
/// 1.0 where the relation holds, else 0.0 (broadcasting); no gradient
/// flows through them.
Value equal(Value a, Value b);
Value not_equal(Value a, Value b);
Value greater(Value a, Value b);
Value greater_equal(Value a, Value b);
Value less(Value a, Value b);
Value less_equal(Value a, Value b);
/// The index of the first maximum along `axis`, as a float; no gradient.
Value argmax(Value x, int64_t axis = -1);
/// A 0-d constant, to compare with or combine.
Value constant(double c);
Value operator+(Value a, Value b);
Value operator-(Value a, Value b);
Value operator*(Value a, Value b);
Value operator/(Value a, Value b);
Value operator+(Value a, double b);
Value operator-(Value a, double b);
Value operator*(Value a, double b);
Value operator/(Value a, double b);
Value operator+(double a, Value b);
Value operator-(double a, Value b);
Value operator*(double a, Value b);
Value operator/(double a, Value b);

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

/// A loss written with kiln::ops, as Keras's custom loss functions:
///   LossFunction mse("my_mse", [](ops::Value y_true, ops::Value y_pred) {
///     return ops::mean(ops::square(y_pred - y_true), {-1});
///   });
/// It returns each sample's loss (or any tensor, or a scalar); compile
/// averages it over every element, as Keras's default reduction does. Its
/// targets are float32 tensors shaped like the output.
struct LossFunction {
  std::string name;
  std::function<ops::Value(ops::Value y_true, ops::Value y_pred)> fn;
};

} // namespace kiln

#endif // KILN_FRONTEND_OPS_H
