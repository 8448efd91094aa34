// Kiln models as Keras configs, in Keras 3's schema (`.keras`, to_json) or
// Keras 2's (legacy `.h5`), with Keras's field order, layer order and
// naming, so that Keras itself reads them back.
#include "frontend/saving/LayerConfig.h"
#include "frontend/saving/ModelConfig.h"

#include "runtime/Error.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace kiln::saving {
namespace {

Json dtypePolicy(Schema schema) {
  if (schema == Schema::keras2)
    return "float32";
  return Json{{"module", "keras"},
              {"class_name", "DTypePolicy"},
              {"config", {{"name", "float32"}}},
              {"registered_name", nullptr}};
}

/// The node of each call of each layer, numbered per layer as Keras does.
std::map<detail::Node *, int> nodeIndices(const Model::Impl &m) {
  std::map<detail::Node *, int> index;
  std::map<LayerImpl *, int> calls;
  for (const auto &n : m.nodes)
    index[n.get()] = calls[n->layer.get()]++;
  return index;
}

Json inputLayerEntry(const LayerImpl &l, Schema schema) {
  Json cfg = Json::object();
  if (schema == Schema::keras3) {
    cfg["batch_shape"] = batchShape(l.declaredInputShape(), l.batchSize());
    cfg["dtype"] = "float32";
    cfg["sparse"] = false;
    cfg["name"] = l.name();
    return Json{{"module", "keras.layers"},
                {"class_name", "InputLayer"},
                {"config", cfg},
                {"registered_name", nullptr}};
  }
  cfg["batch_input_shape"] = batchShape(l.declaredInputShape(), l.batchSize());
  cfg["dtype"] = "float32";
  cfg["sparse"] = false;
  cfg["ragged"] = false;
  cfg["name"] = l.name();
  return Json{{"class_name", "InputLayer"}, {"config", cfg}};
}

Json layerEntry(const detail::Node &node, Schema schema) {
  const LayerImpl &l = *node.layer;
  if (node.inputs.empty())
    return inputLayerEntry(l, schema);
  Json cfg = Json::object();
  cfg["name"] = l.name();
  cfg["trainable"] = true;
  cfg["dtype"] = dtypePolicy(schema);
  LayerConfig lc(cfg, l.where());
  l.getConfig(lc);
  if (schema == Schema::keras2)
    return Json{{"class_name", l.className()}, {"config", cfg}};
  Json inputShape = node.inputs.size() == 1 ? shapeJson(node.inputs[0].shape())
                                            : Json::array();
  if (node.inputs.size() > 1)
    for (const KerasTensor &t : node.inputs)
      inputShape.push_back(shapeJson(t.shape()));
  return Json{{"module", "keras.layers"},
              {"class_name", l.className()},
              {"config", cfg},
              {"registered_name", nullptr},
              {"build_config", {{"input_shape", inputShape}}}};
}

Json sequentialConfig(const Model::Impl &m, Schema schema) {
  Json layers = Json::array();
  const LayerImpl &inputLayer = *m.inputs.front().node()->layer;
  const Shape &in = inputLayer.declaredInputShape();
  layers.push_back(inputLayerEntry(*m.inputs.front().node()->layer, schema));
  for (const auto &n : m.nodes)
    if (!n->inputs.empty())
      layers.push_back(layerEntry(*n, schema));
  if (schema == Schema::keras2)
    return Json{{"class_name", "Sequential"},
                {"config", {{"name", m.name}, {"layers", layers}}}};
  Json cfg{{"name", m.name},
           {"trainable", true},
           {"dtype", dtypePolicy(schema)},
           {"layers", layers},
           {"build_input_shape", batchShape(in, inputLayer.batchSize())}};
  return Json{{"module", "keras"},
              {"class_name", "Sequential"},
              {"config", cfg},
              {"registered_name", nullptr},
              {"build_config", {{"input_shape", batchShape(in, inputLayer.batchSize())}}}};
}

Json functionalConfig(const Model::Impl &m, Schema schema) {
  std::map<detail::Node *, int> index = nodeIndices(m);
  std::map<LayerImpl *, std::vector<detail::Node *>> callsOf;
  for (const auto &n : m.nodes)
    callsOf[n->layer.get()].push_back(n.get());
  auto history = [&](const KerasTensor &t) {
    return Json::array({t.node()->layer->name(), index.at(t.node().get()), t.index()});
  };
  Json layers = Json::array();
  for (const auto &l : kerasLayerOrder(m)) {
    const auto &calls = callsOf[l.get()];
    Json entry = layerEntry(*calls.front(), schema);
    Json inbound = Json::array();
    for (detail::Node *n : calls) {
      if (n->inputs.empty())
        continue;
      // Inputs after the first go under a keyword for some layers (a
      // recurrent layer's initial_state), as Keras calls them.
      const char *keyword = l->extraInputsKeyword();
      size_t positional = keyword ? 1 : n->inputs.size();
      if (schema == Schema::keras2) {
        Json refs = Json::array();
        for (size_t i = 0; i < positional; ++i) {
          Json r = history(n->inputs[i]);
          r.push_back(Json::object());
          refs.push_back(r);
        }
        for (size_t i = positional; i < n->inputs.size(); ++i)
          refs[0][3][keyword].push_back(history(n->inputs[i]));
        inbound.push_back(refs);
        continue;
      }
      auto tensor = [&](const KerasTensor &t) {
        return Json{{"class_name", "__keras_tensor__"},
                    {"config",
                     {{"shape", shapeJson(t.shape())},
                      {"dtype", "float32"},
                      {"keras_history", history(t)}}}};
      };
      Json args = Json::array(), kwargs = Json::object();
      for (size_t i = 0; i < positional; ++i)
        args.push_back(tensor(n->inputs[i]));
      for (size_t i = positional; i < n->inputs.size(); ++i)
        kwargs[keyword].push_back(tensor(n->inputs[i]));
      inbound.push_back(Json{{"args", positional == 1 ? args : Json::array({args})},
                             {"kwargs", kwargs}});
    }
    entry["name"] = l->name();
    entry["inbound_nodes"] = inbound;
    layers.push_back(entry);
  }
  Json ins = Json::array(), outs = Json::array();
  for (const KerasTensor &t : m.inputs)
    ins.push_back(history(t));
  for (const KerasTensor &t : m.outputs)
    outs.push_back(history(t));
  if (schema == Schema::keras2)
    return Json{{"class_name", "Functional"},
                {"config",
                 {{"name", m.name},
                  {"layers", layers},
                  {"input_layers", ins},
                  {"output_layers", outs}}}};
  return Json{{"module", "keras.src.models.functional"},
              {"class_name", "Functional"},
              {"config",
               {{"name", m.name},
                {"trainable", true},
                {"layers", layers},
                {"input_layers", ins},
                {"output_layers", outs}}},
              {"registered_name", "Functional"},
              {"build_config", {{"input_shape", nullptr}}}};
}

} // namespace

