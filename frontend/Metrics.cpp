// Keras's metric objects: their defaults, checks and names, and what
// compile() needs to count them.
#include "frontend/Metrics.h"
#include "frontend/Backend.h"
#include "frontend/MetricsImpl.h"

#include "runtime/Error.h"

#include <algorithm>
#include <functional>
#include <map>

namespace kiln::metrics {
namespace {

using Kind = abi::ResultSpec::Kind;

// Keras's thresholds must lie in [0, 1]; Kiln's logs take one value per
// metric, so the count metrics take one threshold.
void checkThresholds(const std::string &cls, const std::vector<double> &t,
                     bool one) {
  for (double v : t)
    if (!(v >= 0.0 && v <= 1.0))
      throwError(cls, ": threshold ", v, " is not in [0, 1]");
  if (one && t.size() > 1)
    throwError(cls, ": ", t.size(), " thresholds given; Kiln reports one value "
               "per metric, so give one threshold (or one metric per threshold)");
}

void checkPositive(const std::string &cls, const char *what,
                   std::optional<int64_t> v, bool zeroOk) {
  if (v && (*v < 0 || (!zeroOk && *v == 0)))
    throwError(cls, ": ", what, " = ", *v, " must be ",
               zeroOk ? "non-negative" : "positive");
}

Metric make(MetricConfig c, std::string name, const char *defaultName) {
  return Metric::object(
      name.empty() ? std::string(defaultName) : std::move(name), std::move(c));
}

Metric precisionOrRecall(const char *cls, const char *defaultName,
                         PrecisionOptions o) {
  checkThresholds(cls, o.thresholds, true);
  checkPositive(cls, "top_k", o.top_k, false);
  checkPositive(cls, "class_id", o.class_id, true);
  MetricConfig c;
  c.class_name = cls;
  c.thresholds = std::move(o.thresholds);
  c.top_k = o.top_k;
  c.class_id = o.class_id;
  return make(std::move(c), std::move(o.name), defaultName);
}

Metric count(const char *cls, const char *defaultName, CountOptions o) {
  checkThresholds(cls, o.thresholds, true);
  MetricConfig c;
  c.class_name = cls;
  c.thresholds = std::move(o.thresholds);
  return make(std::move(c), std::move(o.name), defaultName);
}

Metric at(const char *cls, const char *defaultName, const char *what,
          double value, AtOptions o) {
  if (!(value >= 0.0 && value <= 1.0))
    throwError(cls, ": ", what, " = ", value, " must be in [0, 1]");
  if (o.num_thresholds <= 0)
    throwError(cls, ": num_thresholds = ", o.num_thresholds, " must be > 0");
  checkPositive(cls, "class_id", o.class_id, true);
  MetricConfig c;
  c.class_name = cls;
  c.value = value;
  c.num_thresholds = o.num_thresholds;
  c.class_id = o.class_id;
  return make(std::move(c), std::move(o.name), defaultName);
}

Metric mean(const char *cls, std::string name) {
  MetricConfig c;
  c.class_name = cls;
  return Metric::object(std::move(name), std::move(c));
}

} // namespace

Metric Precision(PrecisionOptions o) {
  return precisionOrRecall("Precision", "precision", std::move(o));
}
Metric Recall(RecallOptions o) {
  return precisionOrRecall("Recall", "recall", std::move(o));
}
Metric TruePositives(CountOptions o) {
  return count("TruePositives", "true_positives", std::move(o));
}
Metric FalsePositives(CountOptions o) {
  return count("FalsePositives", "false_positives", std::move(o));
}
Metric TrueNegatives(CountOptions o) {
  return count("TrueNegatives", "true_negatives", std::move(o));
}
Metric FalseNegatives(CountOptions o) {
  return count("FalseNegatives", "false_negatives", std::move(o));
}

Metric AUC(AUCOptions o) {
  if (o.curve != "ROC" && o.curve != "roc" && o.curve != "PR" && o.curve != "pr")
    throwError("AUC: curve '", o.curve, "' is not one of ROC, PR");
  static const std::vector<std::string> methods = {"interpolation", "minoring",
                                                   "majoring"};
  std::string method = o.summation_method;
  if (!method.empty())
    method[0] = static_cast<char>(std::tolower(method[0]));
  if (std::find(methods.begin(), methods.end(), method) == methods.end())
    throwError("AUC: summation_method '", o.summation_method,
               "' is not one of interpolation, minoring, majoring");
  if (o.thresholds.empty() && o.num_thresholds <= 1)
    throwError("AUC: num_thresholds = ", o.num_thresholds, " must be > 1");
  checkThresholds("AUC", o.thresholds, false);
  if (o.multi_label)
    throwError("AUC: multi_label = true is not supported; Kiln flattens the "
               "labels into one set (Keras's default, multi_label = false)");
  MetricConfig c;
  c.class_name = "AUC";
  c.num_thresholds = o.thresholds.empty() ? o.num_thresholds
                                          : int64_t(o.thresholds.size()) + 2;
  c.thresholds = std::move(o.thresholds);
  std::sort(c.thresholds.begin(), c.thresholds.end());
  c.curve = o.curve == "pr" || o.curve == "PR" ? "PR" : "ROC";
  c.summation_method = method;
  c.from_logits = o.from_logits;
  return make(std::move(c), std::move(o.name), "auc");
}

Metric SensitivityAtSpecificity(double specificity, AtOptions o) {
  return at("SensitivityAtSpecificity", "sensitivity_at_specificity",
            "specificity", specificity, std::move(o));
}
Metric SpecificityAtSensitivity(double sensitivity, AtOptions o) {
  return at("SpecificityAtSensitivity", "specificity_at_sensitivity",
            "sensitivity", sensitivity, std::move(o));
}

Metric TopKCategoricalAccuracy(int64_t k, std::string name) {
  checkPositive("TopKCategoricalAccuracy", "k", k, false);
  Metric m = mean("TopKCategoricalAccuracy", std::move(name));
  m.config->k = k;
  return m;
}
Metric SparseTopKCategoricalAccuracy(int64_t k, std::string name) {
  checkPositive("SparseTopKCategoricalAccuracy", "k", k, false);
  Metric m = mean("SparseTopKCategoricalAccuracy", std::move(name));
  m.config->k = k;
  return m;
}
Metric MeanSquaredError(std::string name) {
  return mean("MeanSquaredError", std::move(name));
}
Metric MeanAbsoluteError(std::string name) {
  return mean("MeanAbsoluteError", std::move(name));
}

std::optional<Metric> get(const std::string &name) {
  // Keras's metrics.get: the class name or its snake_case spelling makes
  // the metric object with its defaults.
  static const std::map<std::string, std::function<Metric()>> classes = {
      {"Precision", [] { return Precision(); }},
      {"Recall", [] { return Recall(); }},
      {"AUC", [] { return AUC(); }},
      {"TruePositives", [] { return TruePositives(); }},
      {"FalsePositives", [] { return FalsePositives(); }},
      {"TrueNegatives", [] { return TrueNegatives(); }},
      {"FalseNegatives", [] { return FalseNegatives(); }},
      {"TopKCategoricalAccuracy", [] { return TopKCategoricalAccuracy(); }},
      {"SparseTopKCategoricalAccuracy",
       [] { return SparseTopKCategoricalAccuracy(); }},
      {"MeanSquaredError", [] { return MeanSquaredError(); }},
      {"MeanAbsoluteError", [] { return MeanAbsoluteError(); }}};
  static const std::map<std::string, std::string> snake = {
      {"precision", "Precision"},
      {"recall", "Recall"},
      {"auc", "AUC"},
      {"true_positives", "TruePositives"},
      {"false_positives", "FalsePositives"},
      {"true_negatives", "TrueNegatives"},
      {"false_negatives", "FalseNegatives"},
      {"top_k_categorical_accuracy", "TopKCategoricalAccuracy"},
      {"sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy"}};
  auto it = classes.find(name);
  if (it == classes.end()) {
    auto s = snake.find(name);
    if (s == snake.end())
      return std::nullopt;
    it = classes.find(s->second);
  }
  return it->second();
}

Metric from_config(const MetricConfig &c, std::string name) {
  const std::string &cls = c.class_name;
  if (cls == "Precision" || cls == "Recall") {
    PrecisionOptions o{c.thresholds, c.top_k, c.class_id, std::move(name)};
    return cls == "Precision" ? Precision(std::move(o)) : Recall(std::move(o));
  }
  if (cls == "TruePositives" || cls == "FalsePositives" ||
      cls == "TrueNegatives" || cls == "FalseNegatives") {
    CountOptions o{c.thresholds, std::move(name)};
    return cls == "TruePositives"    ? TruePositives(std::move(o))
           : cls == "FalsePositives" ? FalsePositives(std::move(o))
           : cls == "TrueNegatives"  ? TrueNegatives(std::move(o))
                                     : FalseNegatives(std::move(o));
  }
  if (cls == "AUC")
    return AUC({.num_thresholds = c.num_thresholds,
                .curve = c.curve,
                .summation_method = c.summation_method,
                .name = std::move(name),
                .thresholds = c.thresholds,
                .from_logits = c.from_logits});
  if (cls == "SensitivityAtSpecificity" || cls == "SpecificityAtSensitivity") {
    AtOptions o{c.num_thresholds, c.class_id, std::move(name)};
    return cls == "SensitivityAtSpecificity"
               ? SensitivityAtSpecificity(c.value, std::move(o))
               : SpecificityAtSensitivity(c.value, std::move(o));
  }
  auto named = [&](const char *fallback) {
    return name.empty() ? std::string(fallback) : std::move(name);
  };
  if (cls == "TopKCategoricalAccuracy")
    return TopKCategoricalAccuracy(c.k, named("top_k_categorical_accuracy"));
  if (cls == "SparseTopKCategoricalAccuracy")
    return SparseTopKCategoricalAccuracy(
        c.k, named("sparse_top_k_categorical_accuracy"));
  if (cls == "MeanSquaredError")
    return MeanSquaredError(named("mean_squared_error"));
  if (cls == "MeanAbsoluteError")
    return MeanAbsoluteError(named("mean_absolute_error"));
  throwError("metric class '", cls, "' is not one Kiln has");
}

} // namespace kiln::metrics

