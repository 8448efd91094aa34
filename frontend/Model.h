// Keras models: the Functional `Model(inputs, outputs)` and `Sequential`, a
// thin front over the same layer graph. compile() emits the graph as kiln
// IR, differentiates it, lowers it and JIT-compiles one train step; fit,
// evaluate and predict then run in the LLVM-free runtime.
#ifndef KILN_FRONTEND_MODEL_H
#define KILN_FRONTEND_MODEL_H

#include "frontend/Layer.h"
#include "frontend/Ops.h"
#include "compiler/JIT/CompileTimings.h"
#include "frontend/Optimizers.h"
#include "runtime/train/Train.h"

#include <functional>
#include <iostream>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

namespace preprocessing {
class NumpyArrayIterator;
} // namespace preprocessing

using train::Callback;
using train::History;
using train::Logs;

/// fit()'s validation_data: (x, y), or one array per input and per output.
struct ValidationData {
  ValidationData(Tensor x, Tensor y) : x{std::move(x)}, y{std::move(y)} {}
  ValidationData(std::vector<Tensor> x, std::vector<Tensor> y)
      : x(std::move(x)), y(std::move(y)) {}
  std::vector<Tensor> x, y;
};

/// Keras's fit() keyword arguments, in Keras's order (designated
/// initializers must follow it): model.fit(x, y, {.epochs = 30,
/// .validation_data = {{x_valid, y_valid}}}).
struct FitOptions {
  int epochs = 1;
  int64_t batch_size = 32;
  int verbose = 1;
  std::vector<std::shared_ptr<Callback>> callbacks = {};
  double validation_split = 0.0;
  std::optional<ValidationData> validation_data = std::nullopt;
  bool shuffle = true;
  int initial_epoch = 0;
  /// fit() on an iterator: batches per epoch (0: one pass, its size()).
  int64_t steps_per_epoch = 0;
  /// fit() on an iterator: batches made ahead of the step at most, and
  /// Keras 2's workers (1: a producer thread makes them while the step runs,
  /// 0: fit's thread makes each before its step). Unset, a producer thread
  /// when a core is left free by the step's threads: sharing their cores it
  /// costs more than the batches.
  int64_t max_queue_size = 10;
  std::optional<int> workers = std::nullopt;
  /// Kiln addition: the shuffle's seed. Unset, it comes from the global
  /// generator, so utils::set_random_seed makes fit reproducible.
  std::optional<uint64_t> seed = std::nullopt;
};

/// compile()'s loss, in Keras's three spellings: one name for every
/// output ("mse"), a list in output order ({"mse", "binary_crossentropy"}),
/// or a map by output layer name ({{"main", "mse"}, {"aux", "mae"}}).
struct Losses {
  Losses() = default;
  Losses(const char *name) : list{name} {}
  Losses(std::string name) : list{std::move(name)} {}
  Losses(std::vector<std::string> names) : list(std::move(names)), isList(true) {}
  Losses(std::initializer_list<const char *> names)
      : list(names.begin(), names.end()), isList(true) {}
  Losses(std::map<std::string, std::string> byOutput) : byName(std::move(byOutput)) {}
  Losses(std::initializer_list<std::pair<const char *, const char *>> byOutput)
      : byName(byOutput.begin(), byOutput.end()) {}
  /// One custom loss for every output.
  Losses(LossFunction f) : list{f.name}, functions{std::move(f)} {}
  /// Names (built-in or custom) in output order, with the custom ones.
  Losses(std::vector<std::string> names, std::vector<LossFunction> custom)
      : list(std::move(names)), isList(true), functions(std::move(custom)) {}

  bool empty() const { return list.empty() && byName.empty(); }
  /// The loss of each output, in `outputs`' order (output layer names);
  /// throws naming a missing output, an unknown name or a wrong count.
  std::vector<std::string> resolve(const std::vector<std::string> &outputs) const;
  /// As Keras prints model.loss: the name, or the list or map.
  std::string str() const;
  /// The custom loss called `name`, or null.
  const LossFunction *function(const std::string &name) const;
  /// Equal names, and custom losses of the same names.
  friend bool operator==(const Losses &, const Losses &);

  std::vector<std::string> list;
  bool isList = false;
  std::map<std::string, std::string> byName;
  /// The custom losses the names above may refer to.
  std::vector<LossFunction> functions;
};

