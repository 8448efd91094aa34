// Keras model configs of every version into Kiln's layer graph:
//   Sequential  {"config": [layers]} (Keras 1, 2.0-2.1) or {"layers": [...]}
//   Functional  "Model" (Keras 2.0-2.3) / "Functional" (2.4+, 3), whose
//               inbound_nodes are lists (Keras 1, 2) or {"args", "kwargs"}
//               with __keras_tensor__ / keras_history (Keras 3)
// Nested models are inlined: their layers join the outer graph, and each
// keeps the path of its weights in the file.
#include "frontend/saving/LayerConfig.h"
#include "frontend/saving/ModelConfig.h"

#include "runtime/Error.h"

#include <algorithm>
#include <array>
#include <functional>
#include <map>

namespace kiln::saving {
namespace {

/// Deeper nesting than any real model; a hostile config is cut off here.
constexpr int kMaxNesting = 16;
/// The largest per-sample element count an input may declare.
constexpr int64_t kMaxInputElements = int64_t(1) << 32;

const Json &field(const Json &obj, const char *key) {
  static const Json null;
  return obj.is_object() && obj.contains(key) ? obj[key] : null;
}

std::string str(const Json &v) { return v.is_string() ? v.get<std::string>() : ""; }

bool isModelClass(const std::string &c) {
  return c == "Sequential" || c == "Functional" || c == "Model";
}

class Reader {
public:
  Reader(const ReadOptions &opt, LoadedModel &out) : opt(opt), out(out) {}

  /// Builds `model` on `given` inputs (none for the top level); returns its
  /// outputs. `path` is the `.keras` path of the model's own group.
  std::vector<KerasTensor> build(const Json &model, std::vector<KerasTensor> given,
                                 const std::vector<std::string> &path,
                                 LegacyGroup *group, int depth,
                                 std::vector<KerasTensor> *inputsOut = nullptr);

  [[noreturn]] void fail(const std::string &msg) const {
    throwError(opt.file, ": ", msg);
  }

private:
  std::vector<KerasTensor> sequential(const Json &layers, const Json &config,
                                      std::vector<KerasTensor> given,
                                      const std::vector<std::string> &path,
                                      LegacyGroup *group, int depth,
                                      std::vector<KerasTensor> *inputsOut);
  std::vector<KerasTensor> functional(const Json &config,
                                      std::vector<KerasTensor> given,
                                      const std::vector<std::string> &path,
                                      LegacyGroup *group, int depth,
                                      std::vector<KerasTensor> *inputsOut);
  /// A leaf layer from its entry; records its weight homes.
  Layer makeLayer(const Json &entry, const std::vector<std::string> &path,
                  const std::string &key, LegacyGroup *group);
  /// Calls `layer` after checking that its weights fit the budget.
  std::vector<KerasTensor> call(const Layer &layer, const std::vector<KerasTensor> &in);
  Shape inputShape(const Json &batchShape, const std::string &what) const;
  /// Throws unless the config's dtype is float32 (or, with `integersToo`,
  /// an integer type).
  void checkDtype(const Json &config, const std::string &where,
                  bool integersToo = false) const;
  std::string key(std::map<std::string, int> &counters, const std::string &cls);