Json shapeJson(const Shape &shape) {
  Json out = Json::array();
  for (int64_t d : shape)
    out.push_back(d < 0 ? Json(nullptr) : Json(d));
  return out;
}

Json batchShape(const Shape &sample, int64_t batch) {
  Shape s{batch > 0 ? batch : -1};
  s.insert(s.end(), sample.begin(), sample.end());
  return shapeJson(s);
}

Json modelConfig(const Model::Impl &m, Schema schema) {
  if (!m.built())
    throwError("model '", m.name, "' has not been built yet: give the first "
               "layer an input_shape, or call fit() first, before saving it");
  return m.sequential ? sequentialConfig(m, schema) : functionalConfig(m, schema);
}

std::vector<std::shared_ptr<LayerImpl>> kerasLayerOrder(const Model::Impl &m) {
  if (m.sequential) {
    std::vector<std::shared_ptr<LayerImpl>> out;
    for (const auto &l : m.layers)
      if (l != m.inputs.front().node()->layer)
        out.push_back(l);
    return out;
  }
  // Keras's map_graph: operations numbered in the order a depth-first walk
  // from the outputs meets them, nodes listed post-order; then depths
  // propagate from the outputs and layers come deepest first, ties by number.
  std::map<LayerImpl *, size_t> number;
  std::map<LayerImpl *, std::shared_ptr<LayerImpl>> owner;
  std::vector<detail::Node *> postorder;
  std::set<detail::Node *> finished, inputNodes;
  for (const KerasTensor &t : m.inputs)
    inputNodes.insert(t.node().get());
  std::function<void(detail::Node *)> walk = [&](detail::Node *n) {
    if (finished.count(n))
      return;
    if (!number.count(n->layer.get())) {
      number[n->layer.get()] = number.size();
      owner[n->layer.get()] = n->layer;
    }
    if (!inputNodes.count(n))
      for (const KerasTensor &t : n->inputs)
        walk(t.node().get());
    finished.insert(n);
    postorder.push_back(n);
  };
  for (const KerasTensor &t : m.outputs)
    walk(t.node().get());
  // An input no output uses is still one of the model's layers.
  for (const KerasTensor &t : m.inputs)
    walk(t.node().get());
  std::map<detail::Node *, int> nodeDepth;
  std::map<LayerImpl *, int> layerDepth;
  for (auto it = postorder.rbegin(); it != postorder.rend(); ++it) {
    detail::Node *n = *it;
    int depth = std::max(nodeDepth[n], layerDepth[n->layer.get()]);
    layerDepth[n->layer.get()] = depth;
    nodeDepth[n] = depth;
    for (const KerasTensor &t : n->inputs)
      nodeDepth[t.node().get()] = std::max(depth + 1, nodeDepth[t.node().get()]);
  }
  std::vector<std::shared_ptr<LayerImpl>> out;
  for (const auto &[l, d] : layerDepth)
    out.push_back(owner[l]);
  std::sort(out.begin(), out.end(), [&](const auto &a, const auto &b) {
    int da = layerDepth[a.get()], db = layerDepth[b.get()];
    return da != db ? da > db : number[a.get()] < number[b.get()];
  });
  return out;
}

std::vector<WeightHome> weightHomes(const Model::Impl &m) {
  std::vector<WeightHome> homes;
  std::map<std::string, int> counters;
  for (const auto &l : kerasLayerOrder(m)) {
    std::string base = snakeCase(l->className());
    int n = counters[base]++;
    homes.push_back({l, {"layers", n == 0 ? base : base + "_" + std::to_string(n)}});
  }
  return homes;
}

std::vector<LegacyGroup> legacyGroups(const Model::Impl &m) {
  std::vector<LegacyGroup> groups;
  for (const auto &l : kerasLayerOrder(m))
    groups.push_back({l->name(), {l}});
  return groups;
}

} // namespace kiln::saving
