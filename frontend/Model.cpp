// Keras models: graph analysis and the fit / evaluate / predict surface.
#include "frontend/Callbacks.h"
#include "frontend/ImageDataGenerator.h"
#include "frontend/ModelImpl.h"

#include "runtime/Error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace kiln {

Model::Impl::Impl() = default;
Model::Impl::~Impl() = default;

void Model::Impl::buildFrom(const Tensor &x) {
  if (built())
    return;
  if (pending.empty())
    throwError("model '", name, "' has no layers");
  Shape sample(x.shape().begin() + std::min<size_t>(1, x.shape().size()),
               x.shape().end());
  if (sample.empty())
    throwError("model '", name, "': cannot infer the input shape from data of "
               "shape ", shapeToString(x.shape()),
               "; give the first layer an input_shape");
  KerasTensor t = Input(sample);
  inputs = {t};
  for (const Layer &l : pending)
    t = l(t);
  outputs = {t};
  pending.clear();
  analyze();
}

void Model::Impl::analyze() {
  nodes.clear();
  layers.clear();
  std::set<detail::Node *> visited, inputNodes;
  for (const KerasTensor &i : inputs)
    inputNodes.insert(i.node().get());
  // Post-order DFS from the outputs gives a topological order.
  std::function<void(const std::shared_ptr<detail::Node> &)> visit =
      [&](const std::shared_ptr<detail::Node> &n) {
        if (!visited.insert(n.get()).second)
          return;
        if (n->inputs.empty() && !inputNodes.count(n.get()))
          throwError("model '", name, "': output depends on input '",
                     n->layer->name(),
                     "', which is not one of the model's inputs");
        for (const KerasTensor &in : n->inputs)
          visit(in.node());
        nodes.push_back(n);
      };
  for (const KerasTensor &o : outputs)
    visit(o.node());
  // Keras accepts an input that no output uses; it stays one of the model's
  // nodes (its steps take and ignore it, its config names it).
  for (const KerasTensor &i : inputs)
    visit(i.node());
  std::set<LayerImpl *> seen;
  for (const auto &n : nodes) {
    if (sequential && n->inputs.empty())
      continue; // Keras hides a Sequential model's InputLayer
    if (seen.insert(n->layer.get()).second)
      layers.push_back(n->layer);
  }
}

std::vector<Tensor> Model::Impl::layerWeights() const {
  std::vector<Tensor> all;
  for (const auto &l : layers)
    for (const Tensor &w : l->weights())
      all.push_back(w);
  return all;
}

void Model::Impl::requireCompiled(const char *what) const {
  if (!state)
    throwError("model '", name, "': call compile() before ", what, "()");
}

Model::Model(std::string name) : impl_(std::make_unique<Impl>()) {
  impl_->name = std::move(name);
}

Model::Impl &Model::self() const {
  if (!impl_)
    throwError("Model: use of a moved-from model (its layers, weights and "
               "compiled steps went to the model it was moved to)");
  return *impl_;
}

Model::Model(std::vector<KerasTensor> inputs, std::vector<KerasTensor> outputs,
             std::string name)
    : Model(name.empty() ? detail::uniqueName("model") : std::move(name)) {
  if (inputs.empty() || outputs.empty())
    throwError("Model: needs at least one input and one output");
  for (const KerasTensor &i : inputs)
    if (!i.valid() || !i.node()->inputs.empty())
      throwError("Model: inputs must come from kiln::Input(...)");
  for (size_t k = 0; k < outputs.size(); ++k)
    if (!outputs[k].valid())
      throwError("Model: output #", k, " is an empty KerasTensor; pass the "
                 "result of a layer call, e.g. layers::Dense(10)(x)");
  impl_->inputs = std::move(inputs);
  impl_->outputs = std::move(outputs);
  impl_->analyze();
}

