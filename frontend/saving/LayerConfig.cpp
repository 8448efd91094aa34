// Reading and writing the fields of one layer's Keras config.
#include "frontend/saving/LayerConfig.h"

#include "frontend/Emitter.h"

#include "runtime/Error.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <iostream>
#include <map>

namespace kiln::saving {

void LayerConfig::fail(const std::string &message) const {
  throwError(where, message);
}

bool LayerConfig::has(const char *key) const {
  return json.is_object() && json.contains(key) && !json[key].is_null();
}

std::string LayerConfig::name() const { return string("name", ""); }

int64_t LayerConfig::integer(const char *key) const {
  if (!has(key))
    fail(std::string("missing '") + key + "'");
  return integer(key, 0);
}

int64_t LayerConfig::integer(const char *key, int64_t fallback) const {
  if (!has(key))
    return fallback;
  const Json &v = json[key];
  if (v.is_number_unsigned() &&
      v.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
    fail(std::string("'") + key + "' is too large: " + v.dump());
  if (v.is_number_integer())
    return v.get<int64_t>();
  // Keras 1 files sometimes hold integral floats ("units": 10.0). The range
  // comes first: converting a larger double to int64_t is undefined.
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::abs(d) < 9e15 && d == std::trunc(d))
      return int64_t(d);
  }
  fail(std::string("'") + key + "' must be an integer, got " + v.dump());
}

double LayerConfig::number(const char *key, double fallback) const {
  if (!has(key))
    return fallback;
  if (!json[key].is_number())
    fail(std::string("'") + key + "' must be a number, got " + json[key].dump());
  return json[key].get<double>();
}

bool LayerConfig::boolean(const char *key, bool fallback) const {
  if (!has(key))
    return fallback;
  if (!json[key].is_boolean())
    fail(std::string("'") + key + "' must be true or false, got " + json[key].dump());
  return json[key].get<bool>();
}

std::string LayerConfig::string(const char *key, const std::string &fallback) const {
  if (!has(key))
    return fallback;
  if (!json[key].is_string())
    fail(std::string("'") + key + "' must be a string, got " + json[key].dump());
  return json[key].get<std::string>();
}

std::vector<int64_t> LayerConfig::ints(const char *key, size_t n,
                                       std::vector<int64_t> fallback) const {
  if (!has(key))
    return fallback;
  const Json &v = json[key];
  std::vector<int64_t> out;
  if (v.is_number_integer()) {
    out.assign(n, v.get<int64_t>());
  } else if (v.is_array() && v.size() == n) {
    for (const Json &e : v) {
      if (!e.is_number_integer())
        fail(std::string("'") + key + "' must hold integers, got " + v.dump());
      out.push_back(e.get<int64_t>());
    }
  } else {
    fail(std::string("'") + key + "' must be " + std::to_string(n) +
         " integers, got " + v.dump());
  }
  return out;
}

std::string LayerConfig::activation(const char *key,
                                    const std::string &fallback) const {
  if (!has(key))
    return fallback;
  const Json &v = json[key];
  std::string name;
  if (v.is_string())
    name = v.get<std::string>();
  else if (v.is_object() && v.contains("config") && v["config"].is_string())
    name = v["config"].get<std::string>(); // Keras 3: {"class_name": "function", "config": "relu"}
  else if (v.is_object() && v.contains("class_name") && v["class_name"].is_string())
    name = snakeCase(v["class_name"].get<std::string>());
  else
    fail(std::string("'") + key + "' is not an activation: " + v.dump());
  // Keras 1 and 2's hard_sigmoid has slope 0.2, Keras 3's 1/6: a file from
  // before Keras 3 gets Kiln's name for the older one.
  if (name == "hard_sigmoid" && kerasVersion.rfind("3", 0) != 0)
    name = "hard_sigmoid_keras2";
  if (!isActivation(name))
    fail("unsupported activation '" + name + "'; Kiln has " + activationNames());
  return name;
}

