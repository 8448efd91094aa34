// Keras's metric objects for compile():
//   model.compile({.optimizer = "adam", .loss = "binary_crossentropy",
//                  .metrics = {metrics::Precision(), metrics::Recall(),
//                              metrics::AUC({.curve = "PR"})}});
// The confusion metrics (Precision, Recall, AUC, TruePositives, ...) are
// compiled into the step as counts of the batch; the runtime sums them over
// the epoch and computes each value as Keras's result() does, so the
// figures in the progress bar and History are the epoch's, not a mean of
// batches. Default names are Keras's ("precision", "auc", ...); a second
// metric of the same name in one compile gets "_1", "_2", ... as in Keras.
#ifndef KILN_FRONTEND_METRICS_H
#define KILN_FRONTEND_METRICS_H

#include "frontend/Ops.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln::metrics {

struct PrecisionOptions {
  /// The threshold a prediction must exceed to count as positive (Keras's
  /// default 0.5; with top_k, every top-k prediction counts). Kiln's logs
  /// hold one number per metric, so one threshold at most.
  std::vector<double> thresholds = {};
  /// Only the k highest predictions of each sample can be positive.
  std::optional<int64_t> top_k = std::nullopt;
  /// Only this class (index of the last axis) counts.
  std::optional<int64_t> class_id = std::nullopt;
  std::string name = "";
};
using RecallOptions = PrecisionOptions;

/// tp / (tp + fp) over the epoch.
Metric Precision(PrecisionOptions options = {});
/// tp / (tp + fn) over the epoch.
Metric Recall(RecallOptions options = {});

struct CountOptions {
  /// One threshold (default 0.5).
  std::vector<double> thresholds = {};
  std::string name = "";
};
Metric TruePositives(CountOptions options = {});
Metric FalsePositives(CountOptions options = {});
Metric TrueNegatives(CountOptions options = {});
Metric FalseNegatives(CountOptions options = {});

struct AUCOptions {
  /// Evenly spaced thresholds in (0, 1), plus one just below 0 and one
  /// just above 1 (backend::epsilon() away), as Keras.
  int64_t num_thresholds = 200;
  /// "ROC" or "PR".
  std::string curve = "ROC";
  /// "interpolation", "minoring" or "majoring".
  std::string summation_method = "interpolation";
  std::string name = "";
  /// Thresholds in [0, 1] to use instead of num_thresholds evenly spaced.
  std::vector<double> thresholds = {};
  /// Kiln flattens multi-dimensional outputs into one label set, Keras's
  /// default; multi_label = true is refused at compile.
  bool multi_label = false;
  /// The predictions are logits: a sigmoid comes first.
  bool from_logits = false;
};
/// The area under the ROC (or precision-recall) curve over the epoch.
Metric AUC(AUCOptions options = {});

struct AtOptions {
  int64_t num_thresholds = 200;
  std::optional<int64_t> class_id = std::nullopt;
  std::string name = "";
};
/// The best sensitivity (recall) among the thresholds whose specificity
/// reaches `specificity`.
Metric SensitivityAtSpecificity(double specificity, AtOptions options = {});
/// The best specificity among the thresholds whose sensitivity reaches
/// `sensitivity`.
Metric SpecificityAtSensitivity(double sensitivity, AtOptions options = {});

/// The fraction of samples whose one-hot target is among the k highest
/// predictions (a tie at the k-th place counts).
Metric TopKCategoricalAccuracy(int64_t k = 5,
                               std::string name = "top_k_categorical_accuracy");
/// As TopKCategoricalAccuracy, with integer labels.
Metric SparseTopKCategoricalAccuracy(
    int64_t k = 5, std::string name = "sparse_top_k_categorical_accuracy");
Metric MeanSquaredError(std::string name = "mean_squared_error");
Metric MeanAbsoluteError(std::string name = "mean_absolute_error");

/// The metric object a Keras string names ("AUC", "auc", "Precision",
/// "true_positives", "TopKCategoricalAccuracy", ...), as Keras's
/// metrics.get; nullopt for any other string.
std::optional<Metric> get(const std::string &name);

/// Builds a metric object from its class and Keras config; throws naming
/// the class and the setting Kiln does not support.
Metric from_config(const MetricConfig &config, std::string name = "");

} // namespace kiln::metrics

#endif // KILN_FRONTEND_METRICS_H