Model::Model(KerasTensor input, KerasTensor output, std::string name)
    : Model(std::vector<KerasTensor>{std::move(input)},
            std::vector<KerasTensor>{std::move(output)}, std::move(name)) {}

Model::~Model() = default;
Model::Model(Model &&) noexcept = default;
Model &Model::operator=(Model &&) noexcept = default;

Sequential::Sequential(std::string name)
    : Model(name.empty() ? detail::uniqueName("sequential") : std::move(name)) {
  impl_->sequential = true;
}

Sequential::Sequential(std::initializer_list<Layer> layers, std::string name)
    : Sequential(std::move(name)) {
  for (const Layer &l : layers)
    add(l);
}

void Sequential::add(const Layer &layer) {
  Impl &m = self();
  if (!layer.impl())
    throwError("Sequential.add: empty layer");
  if (m.state)
    throwError("Sequential.add: model '", m.name, "' is already compiled");
  m.dropPredictOnly();
  if (m.built()) {
    m.outputs = {layer(m.outputs.front())};
    m.analyze();
    return;
  }
  const Shape &declared = layer.impl()->declaredInputShape();
  if (m.pending.empty() && !declared.empty()) {
    // batch_input_shape's batch (a stateful first layer) is the model's.
    KerasTensor in = Input(declared, "", layer.impl()->batchSize());
    m.inputs = {in};
    m.outputs = {layer(in)};
    m.analyze();
    return;
  }
  m.pending.push_back(layer);
}

void Model::compile(const CompileOptions &options) {
  Impl &m = self();
  m.compileOptions = options;
  m.state.reset();
  m.jit.reset();
  m.dropPredictOnly();
  if (!m.built())
    return;
  try {
    m.compileSteps();
  } catch (...) {
    // Refused options leave the model uncompiled, not holding them.
    m.compileOptions.reset();
    throw;
  }
}

/// Lets each layer that reads a model input directly check its array's
/// values (LayerImpl::checkInputValues) before any step runs.
static void checkInputValues(const Model::Impl &m, const std::vector<Tensor> &x,
                             const char *what) {
  for (const auto &n : m.nodes) {
    if (!n->layer->built())
      continue;
    for (const KerasTensor &in : n->inputs)
      for (size_t i = 0; i < m.inputs.size() && i < x.size(); ++i)
        if (in.node() == m.inputs[i].node())
          n->layer->checkInputValues(
              x[i], "model '" + m.name + "': " + what + "(): ");
  }
}

/// Builds and compiles on first contact with data when compile() could not;
/// predict before compile() compiles the predict step alone.
static void prepare(Model::Impl &m, const std::vector<Tensor> &x,
                    const char *what) {
  const bool predicting = std::strcmp(what, "predict") == 0;
  if (!m.compileOptions && !predicting)
    throwError("model '", m.name, "': call compile() before ", what, "()");
  if (!m.built()) {
    if (x.size() != 1)
      throwError("model '", m.name, "': ", what, "() got ", x.size(),
                 " input arrays for a model not built yet (give its first "
                 "layer input_shape)");
    m.buildFrom(x.front());
  }
  if (x.size() != m.inputs.size())
    throwError("model '", m.name, "': ", what, "() got ", x.size(),
               " input array", x.size() == 1 ? "" : "s", ", but the model has ",
               m.inputs.size(), " input", m.inputs.size() == 1 ? "" : "s");
  checkInputValues(m, x, what);
  if (m.compileOptions ? !m.state : !m.predictState)
    m.compileSteps();
}

/// A stateful layer's states have a fixed batch, so every batch must have
/// exactly that many rows: Keras refuses the rest as well.
static void checkStatefulBatches(const Model::Impl &m, int64_t samples,
                                 int64_t batchSize, const char *what,
                                 const char *part = "") {
  if (samples == 0)
    return;
  for (const auto &l : m.layers) {
    int64_t b = l->statefulBatchSize();
    if (b == 0)
      continue;
    if (std::min(batchSize, samples) != b || samples % b != 0)
      throwError("model '", m.name, "': ", what, "(): ", l->where(),
                 "is stateful with batch size ", b,
                 ", so every batch must have ", b, " rows: batch_size must be ",
                 b, " and the number of samples a multiple of it; got ",
                 "batch_size = ", batchSize, " and ", samples, " samples", part);
  }
}