namespace kiln::detail {
namespace {

using Kind = abi::ResultSpec::Kind;

std::optional<Kind> confusionKind(const std::string &cls) {
  static const std::map<std::string, Kind> kinds = {
      {"TruePositives", Kind::true_positives},
      {"FalsePositives", Kind::false_positives},
      {"TrueNegatives", Kind::true_negatives},
      {"FalseNegatives", Kind::false_negatives},
      {"Precision", Kind::precision},
      {"Recall", Kind::recall},
      {"AUC", Kind::auc},
      {"SensitivityAtSpecificity", Kind::sensitivity_at_specificity},
      {"SpecificityAtSensitivity", Kind::specificity_at_sensitivity}};
  auto it = kinds.find(cls);
  if (it == kinds.end())
    return std::nullopt;
  return it->second;
}

} // namespace

bool countsConfusion(const MetricConfig &config) {
  return confusionKind(config.class_name).has_value();
}

std::vector<float> countThresholds(const MetricConfig &c) {
  std::vector<double> t;
  const std::string &cls = c.class_name;
  if (cls == "AUC") {
    // [-epsilon, given or (i + 1) / (n - 1) for i < n - 2, 1 + epsilon]
    double eps = backend::epsilon();
    t.push_back(0.0 - eps);
    if (!c.thresholds.empty())
      t.insert(t.end(), c.thresholds.begin(), c.thresholds.end());
    else
      for (int64_t i = 0; i + 2 < c.num_thresholds; ++i)
        t.push_back(double(i + 1) / double(c.num_thresholds - 1));
    t.push_back(1.0 + eps);
  } else if (cls == "SensitivityAtSpecificity" ||
             cls == "SpecificityAtSensitivity") {
    if (c.num_thresholds == 1) {
      t.push_back(0.5);
    } else {
      t.push_back(0.0);
      for (int64_t i = 0; i + 2 < c.num_thresholds; ++i)
        t.push_back(double(i + 1) / double(c.num_thresholds - 1));
      t.push_back(1.0);
    }
  } else if (!c.thresholds.empty()) {
    t = c.thresholds;
  } else {
    // Keras's default: 0.5, or every top-k prediction (NEG_INF) with top_k.
    t.push_back(c.top_k ? -1e10 : 0.5);
  }
  return std::vector<float>(t.begin(), t.end());
}

abi::ResultSpec resultSpecOf(const Metric &metric) {
  abi::ResultSpec spec;
  if (!metric.config)
    return spec;
  const MetricConfig &c = *metric.config;
  std::optional<Kind> kind = confusionKind(c.class_name);
  if (!kind)
    return spec;
  spec.kind = *kind;
  spec.thresholds = static_cast<uint32_t>(countThresholds(c).size());
  spec.prCurve = c.curve == "PR";
  spec.summation = c.summation_method == "minoring"
                       ? abi::ResultSpec::Summation::minoring
                   : c.summation_method == "majoring"
                       ? abi::ResultSpec::Summation::majoring
                       : abi::ResultSpec::Summation::interpolation;
  spec.value = c.value;
  return spec;
}

} // namespace kiln::detail
