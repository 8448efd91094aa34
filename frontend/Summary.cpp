// Keras's model.summary() table, exactly as tf.keras 2 prints it.
#include "frontend/ModelImpl.h"

#include "runtime/Error.h"

#include <set>
#include <sstream>

namespace kiln {
namespace {

std::string kerasShape(const Shape &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += shape[i] < 0 ? "None" : std::to_string(shape[i]);
  }
  return s + (shape.size() == 1 ? ",)" : ")");
}

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
  Impl &m = *impl_;
  if (!m.built())
    throwError("model '", m.name, "' has not yet been built: give the first "
               "layer an input_shape, or call fit() first");
  // A chain of single-input layers prints as Keras's "sequential-like" table.
  bool chain = true;
  for (const auto &n : m.nodes)
    chain &= n->inputs.size() <= 1;
  size_t width = chain ? 65 : 98;
  std::vector<size_t> positions =
      chain ? std::vector<size_t>{29, 55, 65} : std::vector<size_t>{32, 53, 65, 98};
  std::vector<std::string> header = {"Layer (type)", "Output Shape", "Param #"};
  if (!chain)
    header.push_back("Connected to");

  os << "Model: \"" << m.name << "\"\n" << std::string(width, '_') << "\n";
  printRow(os, header, positions);
  os << std::string(width, '=') << "\n";

  std::vector<std::shared_ptr<detail::Node>> rows;
  for (const auto &n : m.nodes)
    if (!(m.sequential && n->inputs.empty()))
      rows.push_back(n);
  int64_t total = 0, trainable = 0;
  std::set<LayerImpl *> counted;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto &n = rows[r];
    LayerImpl &l = *n->layer;
    int64_t params = 0;
    for (const Tensor &w : l.weights())
      params += w.size();
    // A shared layer's weights count once.
    if (counted.insert(&l).second) {
      total += params;
      for (size_t i = 0; i < l.weights().size(); ++i)
        if (l.specs()[i].trainable)
          trainable += l.weights()[i].size();
    }
    std::string shape = kerasShape(n->shape);
    if (n->inputs.empty())
      shape = "[" + shape + "]";
    std::vector<std::string> fields = {l.name() + " (" + l.className() + ")",
                                       shape, std::to_string(params)};
    if (!chain) {
      std::string connected;
      for (size_t i = 0; i < n->inputs.size(); ++i)
        connected += (i ? ", " : "") + n->inputs[i].node()->layer->name() + "[0][0]";
      fields.push_back(connected);
    }
    printRow(os, fields, positions);
    os << std::string(width, r + 1 == rows.size() ? '=' : '_') << "\n";
  }
  os << "Total params: " << withCommas(total) << "\n"
     << "Trainable params: " << withCommas(trainable) << "\n"
     << "Non-trainable params: " << withCommas(total - trainable) << "\n"
     << std::string(width, '_') << "\n";
}

} // namespace kiln