/// compile()'s loss_weights: a list in output order or a map by output
/// name; the loss fit minimizes is the weighted sum (all 1 by default).
struct LossWeights {
  LossWeights() = default;
  LossWeights(std::vector<double> weights) : list(std::move(weights)) {}
  LossWeights(std::initializer_list<double> weights) : list(weights) {}
  LossWeights(std::map<std::string, double> byOutput) : byName(std::move(byOutput)) {}
  LossWeights(std::initializer_list<std::pair<const char *, double>> byOutput)
      : byName(byOutput.begin(), byOutput.end()) {}

  bool empty() const { return list.empty() && byName.empty(); }
  std::vector<double> resolve(const std::vector<std::string> &outputs) const;
  friend bool operator==(const LossWeights &, const LossWeights &) = default;

  std::vector<double> list;
  std::map<std::string, double> byName;
};

/// compile()'s metrics, in Keras's three spellings: one list every output
/// gets ({"accuracy", "mae"}), a map by output name ({{"main",
/// {"accuracy"}}, {"aux", {"mae"}}}; an output left out gets none), or one
/// list per output in output order (Metrics::per_output({{"accuracy"},
/// {"mae"}})).
struct Metrics {
  Metrics() = default;
  Metrics(std::vector<Metric> all) : all(std::move(all)) {}
  Metrics(std::initializer_list<Metric> all) : all(all) {}
  Metrics(std::map<std::string, std::vector<Metric>> byOutput)
      : byName(std::move(byOutput)) {}
  Metrics(std::initializer_list<std::pair<const char *, std::vector<Metric>>> byOutput)
      : byName(byOutput.begin(), byOutput.end()) {}
  static Metrics per_output(std::vector<std::vector<Metric>> lists) {
    Metrics m;
    m.perOutput = std::move(lists);
    m.isPerOutput = true;
    return m;
  }

  /// Each output's metrics, in `outputs`' order (output names); throws
  /// naming an unknown output or a wrong count.
  std::vector<std::vector<Metric>> resolve(const std::vector<std::string> &outputs) const;

  std::vector<Metric> all;
  std::vector<std::vector<Metric>> perOutput;
  bool isPerOutput = false;
  std::map<std::string, std::vector<Metric>> byName;
};

struct CompileOptions {
  Optimizer optimizer = "rmsprop";
  Losses loss = {};
  LossWeights loss_weights = {};
  /// With several outputs History names them "<output>_<metric>" after
  /// "loss" and the "<output>_loss"es.
  Metrics metrics = {};
  /// Where the steps run (frontend/Device.h): "cpu", "gpu", "gpu:N" or
  /// "auto" (a GPU when there is one); "" takes config::set_device's, else
  /// KILN_DEVICE, else the CPU.
  std::string device = "";
};

struct EvaluateOptions {
  int64_t batch_size = 32;
  int verbose = 0;
};

struct PredictOptions {
  int64_t batch_size = 32;
  int verbose = 0;
};

class Model {
public:
  Model(std::vector<KerasTensor> inputs, std::vector<KerasTensor> outputs,
        std::string name = "");
  Model(KerasTensor input, KerasTensor output, std::string name = "");
  virtual ~Model();
  Model(Model &&) noexcept;
  Model &operator=(Model &&) noexcept;

  /// Chooses the optimizer, loss and metrics and compiles the training,
  /// evaluation and prediction steps (once; fit does not recompile).
  void compile(const CompileOptions &options);