  const ReadOptions &opt;
  LoadedModel &out;
  uint64_t weightBytes = 0;
};

/// A batch shape's fixed batch size (a stateful model's), 0 for None.
int64_t fixedBatch(const Json &batchShape) {
  if (!batchShape.is_array() || batchShape.empty() ||
      !batchShape[0].is_number_integer())
    return 0;
  return std::max<int64_t>(batchShape[0].get<int64_t>(), 0);
}

Shape Reader::inputShape(const Json &batchShape, const std::string &what) const {
  if (!batchShape.is_array() || batchShape.empty())
    fail(what + ": the input shape " + batchShape.dump() + " is not a list");
  Shape s;
  int64_t n = 1;
  for (size_t i = 1; i < batchShape.size(); ++i) {
    const Json &d = batchShape[i];
    if (!d.is_number_integer() || d.get<int64_t>() <= 0)
      fail(what + ": input shape " + batchShape.dump() +
           " must have known positive dimensions after the batch");
    int64_t v = d.get<int64_t>();
    if (v > kMaxInputElements / n)
      fail(what + ": input shape " + batchShape.dump() + " is too large");
    n *= v;
    s.push_back(v);
  }
  return s;
}

void Reader::checkDtype(const Json &config, const std::string &where,
                        bool integersToo) const {
  const Json &d = field(config, "dtype");
  if (d.is_null())
    return;
  std::string name = d.is_string() ? d.get<std::string>()
                                   : str(field(field(d, "config"), "name"));
  // Integer inputs (token or category ids) are carried as float32, exact up
  // to 2^24, as the layers after them (Embedding) read them.
  bool integer = name == "int32" || name == "int64" || name == "uint8" ||
                 name == "int16" || name == "int8";
  if (name != "float32" && !(integersToo && integer))
    fail(where + "dtype " + d.dump() + " is not supported (Kiln computes in float32)");
}

std::string Reader::key(std::map<std::string, int> &counters, const std::string &cls) {
  std::string base = snakeCase(cls);
  int n = counters[base]++;
  return n == 0 ? base : base + "_" + std::to_string(n);
}

std::vector<KerasTensor> Reader::call(const Layer &layer,
                                      const std::vector<KerasTensor> &in) {
  std::vector<Shape> shapes;
  for (const KerasTensor &t : in)
    shapes.push_back(t.shape());
  if (in.size() < layer.impl()->minInputs() || in.size() > layer.impl()->maxInputs())
    fail(layer.impl()->where() + "called on " + std::to_string(in.size()) + " inputs");
  if (!layer.impl()->built()) {
    layer.impl()->inheritBatchSize(in); // a stateful layer's states need it
    layer.impl()->outputShape(shapes); // throws on bad shapes first
    for (const WeightSpec &w : layer.impl()->weightSpecs(shapes)) {
      uint64_t n = 4;
      for (int64_t d : w.shape) {
        if (d <= 0 || uint64_t(d) > opt.maxWeightBytes / n)
          fail(layer.impl()->where() + "weight '" + w.name + "' of shape " +
               shapeToString(w.shape) + " exceeds the limit of " +
               std::to_string(opt.maxWeightBytes) + " bytes");
        n *= uint64_t(d);
      }
      weightBytes += n;
      if (weightBytes > opt.maxWeightBytes)
        fail("the model's weights exceed the limit of " +
             std::to_string(opt.maxWeightBytes) + " bytes");
    }
  }
  return layer.call_outputs(in);
}

Layer Reader::makeLayer(const Json &entry, const std::vector<std::string> &path,
                        const std::string &key, LegacyGroup *group) {
  std::string cls = str(field(entry, "class_name"));
  Json config = field(entry, "config");
  if (!config.is_object())
    fail("layer entry " + entry.dump().substr(0, 200) + " has no config object");
  std::string where = "layer '" + str(field(config, "name")) + "' (" + cls + "): ";
  LayerConfig lc(config, opt.file + ": " + where, opt.kerasVersion, opt.weightsFollow);
  Layer layer = layerFromConfig(cls, lc, opt.file);
  checkDtype(config, where);
  std::vector<std::string> p = path;
  p.push_back("layers");
  p.push_back(key);
  out.homes.push_back({layer.impl(), p});
  if (group)
    group->layers.push_back(layer.impl());
  else
    out.groups.push_back({layer.name(), {layer.impl()}});
  return layer;
}

std::vector<KerasTensor> Reader::build(const Json &model,
                                       std::vector<KerasTensor> given,
                                       const std::vector<std::string> &path,
                                       LegacyGroup *group, int depth,
                                       std::vector<KerasTensor> *inputsOut) {
  if (depth > kMaxNesting)
    fail("models are nested more than " + std::to_string(kMaxNesting) + " deep");
  std::string cls = str(field(model, "class_name"));
  const Json &config = field(model, "config");
  if (cls == "Sequential") {
    if (config.is_array())
      return sequential(config, Json::object(), given, path, group, depth, inputsOut);
    if (!field(config, "layers").is_array())
      fail("Sequential config has no 'layers' list");
    return sequential(config["layers"], config, given, path, group, depth, inputsOut);
  }
  if (cls == "Functional" || cls == "Model") {
    if (!config.is_object() || !field(config, "layers").is_array())
      fail(cls + " config has no 'layers' list");
    return functional(config, given, path, group, depth, inputsOut);
  }
  if (cls.empty())
    fail("the config has no model class_name");
  fail("unsupported model class " + cls + " (Kiln reads Sequential, "
       "Functional and Model)");
}

std::vector<KerasTensor> Reader::sequential(const Json &layers, const Json &config,
                                            std::vector<KerasTensor> given,
                                            const std::vector<std::string> &path,
                                            LegacyGroup *group, int depth,
                                            std::vector<KerasTensor> *inputsOut) {
  std::optional<KerasTensor> t;
  if (!given.empty()) {
    if (given.size() != 1)
      fail("a nested Sequential model takes one input, got " +
           std::to_string(given.size()));
    t = given.front();
  }
  std::map<std::string, int> counters;
  auto startFrom = [&](const Json &batchShape, const std::string &name,
                       const std::string &what) {
    t = Input(inputShape(batchShape, what), name, fixedBatch(batchShape));
    if (inputsOut)
      inputsOut->push_back(*t);
  };
  for (const Json &entry : layers) {
    std::string cls = str(field(entry, "class_name"));
    const Json &lc = field(entry, "config");
    std::string name = str(field(lc, "name"));
    if (cls == "InputLayer") {
      checkDtype(lc, "layer '" + name + "' (InputLayer): ", /*integersToo=*/true);
      const Json &shape = field(lc, "batch_shape").is_null()
                              ? field(lc, "batch_input_shape")
                              : field(lc, "batch_shape");
      if (!t)
        startFrom(shape, name, "layer '" + name + "'");
      else if (!shape.is_null() &&
               inputShape(shape, "layer '" + name + "'") !=
                   Shape(t->shape().begin() + 1, t->shape().end()))
        fail("nested model input '" + name + "' expects " + shape.dump() +
             ", got " + shapeToString(t->shape()));
      continue;
    }
    if (!t) {
      // Keras 1 and 2 put the input shape on the first layer; Keras 3 on
      // the model's build_config.
      const Json *shape = nullptr;
      for (const Json *cand : {&field(lc, "batch_input_shape"),
                               &field(config, "build_input_shape"),
                               &field(field(config, "build_config"), "input_shape")})
        if (!shape && !cand->is_null())
          shape = cand;
      if (shape)
        startFrom(*shape, "", "layer '" + name + "'");
      else if (!field(lc, "input_dim").is_null())
        startFrom(Json::array({nullptr, lc["input_dim"]}), "", "layer '" + name + "'");
      else
        fail("the Sequential model declares no input shape, so its weights "
             "cannot be built");
    }
    std::string k = key(counters, cls);
    if (isModelClass(cls)) {
      std::vector<std::string> p = path;
      p.push_back("layers");
      p.push_back(k);
      LegacyGroup *g = group;
      if (!g) {
        out.groups.push_back({name, {}});
        g = &out.groups.back();
      }
      std::vector<KerasTensor> o = build(entry, {*t}, p, g, depth + 1);
      if (o.size() != 1)
        fail("nested model '" + name + "' in a Sequential model must have one output");
      t = o.front();
      continue;
    }
    std::vector<KerasTensor> o = call(makeLayer(entry, path, k, group), {*t});
    if (o.size() != 1)
      fail("layer '" + name + "' returns " + std::to_string(o.size()) +
           " tensors; every layer of a Sequential model must return one");
    t = o.front();
  }
  if (!t)
    fail("the Sequential model has no layers");
  return {*t};
}

/// The (layer, node, tensor) references of one inbound node, in order.
void nodeRefs(const Json &node, std::vector<std::array<Json, 3>> &refs) {
  if (node.is_object() && node.contains("args")) { // Keras 3
    std::function<void(const Json &)> walk = [&](const Json &v) {
      if (v.is_array()) {
        for (const Json &e : v)
          walk(e);
      } else if (str(field(v, "class_name")) == "__keras_tensor__") {
        const Json &h = field(field(v, "config"), "keras_history");
        if (h.is_array() && h.size() == 3)
          refs.push_back({h[0], h[1], h[2]});
      }
    };
    walk(node["args"]);
    // A recurrent layer's initial states follow its sequence.
    if (node.contains("kwargs") && node["kwargs"].is_object() &&
        node["kwargs"].contains("initial_state"))
      walk(node["kwargs"]["initial_state"]);
    return;
  }
  if (node.is_array()) // Keras 1 and 2: [[name, node, tensor, kwargs?], ...]
    for (const Json &r : node)
      if (r.is_array() && r.size() >= 3) {
        refs.push_back({r[0], r[1], r[2]});
        // tf.keras 2 keeps initial_state as [name, node, tensor] lists.
        if (r.size() >= 4 && r[3].is_object() && r[3].contains("initial_state") &&
            r[3]["initial_state"].is_array())
          for (const Json &s : r[3]["initial_state"])
            if (s.is_array() && s.size() >= 3)
              refs.push_back({s[0], s[1], s[2]});
      }
}

std::vector<KerasTensor> Reader::functional(const Json &config,
                                            std::vector<KerasTensor> given,
                                            const std::vector<std::string> &path,
                                            LegacyGroup *group, int depth,
                                            std::vector<KerasTensor> *inputsOut) {
  // Keras 3 writes a single input as one [name, node, tensor] triple.
  auto triples = [&](const Json &v, const char *what) {
    std::vector<std::array<Json, 3>> out;
    if (v.is_array() && v.size() == 3 && v[0].is_string())
      out.push_back({v[0], v[1], v[2]});
    else if (v.is_array())
      for (const Json &r : v)
        if (r.is_array() && r.size() >= 3)
          out.push_back({r[0], r[1], r[2]});
    if (out.empty())
      fail(std::string("Functional config has no ") + what);
    return out;
  };
  auto inputs = triples(field(config, "input_layers"), "input_layers");
  auto outputs = triples(field(config, "output_layers"), "output_layers");
  if (!given.empty() && given.size() != inputs.size())
    fail("nested model takes " + std::to_string(inputs.size()) + " inputs, got " +
         std::to_string(given.size()));

  std::map<std::string, KerasTensor> given_by_name;
  for (size_t i = 0; i < given.size(); ++i)
    given_by_name[str(inputs[i][0])] = given[i];
  // Tensors by "layer/node/tensor"; layers by name, made once and shared.
  std::map<std::string, KerasTensor> tensors;
  std::map<std::string, int> nodesMade, counters;
  auto ref = [](const Json &l, const Json &n, const Json &t) {
    return str(l) + "/" + n.dump() + "/" + t.dump();
  };
  const Json &layers = config["layers"];
  std::vector<Layer> made(layers.size());
  std::vector<std::string> keys(layers.size());
  std::vector<size_t> nextNode(layers.size(), 0);
  for (size_t i = 0; i < layers.size(); ++i)
    keys[i] = key(counters, str(field(layers[i], "class_name")));
  // Layers may list nodes whose inputs come later: repeat until nothing moves.
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < layers.size(); ++i) {
      const Json &entry = layers[i];
      std::string cls = str(field(entry, "class_name"));
      std::string name = str(field(entry, "name"));
      if (name.empty())
        name = str(field(field(entry, "config"), "name"));
      if (cls == "InputLayer") {
        if (nextNode[i]++ > 0)
          continue;
        progress = true;
        const Json &lc = field(entry, "config");
        checkDtype(lc, "layer '" + name + "' (InputLayer): ", /*integersToo=*/true);
        KerasTensor t;
        if (given_by_name.count(name)) {
          t = given_by_name[name];
        } else {
          const Json &shape = field(lc, "batch_shape").is_null()
                                  ? field(lc, "batch_input_shape")
                                  : field(lc, "batch_shape");
          t = Input(inputShape(shape, "layer '" + name + "'"), name,
                    fixedBatch(shape));
          out.homes.push_back({t.node()->layer, [&] {
                                 auto p = path;
                                 p.push_back("layers");
                                 p.push_back(keys[i]);
                                 return p;
                               }()});
        }
        tensors[ref(name, 0, 0)] = t;
        continue;
      }
      const Json &nodes = field(entry, "inbound_nodes");
      if (!nodes.is_array())
        fail("layer '" + name + "' has no inbound_nodes list");
      while (nextNode[i] < nodes.size()) {
        std::vector<std::array<Json, 3>> refs;
        nodeRefs(nodes[nextNode[i]], refs);
        std::vector<KerasTensor> in;
        for (const auto &r : refs) {
          auto it = tensors.find(ref(r[0], r[1], r[2]));
          if (it == tensors.end())
            break;
          in.push_back(it->second);
        }
        if (refs.empty())
          fail("layer '" + name + "' has an inbound node without input tensors");
        if (in.size() != refs.size())
          break; // an input is not made yet
        std::vector<KerasTensor> outs;
        if (isModelClass(cls)) {
          std::vector<std::string> p = path;
          p.push_back("layers");
          p.push_back(keys[i]);
          LegacyGroup *g = group;
          if (!g) {
            out.groups.push_back({name, {}});
            g = &out.groups.back();
          }
          if (nextNode[i] > 0)
            fail("nested model '" + name + "' is called twice; Kiln inlines "
                 "nested models and cannot share their weights");
          outs = build(entry, in, p, g, depth + 1);
        } else {
          if (!made[i].impl())
            made[i] = makeLayer(entry, path, keys[i], group);
          outs = call(made[i], in);
        }
        for (size_t k = 0; k < outs.size(); ++k)
          tensors[ref(name, Json(nextNode[i]), Json(k))] = outs[k];
        ++nextNode[i];
        progress = true;
      }
    }
  }
  auto lookup = [&](const std::array<Json, 3> &r) {
    auto it = tensors.find(ref(r[0], r[1], r[2]));
    if (it == tensors.end())
      fail("tensor " + str(r[0]) + "[" + r[1].dump() + "][" + r[2].dump() +
           "] is never computed (a missing or cyclic inbound node)");
    return it->second;
  };
  if (inputsOut)
    for (const auto &r : inputs)
      inputsOut->push_back(lookup(r));
  std::vector<KerasTensor> result;
  for (const auto &r : outputs)
    result.push_back(lookup(r));
  return result;
}

