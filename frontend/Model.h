// Keras models: the Functional `Model(inputs, outputs)` and `Sequential`, a
// thin front over the same layer graph. compile() emits the graph as kiln
// IR, differentiates it, lowers it and JIT-compiles one train step; fit,
// evaluate and predict then run in the LLVM-free runtime.
#ifndef KILN_FRONTEND_MODEL_H
#define KILN_FRONTEND_MODEL_H

#include "frontend/Layer.h"
#include "frontend/Ops.h"
#include "frontend/Optimizers.h"
#include "runtime/train/Train.h"

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

using train::Callback;
using train::History;
using train::Logs;

/// Keras's fit() keyword arguments, in Keras's order (designated
/// initializers must follow it): model.fit(x, y, {.epochs = 30,
/// .validation_data = {{x_valid, y_valid}}}).
struct FitOptions {
  int epochs = 1;
  int64_t batch_size = 32;
  int verbose = 1;
  std::vector<std::shared_ptr<Callback>> callbacks = {};
  double validation_split = 0.0;
  std::optional<std::pair<Tensor, Tensor>> validation_data = std::nullopt;
  bool shuffle = true;
  int initial_epoch = 0;
  /// Kiln addition: a seed for reproducible shuffling.
  std::optional<uint64_t> seed = std::nullopt;
};

struct CompileOptions {
  Optimizer optimizer = "rmsprop";
  std::string loss = "";
  std::vector<Metric> metrics = {};
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
  /// The loss, then each metric, as Keras's evaluate returns them.
  std::vector<double> evaluate(const Tensor &x, const Tensor &y,
                               EvaluateOptions options = {});
  Tensor predict(const Tensor &x, PredictOptions options = {});
  /// The arg-max class per sample (0/1 against 0.5 for one sigmoid output).
  Tensor predict_classes(const Tensor &x, PredictOptions options = {});

  /// Keras's model.summary() table.
  void summary(std::ostream &os = std::cout);
  std::vector<Tensor> get_weights();
  void set_weights(const std::vector<Tensor> &weights);
  std::vector<Layer> layers();
  /// "loss" and the metric names as History and evaluate() use them.
  std::vector<std::string> metrics_names() const;
  const std::string &name() const;

  /// The kiln IR emitted for this model (@forward and @loss), before any
  /// pass: `kiln-opt` reproduces every later stage from it.
  std::string to_mlir();
  /// Time spent in compile() lowering and JIT-compiling, in seconds.
  double compile_seconds() const;

  struct Impl;

protected:
  explicit Model(std::string name);
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