static int64_t samplesOf(const std::vector<Tensor> &x) {
  return x.empty() || x.front().rank() == 0 ? 0 : x.front().shape()[0];
}

/// Sparse labels given as (n, 1) are taken as (n,), as Keras does.
static std::vector<Tensor> targetsFor(const Model::Impl &m,
                                      const std::vector<Tensor> &ys) {
  const auto &sig = m.steps.signature;
  std::vector<Tensor> out;
  for (size_t k = 0; k < ys.size(); ++k) {
    const Tensor &y = ys[k];
    bool sparse = k < sig.sparseLabelClasses.size() && sig.sparseLabelClasses[k] > 0;
    if (sparse && y.rank() == 2 && y.shape()[1] == 1 && k < sig.targets.size() &&
        sig.targets[k].size() == 1)
      out.push_back(y.reshape({y.shape()[0]}));
    else
      out.push_back(y);
  }
  return out;
}

/// fit()'s options as the runtime takes them; ModelCheckpoints get `model`.
static train::FitOptions runOptions(Model &model, Model::Impl &m,
                                    const FitOptions &options) {
  train::FitOptions run;
  run.epochs = options.epochs;
  run.batch_size = options.batch_size;
  run.verbose = options.verbose;
  run.validation_split = options.validation_split;
  if (options.validation_data) {
    checkInputValues(m, options.validation_data->x, "fit");
    run.validation_data = train::ValidationData{
        options.validation_data->x, targetsFor(m, options.validation_data->y)};
  }
  run.shuffle = options.shuffle;
  run.initial_epoch = options.initial_epoch;
  run.callbacks = options.callbacks;
  // ModelCheckpoint saves the model fit trains.
  for (const auto &cb : run.callbacks)
    if (auto *checkpoint = dynamic_cast<train::ModelCheckpoint *>(cb.get()))
      checkpoint->set_keras_model(&model);
  // Unseeded, the shuffle draws its seed from the generator that
  // utils::set_random_seed seeds, as Keras's global seed fixes shuffling.
  run.seed = options.seed;
  if (!run.seed && options.shuffle)
    run.seed = detail::globalRng()();
  run.communicator = m.communicator;
  return run;
}

History Model::fit(const Tensor &x, const Tensor &y, FitOptions options) {
  return fit(std::vector<Tensor>{x}, y, std::move(options));
}

History Model::fit(const std::vector<Tensor> &x, const Tensor &y,
                   FitOptions options) {
  return fit(x, std::vector<Tensor>{y}, std::move(options));
}

History Model::fit(const std::vector<Tensor> &x, const std::vector<Tensor> &y,
                   FitOptions options) {
  Impl &m = self();
  prepare(m, x, "fit");
  int64_t n = samplesOf(x);
  if (options.validation_data) {
    checkStatefulBatches(m, n, options.batch_size, "fit");
    checkStatefulBatches(m, samplesOf(options.validation_data->x),
                         options.batch_size, "fit", " in validation_data");
  } else if (options.validation_split > 0 && options.validation_split < 1) {
    // fit holds out the last samples, as train::fit splits them.
    auto kept = int64_t(std::floor(double(n) * (1.0 - options.validation_split)));
    checkStatefulBatches(m, kept, options.batch_size, "fit",
                         " left for training by validation_split");
    checkStatefulBatches(m, n - kept, options.batch_size, "fit",
                         " held out by validation_split");
  } else {
    checkStatefulBatches(m, n, options.batch_size, "fit");
  }
  train::FitOptions run = runOptions(*this, m, options);
  return train::fit(m.steps, *m.state, x, targetsFor(m, y), run);
}