/// Names the first layer class Kiln lacks, before anything is built, so
/// the error is about the layer and not about a symptom of it.
void checkClasses(const Json &model, const std::string &file, int depth) {
  if (depth > kMaxNesting)
    throwError(file, ": models are nested more than ", kMaxNesting, " deep");
  const Json &config = field(model, "config");
  const Json &layers = config.is_array() ? config : field(config, "layers");
  if (!layers.is_array())
    return;
  std::vector<std::string> known = supportedLayers();
  for (const Json &entry : layers) {
    std::string cls = str(field(entry, "class_name"));
    if (isModelClass(cls)) {
      checkClasses(entry, file, depth + 1);
      continue;
    }
    if (std::find(known.begin(), known.end(), cls) == known.end()) {
      Json dummy = field(entry, "config");
      LayerConfig lc(dummy, "");
      layerFromConfig(cls, lc, file); // throws "unsupported layer <cls> in <file>"
    }
  }
}

} // namespace

LoadedModel modelFromConfig(const Json &config, const ReadOptions &options) {
  LoadedModel out;
  Reader reader(options, out);
  if (!config.is_object())
    reader.fail("the model config is not a JSON object");
  checkClasses(config, options.file, 0);
  std::string cls = str(field(config, "class_name"));
  const Json &inner = field(config, "config");
  std::string name = str(field(inner, "name"));
  std::vector<KerasTensor> inputs;
  std::vector<KerasTensor> outputs =
      reader.build(config, {}, {}, nullptr, 0, &inputs);
  if (cls == "Sequential") {
    Sequential s(name);
    Model::Impl &m = s.impl();
    m.inputs = inputs;
    m.outputs = outputs;
    m.analyze();
    out.model.emplace(std::move(s));
  } else {
    out.model.emplace(inputs, outputs, name);
  }
  out.compileConfig = field(config, "compile_config");
  return out;
}

} // namespace kiln::saving
