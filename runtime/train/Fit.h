// fit / evaluate / predict over compiled step functions, as Keras runs them.
#ifndef KILN_RUNTIME_TRAIN_FIT_H
#define KILN_RUNTIME_TRAIN_FIT_H

#include "runtime/Tensor.h"
#include "runtime/abi/Steps.h"
#include "runtime/dist/Communicator.h"
#include "runtime/train/Callbacks.h"
#include "runtime/train/Logs.h"
#include "runtime/train/ModelState.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <type_traits>
#include <utility>
#include <vector>

namespace kiln::train {

// (x, y) for validation_data.
using ValidationData = std::pair<std::vector<Tensor>, std::vector<Tensor>>;

// Keras's fit() keyword arguments. An aggregate, so C++20 designated
// initializers read like Keras: fit(steps, state, {x}, {y},
// {.epochs = 30, .batch_size = 32, .validation_split = 0.1}). Designated
// initializers must follow this declaration order.
struct FitOptions {
  int epochs = 1;
  int64_t batch_size = 32;
  // 0 silent, 1 progress bar, 2 one line per epoch.
  int verbose = 1;
  // The LAST fraction of the samples (taken before shuffling) is held out.
  double validation_split = 0.0;
  // Overrides validation_split when set.
  std::optional<ValidationData> validation_data = std::nullopt;
  // Reshuffle the training samples every epoch.
  bool shuffle = true;
  int initial_epoch = 0;
  // With a BatchGenerator: batches per epoch (0: the generator's size()).
  int64_t steps_per_epoch = 0;
  std::vector<std::shared_ptr<Callback>> callbacks = {};
  // Seed of the shuffle; unset draws one from std::random_device. The same
  // seed gives the same order on every platform (mt19937_64, own sampling).
  std::optional<uint64_t> seed = std::nullopt;

