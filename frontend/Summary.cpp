// Keras's model.summary() table, exactly as tf.keras 2 prints it.
#include "frontend/ModelImpl.h"

#include "runtime/Error.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace kiln {

std::string kerasShape(Shape shape, int64_t batch) {
  if (batch > 0 && !shape.empty())
    shape[0] = batch;
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += shape[i] < 0 ? "None" : std::to_string(shape[i]);
  }
  return s + (shape.size() == 1 ? ",)" : ")");
}

std::string kerasShapes(const std::vector<std::vector<Shape>> &perCall,
                        int64_t batch, bool asList, const char *whenCallsDiffer) {
  if (perCall.empty())
    return whenCallsDiffer;
  for (const auto &s : perCall)
    if (s != perCall.front())
      return whenCallsDiffer;
  const std::vector<Shape> &shapes = perCall.front();
  if (shapes.size() == 1 && !asList)
    return kerasShape(shapes.front(), batch);
  std::string out;
  for (const Shape &s : shapes)
    out += (out.empty() ? "" : ", ") + kerasShape(s, batch);
  return "[" + out + "]";
}

namespace {

std::string withCommas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return out;
}

/// Keras's print_row: each field cut at its column's end and padded to it.
void printRow(std::ostream &os, const std::vector<std::string> &fields,
              const std::vector<size_t> &positions) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) {
      line.pop_back(); // Keras: line = line[:-1] + ' '
      line += ' ';
    }
    line += fields[i];
    line = line.substr(0, positions[i]);
    line += std::string(positions[i] - line.size(), ' ');
  }
  os << line << "\n";
}

} // namespace

void Model::summary(std::ostream &os) {
  Impl &m = self();
  if (!m.built())
    throwError("model '", m.name, "' has not yet been built: give the first "
               "layer an input_shape, or call fit() first");
  // Each layer's calls (nodes) in this model, in call order.
  std::map<LayerImpl *, std::vector<detail::Node *>> calls;
  for (const auto &n : m.nodes)
    calls[n->layer.get()].push_back(n.get());
  for (auto &[layer, nodes] : calls)
    std::sort(nodes.begin(), nodes.end(),
              [](detail::Node *a, detail::Node *b) { return a->index < b->index; });
  // A chain of single-input layers, none of them shared, prints as Keras's
  // "sequential-like" table; anything else gets the "Connected to" column.
  bool chain = true;
  for (const auto &n : m.nodes)
    chain &= n->inputs.size() <= 1 && calls[n->layer.get()].size() == 1;
  size_t width = chain ? 65 : 98;
  std::vector<size_t> positions =
      chain ? std::vector<size_t>{29, 55, 65} : std::vector<size_t>{32, 53, 65, 98};
  std::vector<std::string> header = {"Layer (type)", "Output Shape", "Param #"};
  if (!chain)
    header.push_back("Connected to");

  os << "Model: \"" << m.name << "\"\n" << std::string(width, '_') << "\n";
  printRow(os, header, positions);
  os << std::string(width, '=') << "\n";

  // One row per layer, as Keras's print_layer_summary_with_connections: a
  // shared layer's shape is "multiple" when its calls disagree, and each of
  // its inbound tensors is a connection "layer[node_index][tensor_index]", the first
  // on the layer's row and the others on rows of their own.
  int64_t total = 0, trainable = 0;
  for (size_t r = 0; r < m.layers.size(); ++r) {
    LayerImpl &l = *m.layers[r];
    const std::vector<detail::Node *> &nodes = calls[&l];
    int64_t params = 0;
    for (size_t i = 0; i < l.weights().size(); ++i) {
      if (l.specs()[i].state)
        continue;
      params += l.weights()[i].size();
      if (l.specs()[i].trainable)
        trainable += l.weights()[i].size();
    }
    total += params;
    // A layer of several outputs prints them as a list, as Keras 2 prints
    // its output_shape.
    std::vector<std::vector<Shape>> perCall;
    for (detail::Node *n : nodes)
      perCall.push_back(n->shapes);
    std::string shape = kerasShapes(perCall, nodes.front()->batch,
                                    nodes.front()->inputs.empty(), "multiple");
    std::vector<std::string> connections;
    for (detail::Node *n : nodes)
      for (const KerasTensor &in : n->inputs)
        connections.push_back(in.node()->layer->name() + "[" +
                              std::to_string(in.node()->index) + "][" +
                              std::to_string(in.index()) + "]");
    std::vector<std::string> fields = {l.name() + " (" + l.className() + ")",
                                       shape, std::to_string(params)};
    if (!chain)
      fields.push_back(connections.empty() ? "" : connections.front());
    printRow(os, fields, positions);
    for (size_t c = 1; !chain && c < connections.size(); ++c)
      printRow(os, {"", "", "", connections[c]}, positions);
    os << std::string(width, r + 1 == m.layers.size() ? '=' : '_') << "\n";
  }
  os << "Total params: " << withCommas(total) << "\n"
     << "Trainable params: " << withCommas(trainable) << "\n"
     << "Non-trainable params: " << withCommas(total - trainable) << "\n"
     << std::string(width, '_') << "\n";
}

} // namespace kiln