Initializer LayerConfig::initializer(const char *key,
                                     const Initializer &fallback) const {
  if (!has(key))
    return fallback;
  const Json &v = json[key];
  std::string cls;
  const Json *cfg = nullptr;
  if (v.is_string()) {
    cls = v.get<std::string>();
  } else if (v.is_object() && v.contains("class_name") && v["class_name"].is_string()) {
    cls = v["class_name"].get<std::string>();
    if (v.contains("config") && v["config"].is_object())
      cfg = &v["config"];
  } else {
    fail(std::string("'") + key + "' is not an initializer: " + v.dump());
  }
  std::string name = snakeCase(cls);
  auto num = [&](const char *k, double d) {
    return cfg && cfg->contains(k) && (*cfg)[k].is_number() ? (*cfg)[k].get<double>() : d;
  };
  if (name == "variance_scaling" && cfg) {
    // Keras 2.0-2.2 spelled Glorot and He as VarianceScaling.
    double scale = num("scale", 1.0);
    std::string mode = cfg->value("mode", std::string("fan_in"));
    std::string dist = cfg->value("distribution", std::string("normal"));
    bool uniform = dist == "uniform";
    if (scale == 1.0 && mode == "fan_avg")
      name = uniform ? "glorot_uniform" : "glorot_normal";
    else if (scale == 2.0 && mode == "fan_in")
      name = uniform ? "he_uniform" : "he_normal";
  }
  Initializer init(name);
  if (name == "random_normal" || name == "normal") {
    init.mean = num("mean", 0.0);
    init.stddev = num("stddev", 0.05);
  } else if (name == "random_uniform" || name == "uniform") {
    init.minval = num("minval", -0.05);
    init.maxval = num("maxval", 0.05);
  } else if (name == "constant") {
    init.value = num("value", 0.0);
  } else if (name == "orthogonal" && num("gain", 1.0) == 1.0) {
    // Keras's default gain; the only one Kiln draws.
  } else if (name != "glorot_uniform" && name != "glorot_normal" &&
             name != "he_uniform" && name != "he_normal" && name != "zeros" &&
             name != "ones") {
    // The file's weights replace whatever this would have drawn.
    if (weightsFollow)
      return Initializer("zeros");
    fail("unsupported initializer '" + cls + "' for '" + key + "'");
  }
  if (cfg && cfg->contains("seed") && (*cfg)["seed"].is_number_integer())
    init.seed = (*cfg)["seed"].get<uint64_t>();
  return init;
}

void LayerConfig::expect(const char *key, const Json &expected) const {
  if (has(key) && json[key] != expected)
    fail(std::string("'") + key + "' = " + json[key].dump() +
         " is not supported (Kiln supports " + expected.dump() + ")");
}

void LayerConfig::expectNull(const char *key) const {
  if (has(key))
    fail(std::string("'") + key + "' = " + json[key].dump() +
         " is not supported (Kiln supports null)");
}

void LayerConfig::warnIfSet(const char *key) const {
  if (has(key))
    std::cerr << "kiln: warning: " << where << "'" << key << "' = "
              << json[key].dump() << " is ignored: Kiln trains without it\n";
}

void LayerConfig::setInitializer(const char *key, const Initializer &init) {
  static const std::map<std::string, std::string> classes = {
      {"glorot_uniform", "GlorotUniform"}, {"glorot_normal", "GlorotNormal"},
      {"he_uniform", "HeUniform"},         {"he_normal", "HeNormal"},
      {"random_normal", "RandomNormal"},   {"normal", "RandomNormal"},
      {"random_uniform", "RandomUniform"}, {"uniform", "RandomUniform"},
      {"zeros", "Zeros"},                  {"ones", "Ones"},
      {"constant", "Constant"},            {"orthogonal", "Orthogonal"}};
  auto it = classes.find(init.name);
  if (it == classes.end())
    fail("initializer '" + init.name + "' has no Keras config");
  Json cfg = Json::object();
  Json seed = init.seed ? Json(*init.seed) : Json(nullptr);
  if (it->second == "RandomNormal") {
    cfg["mean"] = init.mean;
    cfg["stddev"] = init.stddev;
    cfg["seed"] = seed;
  } else if (it->second == "RandomUniform") {
    cfg["minval"] = init.minval;
    cfg["maxval"] = init.maxval;
    cfg["seed"] = seed;
  } else if (it->second == "Constant") {
    cfg["value"] = init.value;
  } else if (it->second == "Orthogonal") {
    cfg["gain"] = 1.0;
    cfg["seed"] = seed;
  } else if (it->second != "Zeros" && it->second != "Ones") {
    cfg["seed"] = seed;
  }
  json[key] = Json{{"module", "keras.initializers"},
                   {"class_name", it->second},
                   {"config", cfg},
                   {"registered_name", nullptr}};
}

