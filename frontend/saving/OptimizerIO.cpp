// Optimizer state (iterations and slots) in Keras's files. Kiln keeps its
// slots slot-major (slot s of every trainable parameter p at s * P + p);
// Keras 3 and tf.keras 2.11+ list them per parameter, slots interleaved.
#include "frontend/saving/WeightsIO.h"

#include "runtime/Error.h"

#include <map>

namespace kiln::saving {
namespace {

struct Param {
  std::string layer, weight;
  Shape shape;
};

/// The trainable parameters in the compiled step's order.
std::vector<Param> trainable(const Model::Impl &m) {
  std::vector<Param> out;
  for (const auto &l : m.layers)
    for (size_t i = 0; i < l->weights().size(); ++i)
      if (l->specs()[i].trainable)
        out.push_back({l->name(), l->specs()[i].name, l->weights()[i].shape()});
  return out;
}

/// Keras's slot names for Kiln's slots of each optimizer; the first is what
/// Kiln writes in tf.keras 2.11+'s naming, the second Keras 3's.
std::vector<std::vector<std::string>> slotNames(const std::string &optimizer) {
  if (optimizer == "adam")
    return {{"m", "momentum"}, {"v", "velocity"}};
  if (optimizer == "sgd")
    return {{"m", "momentum"}};
  if (optimizer == "rmsprop")
    return {{"velocity", "velocity", "rms"}};
  return {{"accumulator", "accumulator"}};
}

const train::ModelState &stateOf(const Model::Impl &m) {
  if (!m.state || !m.compileOptions)
    throwError("model '", m.name, "' is not compiled");
  return *m.state;
}

std::string className(const std::string &optimizer) {
  return optimizer == "sgd" ? "SGD" : optimizer == "rmsprop" ? "RMSprop"
                                  : optimizer == "adam"      ? "Adam"
                                                             : "Adagrad";
}

/// Installs slots given per (parameter, slot) and the step count.
void install(Model::Impl &m, const std::vector<std::vector<Tensor>> &perParam,
             int64_t iterations) {
  train::ModelState &state = *m.state;
  unsigned slots = m.steps.signature.optimizerSlots;
  std::vector<Tensor> flat(slots * perParam.size());
  for (size_t p = 0; p < perParam.size(); ++p)
    for (unsigned s = 0; s < slots; ++s)
      flat[s * perParam.size() + p] = perParam[p][s];
  if (iterations < 0)
    throwError("the optimizer's iteration count ", iterations, " is negative");
  state.set_optimizer_slots(flat);
  state.set_iterations(iterations);
}

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return parts;
}

bool endsWith(const std::string &s, const std::string &tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

} // namespace

void writeArchiveOptimizer(H5Group root, const Model::Impl &m) {
  const train::ModelState &state = stateOf(m);
  H5Group vars = root.createGroup("optimizer/vars");
  vars.writeDataset("0", Tensor::fromVector<int64_t>({state.iterations()}, {}));
  vars.writeDataset("1", Tensor::fromVector<float>(
                             {float(state.learning_rate())}, {}));
  size_t params = trainable(m).size();
  unsigned slots = m.steps.signature.optimizerSlots;
  int k = 2;
  for (size_t p = 0; p < params; ++p)
    for (unsigned s = 0; s < slots; ++s)
      vars.writeDataset(std::to_string(k++), state.slots()[s * params + p]);
}

void readArchiveOptimizer(const H5Group &root, Model::Impl &m) {
  stateOf(m);
  if (!root.hasGroup("optimizer/vars"))
    throwError(root.where("optimizer/vars"), "missing");
  H5Group vars = root.group("optimizer/vars");
  std::vector<Param> params = trainable(m);
  unsigned slots = m.steps.signature.optimizerSlots;
  size_t n = vars.children().size();
  // Keras 3 stores [iterations, learning_rate, ...]; tf.keras 2.13-2.15
  // [iterations, ...].
  size_t first = n == 2 + slots * params.size() ? 2
                 : n == 1 + slots * params.size() ? 1
                                                  : 0;
  if (first == 0)
    throwError(vars.where(), "holds ", n, " variables; a ",
               m.compileOptions->optimizer.name(), " optimizer of ", params.size(),
               " parameters has ", 2 + slots * params.size());
  int64_t it = *vars.readDataset("0", {}, /*asInteger=*/true).data<int64_t>();
  std::vector<std::vector<Tensor>> perParam(params.size());
  size_t k = first;
  for (size_t p = 0; p < params.size(); ++p)
    for (unsigned s = 0; s < slots; ++s)
      perParam[p].push_back(vars.readDataset(std::to_string(k++), params[p].shape));
  install(m, perParam, it);
  // Keras 3's learning rate is a variable: the value it had when saved.
  if (first == 2)
    m.state->set_learning_rate(*vars.readDataset("1", {}).data<float>());
}

void writeLegacyOptimizer(H5Group root, const Model::Impl &m) {
  const train::ModelState &state = stateOf(m);
  const std::string &opt = m.compileOptions->optimizer.name();
  H5Group g = root.createGroup("optimizer_weights");
  std::vector<Param> params = trainable(m);
  auto names = slotNames(opt);
  unsigned slots = m.steps.signature.optimizerSlots;
  std::vector<std::string> weightNames = {"iteration:0"};
  std::vector<Tensor> values = {Tensor::fromVector<int64_t>({state.iterations()}, {})};
  for (size_t p = 0; p < params.size(); ++p)
    for (unsigned s = 0; s < slots; ++s) {
      weightNames.push_back(className(opt) + "/" + names[s][0] + "/" +
                            params[p].layer + "/" + params[p].weight + ":0");
      values.push_back(state.slots()[s * params.size() + p]);
    }
  g.setStringsAttr("weight_names", weightNames);
  for (size_t i = 0; i < values.size(); ++i)
    g.writeDataset(weightNames[i], values[i]);
}

void readLegacyOptimizer(const H5Group &root, Model::Impl &m) {
  stateOf(m);
  if (!root.hasGroup("optimizer_weights"))
    throwError(root.where("optimizer_weights"), "missing");
  H5Group g = root.group("optimizer_weights");
  std::vector<std::string> names = g.stringsAttr("weight_names");
  std::vector<Param> params = trainable(m);
  auto slotKinds = slotNames(m.compileOptions->optimizer.name());
  unsigned slots = m.steps.signature.optimizerSlots;
  std::vector<std::vector<Tensor>> perParam(params.size(), std::vector<Tensor>(slots));
  std::optional<int64_t> iterations;
  size_t found = 0;
  auto slotOf = [&](const std::string &kind) -> int {
    for (unsigned s = 0; s < slots; ++s)
      for (const std::string &n : slotKinds[s])
        if (n == kind)
          return int(s);
    return -1;
  };
  // The parameter a variable path ("dense/kernel", "model/dense/kernel" or
  // Keras 3's "sequential_dense_kernel") ends with; the longest match wins.
  auto paramOf = [&](const std::string &path, char sep) -> int {
    // A recurrent layer's weights live in its cell ("gru/gru_cell/kernel",
    // "lstm_2/lstm_cell_2/kernel"): the cell's component is left out.
    std::string var;
    for (const std::string &part : split(path, sep))
      if (sep != '/' || (part != "cell" && part.find("_cell") == std::string::npos))
        var += (var.empty() ? "" : std::string(1, sep)) + part;
    int best = -1;
    size_t bestLen = 0;
    for (size_t p = 0; p < params.size(); ++p) {
      std::string key = params[p].layer + sep + params[p].weight;
      if ((var == key || endsWith(var, sep + key)) && key.size() > bestLen) {
        best = int(p);
        bestLen = key.size();
      }
    }
    return best;
  };
  for (const std::string &full : names) {
    std::string name = endsWith(full, ":0") ? full.substr(0, full.size() - 2) : full;
    std::vector<std::string> parts = split(name, '/');
    const std::string &last = parts.back();
    if (last == "iteration" || last == "iterations" || last == "iter") {
      iterations = *g.readDataset(full, {}, /*asInteger=*/true).data<int64_t>();
      continue;
    }
    if (last == "learning_rate" || last == "lr")
      continue; // the compile config holds it too
    int slot = -1, param = -1;
    if (parts.size() >= 4 && slotOf(parts[1]) >= 0) { // tf.keras 2.11+: Adam/m/dense/kernel
      slot = slotOf(parts[1]);
      param = paramOf(name.substr(parts[0].size() + parts[1].size() + 2), '/');
    } else if (parts.size() >= 3 && slotOf(last) >= 0) { // tf.keras 2.0-2.10: Adam/dense/kernel/m
      slot = slotOf(last);
      param = paramOf(name.substr(parts[0].size() + 1, name.size() - parts[0].size() - last.size() - 2), '/');
    } else if (parts.size() == 2) { // Keras 3: adam/sequential_dense_kernel_momentum
      for (unsigned s = 0; s < slots && slot < 0; ++s)
        for (const std::string &kind : slotKinds[s])
          if (slot < 0 && endsWith(last, "_" + kind)) {
            slot = int(s);
            param = paramOf(last.substr(0, last.size() - kind.size() - 1), '_');
          }
    }
    if (slot < 0 || param < 0)
      throwError(g.where(full), "is not a slot of the model's ",
                 m.compileOptions->optimizer.name(), " optimizer");
    Tensor &dst = perParam[size_t(param)][size_t(slot)];
    if (dst.size() > 0 && dst.shape() == params[size_t(param)].shape)
      throwError(g.where(full), "duplicates another slot");
    dst = g.readDataset(full, params[size_t(param)].shape);
    ++found;
  }
  if (found != params.size() * slots)
    throwError(g.where(), "holds ", found, " of the ", params.size() * slots,
               " optimizer slots the model needs");
  if (!iterations)
    throwError(g.where(), "has no iteration count");
  install(m, perParam, *iterations);
}

} // namespace kiln::saving