namespace {

/// An ImageDataGenerator's iterator as the runtime's generator of batches:
/// each batch's values checked and its targets shaped as fit's arrays.
class IteratorBatches : public train::BatchGenerator {
public:
  IteratorBatches(const Model::Impl &m, preprocessing::NumpyArrayIterator &it)
      : m_(m), it_(it) {}
  int64_t size() const override { return it_.size(); }
  std::pair<std::vector<Tensor>, std::vector<Tensor>> next() override {
    auto [x, y] = it_.next();
    if (y.size() == 0)
      throwError("model '", m_.name, "': fit(): the iterator gives no targets "
                 "(flow(x, y))");
    checkInputValues(m_, {x}, "fit");
    return {{x}, targetsFor(m_, {y})};
  }

private:
  const Model::Impl &m_;
  preprocessing::NumpyArrayIterator &it_;
};

} // namespace

History Model::fit(preprocessing::NumpyArrayIterator &batches, FitOptions options) {
  Impl &m = self();
  // The first batch builds a model whose first layer had no input_shape.
  std::pair<Tensor, Tensor> first = batches.batch(0);
  prepare(m, {first.first}, "fit");
  if (m.inputs.size() != 1 || m.outputs.size() != 1)
    throwError("model '", m.name, "': fit() on an iterator takes a model of one "
               "input and one output");
  checkStatefulBatches(m, batches.samples(), batches.batch_size(), "fit");
  if (options.validation_data)
    checkStatefulBatches(m, samplesOf(options.validation_data->x),
                         options.batch_size, "fit", " in validation_data");
  train::FitOptions run = runOptions(*this, m, options);
  run.steps_per_epoch = options.steps_per_epoch;
  IteratorBatches source(m, batches);
  return train::fit(m.steps, *m.state, source, run,
                    {.max_queue_size = options.max_queue_size,
                     .workers = options.workers,
                     .step_threads = m.jitOptions.threads});
}

std::vector<double> Model::evaluate(const Tensor &x, const Tensor &y,
                                    EvaluateOptions options) {
  return evaluate(std::vector<Tensor>{x}, y, options);
}

std::vector<double> Model::evaluate(const std::vector<Tensor> &x,
                                    const Tensor &y, EvaluateOptions options) {
  return evaluate(x, std::vector<Tensor>{y}, options);
}

std::vector<double> Model::evaluate(const std::vector<Tensor> &x,
                                    const std::vector<Tensor> &y,
                                    EvaluateOptions options) {
  Impl &m = self();
  prepare(m, x, "evaluate");
  checkStatefulBatches(m, samplesOf(x), options.batch_size, "evaluate");
  return train::evaluate(m.steps, *m.state, x, targetsFor(m, y),
                         train::EvaluateOptions{.batch_size = options.batch_size,
                                                .verbose = options.verbose,
                                                .communicator = m.communicator});
}

Tensor Model::predict(const Tensor &x, PredictOptions options) {
  return predict(std::vector<Tensor>{x}, options);
}

Tensor Model::predict(const std::vector<Tensor> &x, PredictOptions options) {
  return predict_outputs(x, options).front();
}

std::vector<Tensor> Model::predict_outputs(const std::vector<Tensor> &x,
                                           PredictOptions options) {
  Impl &m = self();
  prepare(m, x, "predict");
  checkStatefulBatches(m, samplesOf(x), options.batch_size, "predict");
  if (!m.state)
    return train::predict(m.predictSteps, *m.predictState, x,
                          options.batch_size, options.verbose);
  return train::predict(m.steps, *m.state, x,
                        train::PredictOptions{.batch_size = options.batch_size,
                                              .verbose = options.verbose,
                                              .communicator = m.communicator});
}

