// compile_config / training_config <-> CompileOptions.
#include "frontend/saving/CompileConfig.h"
#include "frontend/saving/LayerConfig.h"
#include "frontend/Metrics.h"

#include "runtime/Error.h"

#include <algorithm>

namespace kiln::saving {
namespace {

const std::vector<std::string> kMetrics = {
    "accuracy", "acc", "binary_accuracy", "categorical_accuracy",
    "sparse_categorical_accuracy", "mae", "mse", "mean_absolute_error",
    "mean_squared_error"};

bool known(const std::string &metric) {
  return std::find(kMetrics.begin(), kMetrics.end(), metric) != kMetrics.end();
}

/// Keras writes hyper-parameters as float32 values widened to double.
double asKeras(double v) { return double(float(v)); }

Json optimizerConfig(const Optimizer &o, Schema schema, double learningRate) {
  const std::string &n = o.name();
  std::string cls = n == "sgd" ? "SGD" : n == "rmsprop" ? "RMSprop"
                                      : n == "adam"      ? "Adam"
                                                         : "Adagrad";
  Json c = Json::object();
  c["name"] = schema == Schema::keras2 ? cls : (n == "sgd" ? "SGD" : n);
  c["learning_rate"] = asKeras(learningRate);
  if (schema == Schema::keras3) {
    for (const char *k : {"weight_decay", "clipnorm", "global_clipnorm", "clipvalue"})
      c[k] = nullptr;
    c["use_ema"] = false;
    c["ema_momentum"] = 0.99;
    c["ema_overwrite_frequency"] = nullptr;
    c["loss_scale_factor"] = nullptr;
    c["gradient_accumulation_steps"] = nullptr;
  }
  if (n == "sgd") {
    c["momentum"] = asKeras(o.momentum());
    c["nesterov"] = o.nesterov();
  } else if (n == "rmsprop") {
    c["rho"] = asKeras(o.rho());
    c["momentum"] = 0.0;
    c["epsilon"] = o.epsilon();
    c["centered"] = false;
  } else if (n == "adam") {
    c["beta_1"] = o.beta_1();
    c["beta_2"] = o.beta_2();
    c["epsilon"] = o.epsilon();
    c["amsgrad"] = false;
  } else {
    c["initial_accumulator_value"] = o.initial_accumulator_value();
    c["epsilon"] = o.epsilon();
  }
  if (schema == Schema::keras2)
    return Json{{"class_name", cls}, {"config", c}};
  return Json{{"module", "keras.optimizers"},
              {"class_name", cls},
              {"config", c},
              {"registered_name", nullptr}};
}

/// `key` of an optimizer's (or, `what`, a metric's) config as a number.
double num(const Json &c, const char *key, double fallback,
           const char *what = "optimizer") {
  if (!c.contains(key) || c[key].is_null())
    return fallback;
  if (!c[key].is_number())
    throwError(what, " '", key, "' = ", c[key].dump(), " is not a number");
  return c[key].get<double>();
}

Optimizer optimizerFrom(const Json &v) {
  if (v.is_string())
    return Optimizer(v.get<std::string>());
  if (!v.is_object() || !v.contains("class_name") || !v["class_name"].is_string())
    throwError("unreadable optimizer ", v.dump().substr(0, 200));
  std::string cls = v["class_name"].get<std::string>();
  if (cls.rfind("Custom>", 0) == 0) // tf.keras 2.11+'s registered names
    cls = cls.substr(7);
  std::transform(cls.begin(), cls.end(), cls.begin(), ::tolower);
  const Json c = v.contains("config") && v["config"].is_object() ? v["config"] : Json::object();
  const Json &lrv = c.contains("learning_rate") ? c["learning_rate"]
                    : c.contains("lr")          ? c["lr"]
                                                : Json();
  if (lrv.is_object())
    throwError("the learning rate is a schedule (", lrv.value("class_name", "?"),
               "), which Kiln does not support yet");
  for (const char *k : {"clipnorm", "clipvalue", "global_clipnorm"})
    if (c.contains(k) && !c[k].is_null())
      throwError("optimizer ", k, " is not supported");
  if (num(c, "decay", 0.0) != 0.0 || num(c, "weight_decay", 0.0) != 0.0)
    throwError("optimizer decay / weight_decay is not supported");
  if (c.value("use_ema", false) || c.value("amsgrad", false) ||
      c.value("centered", false))
    throwError("optimizer use_ema, amsgrad and centered are not supported");
  double eps = num(c, "epsilon", 1e-7);
  if (cls == "sgd")
    return optimizers::SGD{.learning_rate = num(c, "learning_rate", num(c, "lr", 0.01)),
                           .momentum = num(c, "momentum", 0.0),
                           .nesterov = c.value("nesterov", false)};
  if (cls == "rmsprop")
    return optimizers::RMSprop{.learning_rate = num(c, "learning_rate", num(c, "lr", 0.001)),
                               .rho = num(c, "rho", 0.9),
                               .momentum = num(c, "momentum", 0.0),
                               .epsilon = eps};
  if (cls == "adam")
    return optimizers::Adam{.learning_rate = num(c, "learning_rate", num(c, "lr", 0.001)),
                            .beta_1 = num(c, "beta_1", 0.9),
                            .beta_2 = num(c, "beta_2", 0.999),
                            .epsilon = eps};
  if (cls == "adagrad")
    return optimizers::Adagrad{
        .learning_rate = num(c, "learning_rate", num(c, "lr", 0.001)),
        .initial_accumulator_value = num(c, "initial_accumulator_value", 0.1),
        .epsilon = eps};
  throwError("optimizer ", v["class_name"].get<std::string>(),
             " is not supported (Kiln has SGD, RMSprop, Adam, Adagrad)");
}

std::string lossFrom(const Json &v) {
  if (v.is_string())
    return v.get<std::string>();
  // Keras 3 serializes a loss function as {"class_name": "function",
  // "config": "<its name>", "module": "builtins" or the user's module}.
  if (v.is_object() && v.value("class_name", Json()) == "function" &&
      v.contains("config") && v["config"].is_string())
    return v["config"].get<std::string>();
  if (v.is_object() && v.contains("class_name") && v["class_name"].is_string()) {
    const Json c = v.contains("config") && v["config"].is_object() ? v["config"] : Json::object();
    if (c.value("from_logits", false))
      throwError("the loss takes logits (from_logits=True), which Kiln's "
                 "compile() does not support yet");
    if (num(c, "label_smoothing", 0.0) != 0.0)
      throwError("label_smoothing is not supported");
    if (c.contains("fn") && c["fn"].is_string())
      return c["fn"].get<std::string>();
    return snakeCase(v["class_name"].get<std::string>());
  }
  throwError("unsupported loss ", v.dump().substr(0, 200));
}

/// Keras's loss: one (a name or a serialized loss), a list in output order,
/// or a map by output name.
Losses lossesFrom(const Json &v) {
  if (v.is_array()) {
    std::vector<std::string> list;
    for (const Json &e : v)
      list.push_back(lossFrom(e));
    return Losses(std::move(list));
  }
  if (v.is_object() && !v.contains("class_name")) {
    std::map<std::string, std::string> byName;
    for (const auto &[name, e] : v.items())
      byName[name] = lossFrom(e);
    return Losses(std::move(byName));
  }
  return Losses(lossFrom(v));
}

Json lossesJson(const Losses &l) {
  if (!l.byName.empty())
    return Json(l.byName);
  if (l.isList)
    return Json(l.list);
  return l.list.empty() ? Json() : Json(l.list.front());
}

Json lossWeightsJson(const LossWeights &w) {
  if (!w.byName.empty())
    return Json(w.byName);
  return w.list.empty() ? Json() : Json(w.list);
}

LossWeights lossWeightsFrom(const Json &v) {
  auto weight = [](const Json &e) {
    if (!e.is_number())
      throwError("loss_weights holds ", e.dump().substr(0, 100), ", not a number");
    return e.get<double>();
  };
  if (v.is_array()) {
    std::vector<double> list;
    for (const Json &e : v)
      list.push_back(weight(e));
    return LossWeights(std::move(list));
  }
  if (v.is_object()) {
    std::map<std::string, double> byName;
    for (const auto &[name, e] : v.items())
      byName[name] = weight(e);
    return LossWeights(std::move(byName));
  }
  if (!v.is_null())
    throwError("loss_weights must be a list or a map, got ", v.dump().substr(0, 100));
  return LossWeights();
}

/// The metric classes whose settings Kiln reads and writes (the others
/// travel as names).
bool metricObject(const std::string &cls) {
  static const std::vector<std::string> classes = {
      "Precision",      "Recall",
      "AUC",            "TruePositives",
      "FalsePositives", "TrueNegatives",
      "FalseNegatives", "SensitivityAtSpecificity",
      "SpecificityAtSensitivity", "TopKCategoricalAccuracy",
      "SparseTopKCategoricalAccuracy"};
  return std::find(classes.begin(), classes.end(), cls) != classes.end();
}

std::optional<int64_t> optionalInt(const Json &c, const char *key) {
  if (!c.contains(key) || c[key].is_null())
    return std::nullopt;
  if (!c[key].is_number_integer())
    throwError("metric config '", key, "' = ", c[key].dump(), " is not an integer");
  return c[key].get<int64_t>();
}

/// A metric object from Keras's {"class_name": ..., "config": {...}}.
Metric metricObjectFrom(const std::string &cls, const Json &c) {
  MetricConfig m;
  m.class_name = cls;
  if (c.contains("thresholds") && !c["thresholds"].is_null()) {
    const Json &t = c["thresholds"];
    if (t.is_number()) {
      m.thresholds = {t.get<double>()};
    } else if (t.is_array()) {
      for (const Json &v : t) {
        if (!v.is_number())
          throwError("metric ", cls, ": threshold ", v.dump(), " is not a number");
        m.thresholds.push_back(v.get<double>());
      }
    } else {
      throwError("metric ", cls, ": thresholds ", t.dump().substr(0, 100),
                 " is neither a number nor a list");
    }
  }
  m.top_k = optionalInt(c, "top_k");
  m.class_id = optionalInt(c, "class_id");
  m.num_thresholds = optionalInt(c, "num_thresholds").value_or(200);
  m.k = optionalInt(c, "k").value_or(5);
  m.curve = c.value("curve", std::string("ROC"));
  m.summation_method = c.value("summation_method", std::string("interpolation"));
  m.from_logits = c.value("from_logits", false);
  if (c.value("multi_label", false))
    throwError("metric ", cls, ": multi_label = true is not supported");
  if (c.contains("label_weights") && !c["label_weights"].is_null())
    throwError("metric ", cls, ": label_weights are not supported");
  m.value = num(c, cls == "SensitivityAtSpecificity" ? "specificity" : "sensitivity",
                0.0, "metric config");
  return metrics::from_config(m, c.value("name", std::string()));
}

/// Keras's config of a metric object, as get_config() writes it.
Json metricObjectConfig(const Metric &metric, Schema schema) {
  const MetricConfig &m = *metric.config;
  const std::string &cls = m.class_name;
  Json c = Json::object();
  c["name"] = metric.name;
  c["dtype"] = "float32";
  auto thresholds = [&]() -> Json {
    if (m.thresholds.empty())
      return nullptr;
    if (m.thresholds.size() == 1)
      return m.thresholds.front();
    return Json(m.thresholds);
  };
  if (cls == "Precision" || cls == "Recall") {
    c["thresholds"] = thresholds();
    c["top_k"] = m.top_k ? Json(*m.top_k) : Json();
    c["class_id"] = m.class_id ? Json(*m.class_id) : Json();
  } else if (cls == "AUC") {
    c["num_thresholds"] = m.num_thresholds;
    c["curve"] = m.curve;
    c["summation_method"] = m.summation_method;
    c["multi_label"] = false;
    c["num_labels"] = nullptr;
    c["label_weights"] = nullptr;
    c["from_logits"] = m.from_logits;
    if (!m.thresholds.empty())
      c["thresholds"] = m.thresholds;
  } else if (cls == "SensitivityAtSpecificity" ||
             cls == "SpecificityAtSensitivity") {
    c["class_id"] = m.class_id ? Json(*m.class_id) : Json();
    c["num_thresholds"] = m.num_thresholds;
    c[cls == "SensitivityAtSpecificity" ? "specificity" : "sensitivity"] = m.value;
  } else if (cls == "TopKCategoricalAccuracy" ||
             cls == "SparseTopKCategoricalAccuracy") {
    c["k"] = m.k;
  } else {
    c["thresholds"] = thresholds();
  }
  if (schema == Schema::keras2)
    return Json{{"class_name", cls}, {"config", c}};
  return Json{{"module", "keras.metrics"},
              {"class_name", cls},
              {"config", c},
              {"registered_name", nullptr}};
}

void metricsFrom(const Json &v, const std::vector<Metric> &custom,
                 std::vector<Metric> &out) {
  if (v.is_null())
    return;
  if (v.is_array()) {
    for (const Json &e : v)
      metricsFrom(e, custom, out);
    return;
  }
  std::string name;
  if (v.is_string()) {
    name = v.get<std::string>();
  } else if (v.is_object()) {
    const Json c = v.contains("config") && v["config"].is_object() ? v["config"] : Json::object();
    if (std::string cls = v.value("class_name", std::string()); metricObject(cls)) {
      out.push_back(metricObjectFrom(cls, c));
      return;
    }
    std::string n = c.value("name", std::string()), fn = c.value("fn", std::string());
    name = known(n) ? n : known(fn) ? fn : snakeCase(v.value("class_name", std::string()));
  }
  if (known(name)) {
    out.emplace_back(name);
    return;
  }
  if (std::optional<Metric> object = metrics::get(name)) {
    out.push_back(std::move(*object));
    return;
  }
  for (const Metric &m : custom)
    if (m.name == name) {
      out.push_back(m);
      return;
    }
  throwError("metric '", name, "' is neither built in nor among the custom metrics given");
}

/// compile()'s metrics from a config: a list for every output, a list of
/// lists (one per output) or a map by output name.
Metrics metricsFrom(const Json &v, const std::vector<Metric> &custom) {
  auto flat = [&](const Json &e) {
    std::vector<Metric> out;
    metricsFrom(e, custom, out);
    return out;
  };
  if (v.is_object() && !v.contains("class_name")) {
    std::map<std::string, std::vector<Metric>> byName;
    for (const auto &[output, list] : v.items())
      byName[output] = flat(list);
    return Metrics(std::move(byName));
  }
  if (v.is_array() && std::any_of(v.begin(), v.end(),
                                  [](const Json &e) { return e.is_array(); })) {
    std::vector<std::vector<Metric>> lists;
    for (const Json &e : v)
      lists.push_back(flat(e));
    return Metrics::per_output(std::move(lists));
  }
  return Metrics(flat(v));
}

Json metricsJson(const Metrics &m, Schema schema) {
  auto names = [&](const std::vector<Metric> &list) {
    Json out = Json::array();
    for (const Metric &metric : list)
      if (metric.config && metricObject(metric.config->class_name))
        out.push_back(metricObjectConfig(metric, schema));
      else
        out.push_back(metric.name);
    return out;
  };
  if (!m.byName.empty()) {
    Json out = Json::object();
    for (const auto &[output, list] : m.byName)
      out[output] = names(list);
    return out;
  }
  if (!m.isPerOutput)
    return names(m.all);
  Json out = Json::array();
  for (const auto &list : m.perOutput)
    out.push_back(names(list));
  return out;
}

} // namespace

Json compileConfig(const CompileOptions &o, Schema schema,
                   std::optional<double> learningRate) {
  double lr = learningRate.value_or(o.optimizer.learning_rate());
  Json metrics = metricsJson(o.metrics, schema);
  if (schema == Schema::keras2)
    return Json{{"loss", lossesJson(o.loss)},
                {"metrics", metrics},
                {"weighted_metrics", nullptr},
                {"loss_weights", lossWeightsJson(o.loss_weights)},
                {"optimizer_config", optimizerConfig(o.optimizer, schema, lr)}};
  return Json{{"optimizer", optimizerConfig(o.optimizer, schema, lr)},
              {"loss", lossesJson(o.loss)},
              {"loss_weights", lossWeightsJson(o.loss_weights)},
              {"metrics", metrics},
              {"weighted_metrics", nullptr},
              {"run_eagerly", false},
              {"steps_per_execution", 1},
              {"jit_compile", false}};
}

CompileOptions compileOptionsFrom(const Json &c, const std::vector<Metric> &custom,
                                  const std::vector<LossFunction> &customLosses) {
  if (!c.is_object())
    throwError("the compile config is not an object");
  const Json &opt = c.contains("optimizer") ? c["optimizer"]
                    : c.contains("optimizer_config") ? c["optimizer_config"]
                                                     : Json("rmsprop");
  CompileOptions o;
  o.optimizer = optimizerFrom(opt);
  if (!c.contains("loss") || c["loss"].is_null())
    throwError("the compile config has no loss");
  o.loss = lossesFrom(c["loss"]);
  for (const LossFunction &f : customLosses) {
    bool used = std::find(o.loss.list.begin(), o.loss.list.end(), f.name) !=
                o.loss.list.end();
    for (const auto &entry : o.loss.byName)
      used = used || entry.second == f.name;
    if (used && !o.loss.function(f.name))
      o.loss.functions.push_back(f);
  }
  if (c.contains("loss_weights"))
    o.loss_weights = lossWeightsFrom(c["loss_weights"]);
  if (c.contains("metrics"))
    o.metrics = metricsFrom(c["metrics"], custom);
  if (c.contains("weighted_metrics") && !c["weighted_metrics"].is_null() &&
      !c["weighted_metrics"].empty())
    throwError("weighted_metrics are not supported");
  return o;
}

} // namespace kiln::saving