std::string snakeCase(const std::string &className) {
  // Keras: drop non-word characters, then "_" before each capitalized word
  // ("(.)([A-Z][a-z]+)") and between a lower-case letter and a capital.
  std::string s;
  for (char c : className)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_')
      s += c;
  std::string a;
  for (size_t i = 0; i < s.size(); ++i) {
    bool word = i > 0 && std::isupper(static_cast<unsigned char>(s[i])) &&
                i + 1 < s.size() && std::islower(static_cast<unsigned char>(s[i + 1]));
    if (word)
      a += '_';
    a += s[i];
  }
  std::string b;
  for (size_t i = 0; i < a.size(); ++i) {
    if (i > 0 && std::islower(static_cast<unsigned char>(a[i - 1])) &&
        std::isupper(static_cast<unsigned char>(a[i])))
      b += '_';
    b += char(std::tolower(static_cast<unsigned char>(a[i])));
  }
  return b;
}

namespace {
using Factory = Layer (*)(LayerConfig &);
const std::map<std::string, Factory> &factories() {
  static const std::map<std::string, Factory> table = {
      {"Activation", layers::activationFromConfig},
      {"Add", layers::addFromConfig},
      {"BatchNormalization", layers::batchNormalizationFromConfig},
      {"Bidirectional", layers::bidirectionalFromConfig},
      {"AveragePooling2D", layers::averagePooling2dFromConfig},
      {"AvgPool2D", layers::averagePooling2dFromConfig},
      {"Concatenate", layers::concatenateFromConfig},
      {"Conv2D", layers::conv2dFromConfig},
      {"Convolution2D", layers::conv2dFromConfig}, // Keras 1
      {"Dense", layers::denseFromConfig},
      {"Dropout", layers::dropoutFromConfig},
      {"Embedding", layers::embeddingFromConfig},
      {"Flatten", layers::flattenFromConfig},
      {"GRU", layers::gruFromConfig},
      {"GlobalAveragePooling2D", layers::globalAveragePooling2dFromConfig},
      {"GlobalAvgPool2D", layers::globalAveragePooling2dFromConfig},
      {"GlobalMaxPooling2D", layers::globalMaxPooling2dFromConfig},
      {"GlobalMaxPool2D", layers::globalMaxPooling2dFromConfig},
      {"LSTM", layers::lstmFromConfig},
      {"LeakyReLU", layers::leakyReluFromConfig},
      {"MaxPooling2D", layers::maxPooling2dFromConfig},
      {"MaxPool2D", layers::maxPooling2dFromConfig},
      {"ReLU", layers::reluFromConfig},
      {"Reshape", layers::reshapeFromConfig},
      {"SimpleRNN", layers::simpleRnnFromConfig},
      {"TimeDistributed", layers::timeDistributedFromConfig},
      {"Softmax", layers::softmaxFromConfig}};
  return table;
}
} // namespace

std::vector<std::string> supportedLayers() {
  std::vector<std::string> out = {"InputLayer"};
  for (const auto &[name, f] : factories())
    out.push_back(name);
  return out;
}

Layer layerFromConfig(const std::string &className, LayerConfig &config,
                      const std::string &file) {
  auto it = factories().find(className);
  if (it == factories().end()) {
    std::string known;
    for (const std::string &n : supportedLayers())
      known += (known.empty() ? "" : ", ") + n;
    throwError("unsupported layer ", className, " in ", file, " (layer '",
               config.name(), "'; Kiln has ", known, ")");
  }
  if (!config.json.is_object())
    config.fail("the layer config is not an object");
  return it->second(config);
}

Json nestedLayerEntry(const LayerImpl &layer) {
  Json config = Json::object();
  config["name"] = layer.name();
  config["trainable"] = true;
  config["dtype"] = "float32";
  LayerConfig lc(config, layer.where());
  layer.getConfig(lc);
  return Json{{"module", "keras.layers"},
              {"class_name", layer.className()},
              {"config", config},
              {"registered_name", nullptr}};
}

Layer nestedLayer(LayerConfig &c, const char *key, const std::string &name,
                  std::optional<bool> goBackwards) {
  if (!c.json.contains(key))
    c.fail(std::string("'") + key + "' (the wrapped layer) is missing");
  Json entry = c.json[key];
  if (!entry.is_object() || !entry.contains("class_name") ||
      !entry["class_name"].is_string() || !entry.contains("config") ||
      !entry["config"].is_object())
    c.fail(std::string("'") + key +
           "' must be a layer entry with a class_name and a config");
  Json &config = entry["config"];
  if (!name.empty())
    config["name"] = name;
  if (goBackwards)
    config["go_backwards"] = *goBackwards;
  LayerConfig inner(config, c.where + key + ": ", c.kerasVersion, c.weightsFollow);
  return layerFromConfig(entry["class_name"].get<std::string>(), inner, c.where);
}

} // namespace kiln::saving