Tensor Model::predict_classes(const Tensor &x, PredictOptions options) {
  Tensor p = predict(x, options);
  int64_t n = p.shape().front();
  int64_t k = p.size() / std::max<int64_t>(n, 1);
  Tensor classes = Tensor::zeros({n}, DType::i64);
  const float *data = p.data<float>();
  int64_t *out = classes.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const float *row = data + i * k;
    out[i] = k == 1 ? (row[0] > 0.5f ? 1 : 0)
                    : std::max_element(row, row + k) - row;
  }
  return classes;
}

std::vector<Tensor> Model::get_weights() {
  // A compiled model's state trains these very tensors (shared storage).
  std::vector<Tensor> out;
  for (const auto &l : self().layers)
    for (const Tensor &w : l->kerasWeights())
      out.push_back(w.clone());
  return out;
}

void Model::reset_states() {
  for (const auto &l : self().layers)
    if (l->statefulBatchSize() > 0)
      Layer(l).reset_states();
}

double Model::learning_rate() const {
  const Impl &m = self();
  m.requireCompiled("learning_rate");
  return m.state->learning_rate();
}

void Model::set_learning_rate(double value) {
  Impl &m = self();
  m.requireCompiled("set_learning_rate");
  m.state->set_learning_rate(value);
}

void Model::set_weights(const std::vector<Tensor> &weights) {
  Impl &m = self();
  std::vector<Tensor> mine;
  for (const auto &l : m.layers)
    for (const Tensor &w : l->kerasWeights())
      mine.push_back(w);
  if (weights.size() != mine.size())
    throwError("model '", m.name, "': set_weights expects ", mine.size(),
               " arrays, got ", weights.size());
  // Check every shape before writing anything, so a bad call changes nothing.
  for (size_t k = 0; k < mine.size(); ++k)
    if (weights[k].shape() != mine[k].shape())
      throwError("model '", m.name, "': set_weights: weight #", k, " has shape ",
                 shapeToString(mine[k].shape()), ", got ",
                 shapeToString(weights[k].shape()));
  size_t k = 0;
  for (const auto &l : m.layers) {
    size_t count = l->kerasWeights().size();
    Layer(l).set_weights(std::vector<Tensor>(weights.begin() + k,
                                             weights.begin() + k + count));
    k += count;
  }
}

std::vector<Layer> Model::layers() {
  Impl &m = self();
  std::vector<Layer> out;
  for (const auto &l : m.layers)
    out.emplace_back(l);
  for (const Layer &l : m.pending)
    out.push_back(l);
  return out;
}

std::vector<std::string> Model::metrics_names() const {
  return self().resultNames;
}

const std::string &Model::name() const { return self().name; }

Shape Model::input_shape() const {
  Impl &m = self();
  if (!m.built())
    throwError("model '", m.name, "' has not been built yet");
  return m.inputs.front().shape();
}

Shape Model::output_shape() const {
  Impl &m = self();
  if (!m.built())
    throwError("model '", m.name, "' has not been built yet");
  return m.outputs.front().shape();
}

std::string Model::loss() const {
  const Impl &m = self();
  return m.compileOptions ? m.compileOptions->loss.str() : std::string();
}

std::vector<std::string> Model::Impl::outputNames() const {
  std::vector<std::string> names;
  std::set<std::string> taken;
  std::map<std::string, int> suffix;
  for (const KerasTensor &t : outputs) {
    const std::string &base = t.node()->layer->name();
    std::string name = base;
    while (taken.count(name)) {
      int &n = suffix.try_emplace(base, 1).first->second;
      name = base + "_" + std::to_string(n++);
    }
    taken.insert(name);
    names.push_back(name);
  }
  return names;
}

std::vector<std::string> Model::output_names() const {
  return self().outputNames();
}

static std::string joined(const std::vector<std::string> &names) {
  std::string s;
  for (const std::string &n : names)
    s += (s.empty() ? "" : ", ") + n;
  return s;
}