  History fit(const Tensor &x, const Tensor &y, FitOptions options = {});
  /// A model of several inputs: one tensor per input, in the order of the
  /// model's inputs (Keras's `fit([x1, x2], y)`).
  History fit(const std::vector<Tensor> &x, const Tensor &y,
              FitOptions options = {});
  /// A model of several outputs: one target per output, in the order of
  /// the model's outputs (Keras's `fit(x, [y1, y2])`).
  History fit(const std::vector<Tensor> &x, const std::vector<Tensor> &y,
              FitOptions options = {});
  /// Keras's fit(datagen.flow(x, y), steps_per_epoch=...): the batches of
  /// an ImageDataGenerator, made ahead of the train step on a producer
  /// thread or before each step on fit's (FitOptions::workers);
  /// validation_data as for arrays (validation_split, batch_size and
  /// shuffle are the iterator's business).
  History fit(preprocessing::NumpyArrayIterator &batches, FitOptions options = {});
  /// The loss, then each metric, as Keras's evaluate returns them.
  std::vector<double> evaluate(const Tensor &x, const Tensor &y,
                               EvaluateOptions options = {});
  std::vector<double> evaluate(const std::vector<Tensor> &x, const Tensor &y,
                               EvaluateOptions options = {});
  std::vector<double> evaluate(const std::vector<Tensor> &x,
                               const std::vector<Tensor> &y,
                               EvaluateOptions options = {});
  /// The first output's predictions (the only one for most models).
  Tensor predict(const Tensor &x, PredictOptions options = {});
  Tensor predict(const std::vector<Tensor> &x, PredictOptions options = {});
  /// One tensor per output, in output order (Keras's predict on a model of
  /// several outputs).
  std::vector<Tensor> predict_outputs(const std::vector<Tensor> &x,
                                      PredictOptions options = {});
  /// The arg-max class per sample (0/1 against 0.5 for one sigmoid output).
  Tensor predict_classes(const Tensor &x, PredictOptions options = {});

  /// Keras's model.summary() table.
  void summary(std::ostream &os = std::cout);
  std::vector<Tensor> get_weights();
  void set_weights(const std::vector<Tensor> &weights);
  /// Zeroes the carried states of every stateful layer (Keras's
  /// reset_states()): a stateful model carries them from batch to batch and
  /// across fit, evaluate and predict calls until this is called.
  void reset_states();
  /// The optimizer's current learning rate (Keras's
  /// `model.optimizer.learning_rate`); needs a compiled model.
  double learning_rate() const;
  /// Sets the learning rate of the next train steps, without recompiling:
  /// the compiled train step reads it at every call.
  void set_learning_rate(double value);
  std::vector<Layer> layers();
  /// "loss" and the metric names as History and evaluate() use them.
  std::vector<std::string> metrics_names() const;
  const std::string &name() const;
  /// Keras's model.input_shape for the first input: -1 for the batch (None).
  Shape input_shape() const;
  /// Keras's model.output_shape for the first output.
  Shape output_shape() const;
  /// Keras's model.loss: the loss compile() was given ("" before; a
  /// list or map as Keras prints it).
  std::string loss() const;
  /// Keras's model.output_names: the output layers' names.
  std::vector<std::string> output_names() const;

  /// Keras's model.save: "m.keras" in Keras 3's archive layout, "m.h5" in
  /// Keras 2's HDF5 layout, with the compile config and optimizer state.
  /// Atomic: a failed save leaves any previous file unchanged.
  void save(const std::string &path);
  /// "w.weights.h5": Keras 3's layout (with the optimizer state); "w.h5":
  /// Keras 2's save_weights layout. Atomic, as save().
  void save_weights(const std::string &path);
  /// Weights (and, for a compiled model, the optimizer state when the file
  /// has it) from a `.keras`, `.weights.h5` or legacy `.h5` file. Checks
  /// every shape before replacing anything.
  void load_weights(const std::string &path);
  /// The model's Keras 3 JSON config (model_from_json reads it back).
  std::string to_json();

  /// The kiln IR emitted for this model (@forward and, once compiled,
  /// @loss, and @train_loss for a model with Dropout or
  /// BatchNormalization), before any pass: `kiln-opt` reproduces every later stage from
  /// it, and kilnc compiles it ahead of time.
  std::string to_mlir();
  /// Time spent in compile() lowering and JIT-compiling, in seconds.
  double compile_seconds() const;
  /// compile()'s time by stage, context set-up and IR emission included
  /// (config::set_compile_timing prints MLIR's report of it).
  const CompileTimings &compile_timings() const;

  struct Impl;
  /// The model's internals, for the frontend's own files (frontend/saving).
  Impl &impl() const { return self(); }

protected:
  explicit Model(std::string name);
  /// The internals; throws kiln::Error for a moved-from model.
  Impl &self() const;
  std::unique_ptr<Impl> impl_;
};

/// Keras's Sequential: a linear stack of layers.
class Sequential : public Model {
public:
  explicit Sequential(std::string name = "");
  Sequential(std::initializer_list<Layer> layers, std::string name = "");
  void add(const Layer &layer);
};

} // namespace kiln

#endif // KILN_FRONTEND_MODEL_H