  // Kiln additions: where progress goes (null: std::cout), where warnings go
  // (null: std::cerr), whether the output is a terminal (unset: isatty on
  // stdout when writing to std::cout), and a clock in seconds (tests).
  std::ostream *out = nullptr;
  std::ostream *err = nullptr;
  std::optional<bool> tty = std::nullopt;
  std::function<double()> clock = nullptr;
  // Data parallel: the replicas this fit is one of (null or one process:
  // alone). Each epoch's shuffled order is the same on every replica (rank
  // 0's seed), every global batch of batch_size rows is split between them,
  // the step must be compiled with kiln-data-parallel, rank 0's weights are
  // everyone's at the start, the epoch figures are the whole epoch's on
  // every replica, and only rank 0 prints and runs the callbacks that write
  // files.
  std::shared_ptr<dist::Communicator> communicator = nullptr;
};
static_assert(std::is_aggregate_v<FitOptions>,
              "FitOptions must stay an aggregate for designated initializers");

// A source of training batches for fit (Keras's generator or Sequence:
// ImageDataGenerator.flow's iterator): next() gives one batch, one array
// per model input and one per target. fit calls it on a producer thread
// that keeps up to `max_queue_size` batches ready ahead of the train step,
// so a batch's preparation overlaps the step before it, or on fit's own
// thread between steps (GeneratorOptions::workers).
class BatchGenerator {
public:
  virtual ~BatchGenerator() = default;
  // Batches in one pass over the data (Keras's len()).
  virtual int64_t size() const = 0;
  virtual std::pair<std::vector<Tensor>, std::vector<Tensor>> next() = 0;
};

// Trains `state` in place with steps.train and returns the History (Keras's
// model.fit). Validates the data once (counts, per-sample shapes against the
// signature, label ranges), converts it once to the signature's dtypes
// (uint8 images become f32 values 0..255, not scaled; labels become the
// target dtype; float labels that are not whole numbers are an error), and
// then only rebinds descriptors per step: without shuffling they point into
// the data itself, with shuffling rows are gathered into batch buffers
// allocated once. The last partial batch is kept; a batch_size larger than
// the data set gives one batch. The epoch's loss and metrics are the
// sample-weighted means of the batch results; validation runs eval_step
// with the epoch's final weights and adds "val_<name>" keys.
History fit(const abi::CompiledSteps &steps, ModelState &state,
            const std::vector<Tensor> &x, const std::vector<Tensor> &y,
            const FitOptions &options = {});

struct GeneratorOptions {
  // Batches made ahead of the step at most.
  int64_t max_queue_size = 10;
  // Keras 2's workers: 1 makes batches on a producer thread, 0 on fit's
  // thread just before each step. Unset: 1 when the process may run on more
  // cores than the step's threads take, else 0, because a producer sharing
  // the step's cores preempts its workers, and each preempted worker holds
  // up the others at the step's next barrier (measured on 2 cores: +12% per
  // epoch of the augmented CNN with the thread, +4% without it).
  std::optional<int> workers = std::nullopt;
  // The threads the step was compiled for (JitOptions::threads; 0: one per
  // core, the target's default).
  int64_t step_threads = 0;
};

// Whether a producer thread has a core of its own beside a step compiled
// for `stepThreads` threads (0: one per core): what an unset
// GeneratorOptions::workers decides by.
bool producerHasSpareCore(int64_t stepThreads);

// fit on the batches of `generator`: options.steps_per_epoch of them per
// epoch (0: generator.size()), each validated as fit validates arrays;
// validation_data as for arrays. validation_split, shuffle and batch_size
// do not apply (the generator decides its batches); a validation_split is
// refused, as Keras refuses it for generators. An exception from the
// generator ends fit with it.
History fit(const abi::CompiledSteps &steps, ModelState &state,
            BatchGenerator &generator, const FitOptions &options = {},
            const GeneratorOptions &generatorOptions = {});

struct EvaluateOptions {
  int64_t batch_size = 32;
  int verbose = 0;
  std::ostream *out = nullptr;
  std::optional<bool> tty = std::nullopt;
  std::function<double()> clock = nullptr;
  // Data parallel: each replica takes its contiguous part of the samples
  // and the figures are combined, so every replica returns the whole set's; only rank 0 prints.
  std::shared_ptr<dist::Communicator> communicator = nullptr;
};
static_assert(std::is_aggregate_v<EvaluateOptions>);

// Keras's model.evaluate: the loss, then the metrics, in resultNames order,
// each the sample-weighted mean over all batches. The state's parameters
// are read only, but for those eval_step rewrites (a stateful layer's
// carried states), as predict does too.
std::vector<double> evaluate(const abi::CompiledSteps &steps,
                             const ModelState &state,
                             const std::vector<Tensor> &x,
                             const std::vector<Tensor> &y,
                             int64_t batch_size = 32, int verbose = 0);
std::vector<double> evaluate(const abi::CompiledSteps &steps,
                             const ModelState &state,
                             const std::vector<Tensor> &x,
                             const std::vector<Tensor> &y,
                             const EvaluateOptions &options);
// evaluate(..., return_dict=True): name -> value in resultNames order.
Logs evaluate_dict(const abi::CompiledSteps &steps, const ModelState &state,
                   const std::vector<Tensor> &x, const std::vector<Tensor> &y,
                   const EvaluateOptions &options = {});

struct PredictOptions {
  int64_t batch_size = 32;
  int verbose = 0;
  std::ostream *out = nullptr;
  std::optional<bool> tty = std::nullopt;
  std::function<double()> clock = nullptr;
  // Data parallel: each replica takes its contiguous part of the samples
  // and every replica returns all the predictions; only rank 0 prints.
  std::shared_ptr<dist::Communicator> communicator = nullptr;
};
static_assert(std::is_aggregate_v<PredictOptions>);

// Keras's model.predict: one f32 tensor per output, (samples, ...). Batches
// are written straight into the result tensors.
std::vector<Tensor> predict(const abi::CompiledSteps &steps,
                            const ModelState &state,
                            const std::vector<Tensor> &x,
                            int64_t batch_size = 32, int verbose = 0);
std::vector<Tensor> predict(const abi::CompiledSteps &steps,
                            const ModelState &state,
                            const std::vector<Tensor> &x,
                            const PredictOptions &options);

} // namespace kiln::train

#endif // KILN_RUNTIME_TRAIN_FIT_H