/// Throws when a map of compile()'s (`what`) names an output the model
/// does not have.
template <typename T>
static void checkOutputNames(const std::map<std::string, T> &byName,
                             const std::vector<std::string> &outputs,
                             const char *what) {
  for (const auto &entry : byName)
    if (std::find(outputs.begin(), outputs.end(), entry.first) == outputs.end())
      throwError("compile: ", what, " names output '", entry.first,
                 "', which the model does not have (its outputs: ",
                 joined(outputs), ")");
}

/// A map of compile()'s (`what`) as one entry per output, in output
/// order: an output the map leaves out gets `*missing`, or is an error when
/// `missing` is null.
template <typename T>
static std::vector<T> resolveByName(const std::map<std::string, T> &byName,
                                    const std::vector<std::string> &outputs,
                                    const char *what, const T *missing) {
  checkOutputNames(byName, outputs, what);
  std::vector<T> out;
  for (const std::string &o : outputs) {
    auto it = byName.find(o);
    if (it == byName.end() && !missing)
      throwError("compile: ", what, " has no entry for output '", o, "'");
    out.push_back(it == byName.end() ? *missing : it->second);
  }
  return out;
}

/// Throws unless a list of compile()'s (`what`) has one entry per output.
static void checkListSize(size_t size, const std::vector<std::string> &outputs,
                          const char *what) {
  if (size != outputs.size())
    throwError("compile: the model has ", outputs.size(), " output",
               outputs.size() == 1 ? "" : "s", " (", joined(outputs), ") but ",
               what, " has ", size, " entr", size == 1 ? "y" : "ies");
}

std::vector<std::string> Losses::resolve(const std::vector<std::string> &outputs) const {
  if (!byName.empty())
    return resolveByName<std::string>(byName, outputs, "the loss map", nullptr);
  if (!isList && list.size() == 1)
    return std::vector<std::string>(outputs.size(), list.front());
  checkListSize(list.size(), outputs, "the loss list");
  return list;
}

const LossFunction *Losses::function(const std::string &name) const {
  for (const LossFunction &f : functions)
    if (f.name == name)
      return &f;
  return nullptr;
}

bool operator==(const Losses &a, const Losses &b) {
  auto names = [](const Losses &l) {
    std::vector<std::string> out;
    for (const LossFunction &f : l.functions)
      out.push_back(f.name);
    return out;
  };
  return a.list == b.list && a.isList == b.isList && a.byName == b.byName &&
         names(a) == names(b);
}

std::string Losses::str() const {
  if (!byName.empty()) {
    std::string s;
    for (const auto &[name, loss] : byName)
      s += (s.empty() ? "" : ", ") + name + ": " + loss;
    return "{" + s + "}";
  }
  if (!isList)
    return list.empty() ? "" : list.front();
  return "[" + joined(list) + "]";
}

std::vector<double> LossWeights::resolve(const std::vector<std::string> &outputs) const {
  const double one = 1.0;
  if (!byName.empty())
    return resolveByName(byName, outputs, "loss_weights", &one);
  if (list.empty())
    return std::vector<double>(outputs.size(), 1.0);
  if (list.size() != outputs.size())
    throwError("compile: the model has ", outputs.size(), " outputs but "
               "loss_weights has ", list.size(), " entries");
  return list;
}

std::vector<std::vector<Metric>>
Metrics::resolve(const std::vector<std::string> &outputs) const {
  const std::vector<Metric> none;
  if (!byName.empty())
    return resolveByName(byName, outputs, "the metrics map", &none);
  if (!isPerOutput)
    return std::vector<std::vector<Metric>>(outputs.size(), all);
  checkListSize(perOutput.size(), outputs, "the per-output metrics list");
  return perOutput;
}

double Model::compile_seconds() const { return self().compileSeconds; }

const CompileTimings &Model::compile_timings() const {
  return self().compileTimings;
}

} // namespace kiln
