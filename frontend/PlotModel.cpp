// utils::model_to_dot and utils::plot_model: the DOT text tf.keras 2's
// vis_utils writes (record boxes, "{input:|output:}" tables), then Graphviz.
#include "frontend/Plot.h"
#include "frontend/ModelImpl.h"
#include "frontend/pictures/Canvas.h"
#include "frontend/saving/AtomicFile.h"

#include "runtime/Error.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace kiln::utils {
namespace {

/// A DOT identifier: the name itself when DOT takes it bare, else quoted.
std::string dotId(const std::string &name) {
  bool bare = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
              std::all_of(name.begin(), name.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
              });
  if (bare)
    return name;
  std::string out = "\"";
  for (char c : name)
    out += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

/// Text inside a record field: the characters records give a meaning to
/// are escaped.
std::string recordText(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (std::string("{}|<>\"\\").find(c) != std::string::npos)
      out += '\\';
    out += c;
  }
  return out;
}

} // namespace

std::string model_to_dot(Model &model, const PlotModelOptions &o) {
  Model::Impl &m = model.impl();
  if (!m.built())
    throwError("plot_model: model '", m.name, "' has not been built yet: give "
               "the first layer an input_shape, or call fit() first");
  if (o.rankdir != "TB" && o.rankdir != "LR" && o.rankdir != "BT" &&
      o.rankdir != "RL")
    throwError("plot_model: rankdir must be 'TB', 'LR', 'BT' or 'RL', got '",
               o.rankdir, "'");
  if (o.dpi <= 0)
    throwError("plot_model: dpi must be positive, got ", o.dpi);

  // Every layer with its calls in this model, the input layers included
  // (Keras draws them), in the order of the graph's nodes.
  std::vector<LayerImpl *> order;
  std::map<LayerImpl *, std::vector<detail::Node *>> calls;
  for (const auto &n : m.nodes) {
    if (!calls.count(n->layer.get()))
      order.push_back(n->layer.get());
    calls[n->layer.get()].push_back(n.get());
  }
  // A Sequential model's input is named after its first layer in Keras.
  std::map<LayerImpl *, std::string> names;
  for (LayerImpl *l : order)
    names[l] = l->name();
  if (m.sequential && !m.layers.empty())
    names[m.inputs.front().node()->layer.get()] = m.layers.front()->name() + "_input";

  std::string dot = "digraph G {\nrankdir=" + o.rankdir +
                    ";\nconcentrate=True;\ndpi=" + std::to_string(o.dpi) +
                    ";\nnode [shape=record];\n";
  for (LayerImpl *l : order) {
    const std::string &id = names[l];
    std::string name = id, cls = l->className();
    auto [innerName, innerClass] = l->wrappedLayer();
    if (!innerClass.empty()) {
      name += "(" + innerName + ")";
      cls += "(" + innerClass + ")";
    }
    std::string label = recordText(o.show_layer_names ? name + ": " + cls : cls);
    if (o.show_dtype)
      label += "|float32";
    if (o.show_shapes) {
      const std::vector<detail::Node *> &nodes = calls[l];
      bool input = nodes.front()->inputs.empty();
      std::vector<std::vector<Shape>> ins, outs;
      for (detail::Node *n : nodes) {
        outs.push_back(n->shapes);
        std::vector<Shape> in;
        for (const KerasTensor &t : n->inputs)
          in.push_back(t.shape());
        ins.push_back(input ? n->shapes : in);
      }
      int64_t batch = nodes.front()->batch;
      // tf.keras's layer.input_shape / output_shape, "?" where calls differ.
      label += "\\n|{input:|output:}|{{" + kerasShapes(ins, batch, input, "?") + "}|{" +
               kerasShapes(outs, batch, input, "?") + "}}";
    }
    dot += dotId(id) + " [label=\"" + label + "\"];\n";
  }
  // One edge per inbound tensor of each call, as Keras adds them.
  for (LayerImpl *l : order)
    for (detail::Node *n : calls[l])
      for (const KerasTensor &t : n->inputs)
        dot += dotId(names[t.node()->layer.get()]) + " -> " + dotId(names[l]) + ";\n";
  return dot + "}\n";
}

void plot_model(Model &model, const std::string &to_file, const PlotModelOptions &o) {
  std::string format = pictures::extensionOf(to_file);
  if (format == "jpg")
    format = "jpeg";
  std::string dot = model_to_dot(model, o);
  std::string bytes;
  try {
    bytes = format == "dot" || format == "gv" ? dot : render_dot(dot, format);
  } catch (const Error &e) {
    throwError("plot_model: ", to_file, ": ", e.what());
  }
  saving::writeFileAtomically(to_file, bytes);
}

} // namespace kiln::utils
