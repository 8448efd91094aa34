// fit: the shared prologue, the validation data, then Keras's trainer:
// epochs of batches through train_step, reported to a CallbackList.
#include "runtime/train/Fit.h"

#include "runtime/train/CallbackList.h"
#include "runtime/train/Evaluator.h"
#include "runtime/train/GeneratorBatches.h"

#include <cmath>

namespace kiln::train {

using namespace detail;

namespace {

void checkFitOptions(const FitOptions &options) {
  if (options.epochs < 0)
    throwError("fit: epochs must be >= 0, got ", options.epochs);
  if (options.initial_epoch < 0)
    throwError("fit: initial_epoch must be >= 0, got ", options.initial_epoch);
  if (!(options.validation_split >= 0.0 && options.validation_split < 1.0))
    throwError("fit: validation_split must be in [0, 1), got ",
               options.validation_split);
  for (const auto &cb : options.callbacks)
    if (!cb)
      throwError("fit: callbacks holds a null callback");
}

// The rows validation runs on: validation_data (adapted into `own`), the
// last rows of the training data (validation_split), or none.
struct Validation {
  Dataset own;
  Dataset *data = nullptr;
  int64_t begin = 0, count = 0;
};

// Fills `val` from the options, as Keras does: validation_data wins over
// validation_split, and the split holds out the LAST samples, before any
// shuffling. Returns the number of training rows.
int64_t splitValidation(const abi::CompiledSteps &steps, Dataset &train,
                        const FitOptions &options, Validation &val) {
  if (!options.validation_data && options.validation_split <= 0.0)
    return train.samples;
  if (!steps.eval)
    throwError("fit: validation needs an eval_step, and the compiled model "
               "has none");
  if (options.validation_data) {
    val.own = adaptData("fit", steps.signature, options.validation_data->first,
                        &options.validation_data->second, "validation_data ");
    if (val.own.samples == 0)
      throwError("fit: validation_data x has no samples");
    val.data = &val.own;
    val.count = val.own.samples;
    return train.samples;
  }
  const int64_t samples = train.samples;
  const auto trainCount = static_cast<int64_t>(std::floor(
      static_cast<double>(samples) * (1.0 - options.validation_split)));
  if (trainCount == 0 || trainCount == samples)
    throwError("fit: training data contains ", samples,
               " samples, which is not sufficient to split it into a "
               "validation and training set as specified by "
               "validation_split=",
               options.validation_split,
               ". Either provide more data, or a different value for "
               "validation_split.");
  val.data = &train;
  val.begin = trainCount;
  val.count = samples - trainCount;
  return trainCount;
}

std::optional<uint64_t> shuffleSeed(const FitOptions &options) {
  if (!options.shuffle)
    return std::nullopt;
  return options.seed ? *options.seed : randomSeed();
}

// Data parallel: the options each replica trains with, after the replicas
// agree on the data and the settings, take rank 0's shuffle seed and
// weights, and leave printing and file-writing callbacks to rank 0.
struct Replicas {
  FitOptions options;
  Shard shard;
  dist::Communicator *comm = nullptr;
};

Replicas joinReplicas(const abi::CompiledSteps &steps, ModelState &state,
                      const FitOptions &options, int64_t trainCount) {
  Replicas r{options, Shard{}, nullptr};
  dist::Communicator *comm = options.communicator.get();
  if (!comm || comm->size() == 1)
    return r;
  if (!steps.signature.dataParallel)
    throwError("fit: ", comm->describe(), " given, but the train step does "
               "not reduce its gradients across them (compile the model with "
               "distribution::DataParallel)");
  comm->checkSame(trainCount, "the number of training samples");
  comm->checkSame(options.batch_size, "batch_size");
  comm->checkSame(options.epochs, "epochs");
  comm->checkSame(options.initial_epoch, "initial_epoch");
  comm->checkSame(options.shuffle ? 1 : 0, "shuffle");
  if (options.shuffle) {
    uint64_t seed = options.seed ? *options.seed : randomSeed();
    comm->broadcast(&seed, sizeof seed, 0);
    r.options.seed = seed;
  }
  auto share = [&](const Tensor &t) {
    comm->broadcast(const_cast<Tensor &>(t).raw(), int64_t(t.nbytes()), 0);
  };
  for (const Tensor &t : state.params())
    share(t);
  for (const Tensor &t : state.slots())
    share(t);
  share(state.iterationsTensor());
  share(state.learningRateTensor());
  if (comm->rank() != 0) {
    r.options.verbose = 0;
    std::vector<std::shared_ptr<Callback>> kept;
    for (const auto &cb : options.callbacks)
      if (!cb->firstReplicaOnly())
        kept.push_back(cb);
    r.options.callbacks = std::move(kept);
  }
  r.shard = Shard{comm->rank(), comm->size()};
  r.comm = comm;
  return r;
}

// Keras's trainer: the epoch loop, the batch loop and the logs it reports.
class Trainer {
public:
  // `makeBatches` binds the training batches into the train step's
  // arguments.
  Trainer(const abi::CompiledSteps &steps, ModelState &state,
          const std::function<std::unique_ptr<BatchBinder>(StepArgs &)> &makeBatches,
          Validation &val, const FitOptions &options,
          dist::Communicator *comm = nullptr)
      : sig_(steps.signature), options_(options), comm_(comm),
        args_("fit", "train_step", steps.train, steps.layouts.train, sig_,
              state),
        batchesOwner_(makeBatches(args_)), batches_(*batchesOwner_),
        console_(Console::make(options.out, options.err, options.tty,
                               options.clock)),
        context_(state, Params{options.verbose, options.epochs, batches_.steps()},
                 console_),
        callbacks_(options.callbacks, options.verbose != 0, context_),
        means_(sig_),
        terminatesOnNaN_(callbacks_.contains<TerminateOnNaN>()) {
    if (val.data)
      validator_.emplace("fit", steps, state, *val.data, val.begin, val.count,
                         options.batch_size);
    for (const std::string &name : sig_.resultNames)
      batchLogs_.set(name, 0.0);
  }

  History run() {
    callbacks_.on_train_begin(scratch_);
    for (int epoch = options_.initial_epoch; epoch < options_.epochs; ++epoch)
      if (!runEpoch(epoch))
        break;
    callbacks_.on_train_end(epochLogs_);
    return callbacks_.history();
  }

private:
  // One epoch and its validation; false when a callback stopped training.
  bool runEpoch(int epoch) {
    scratch_.clear();
    callbacks_.on_epoch_begin(epoch, scratch_);
    batches_.beginEpoch();
    means_.reset();
    for (int64_t b = 0; b < batches_.steps(); ++b) {
      scratch_.clear();
      callbacks_.on_train_batch_begin(b, scratch_);
      const int64_t rows = batches_.bind(b);
      {
        dist::StepScope scope(comm_, batches_.share());
        args_.call();
      }
      if (std::string failure = dist::takeFailure(); !failure.empty())
        throwError("fit: epoch ", epoch + 1, ", batch ", b, ": ", failure);
      means_.add(args_.results(), rows);
      for (size_t k = 0; k < means_.means().size(); ++k)
        batchLogs_.valueAt(k) = means_.means()[k];
      warnIfNonFinite(epoch, b);
      callbacks_.on_train_batch_end(b, batchLogs_);
      if (context_.stop_training)
        break;
    }
    if (comm_)
      means_.combine(*comm_);
    epochLogs_.clear();
    for (size_t k = 0; k < sig_.resultNames.size(); ++k)
      epochLogs_.set(sig_.resultNames[k], means_.means()[k]);
    if (validator_) {
      const std::vector<double> &val = validator_->run();
      for (size_t k = 0; k < sig_.resultNames.size(); ++k)
        epochLogs_.set("val_" + sig_.resultNames[k], val[k]);
    }
    callbacks_.on_epoch_end(epoch, epochLogs_);
    return !context_.stop_training;
  }

  // Warns once per fit about a non-finite batch loss; with TerminateOnNaN
  // in the list, the callback reports it and stops instead.
  void warnIfNonFinite(int epoch, int64_t b) {
    const float loss = args_.results()[0];
    if (warnedNonFinite_ || std::isfinite(loss))
      return;
    warnedNonFinite_ = true;
    if (!terminatesOnNaN_)
      console_.errors() << "Warning: fit: the loss is "
                        << (std::isnan(loss) ? "nan" : "inf") << " at epoch "
                        << epoch + 1 << ", batch " << b
                        << "; training goes on (add "
                           "callbacks::TerminateOnNaN() to stop it)\n";
  }

  const abi::StepSignature &sig_;
  const FitOptions &options_;
  dist::Communicator *comm_;
  StepArgs args_;
  std::unique_ptr<BatchBinder> batchesOwner_;
  BatchBinder &batches_;
  Console console_;
  TrainContext context_;
  CallbackList callbacks_;
  EpochResults means_;
  std::optional<Evaluator> validator_;
  Logs batchLogs_, epochLogs_, scratch_;
  bool terminatesOnNaN_, warnedNonFinite_ = false;
};

} // namespace

History fit(const abi::CompiledSteps &steps, ModelState &state,
            const std::vector<Tensor> &x, const std::vector<Tensor> &y,
            const FitOptions &options) {
  const EntryPoint entry{"fit", steps.train, "train_step",
                         /*needsResults=*/true, /*checkSlots=*/true};
  Dataset data =
      prologue(entry, steps, state, x, &y, options.batch_size, options.verbose,
               [&] { checkFitOptions(options); });
  if (data.samples == 0)
    throwError("fit: x has no samples");
  Validation val;
  const int64_t trainCount = splitValidation(steps, data, options, val);
  Replicas replicas = joinReplicas(steps, state, options, trainCount);
  const FitOptions &opts = replicas.options;
  Trainer trainer(
      steps, state,
      [&](StepArgs &args) {
        return std::make_unique<EpochIterator>(
            args,
            std::vector<Feed>{{abi::ArgRole::Input, &data.x},
                              {abi::ArgRole::Target, &data.y}},
            0, trainCount, std::min(opts.batch_size, trainCount),
            shuffleSeed(opts), replicas.shard);
      },
      val, opts, replicas.comm);
  return trainer.run();
}

History fit(const abi::CompiledSteps &steps, ModelState &state,
            BatchGenerator &generator, const FitOptions &options,
            const GeneratorOptions &generatorOptions) {
  const EntryPoint entry{"fit", steps.train, "train_step",
                         /*needsResults=*/true, /*checkSlots=*/true};
  const int64_t perEpoch =
      options.steps_per_epoch > 0 ? options.steps_per_epoch : generator.size();
  prologueChecks(entry, steps, state, options.batch_size, options.verbose, [&] {
    checkFitOptions(options);
    if (options.validation_split > 0)
      throwError("fit: validation_split is not supported with a generator of "
                 "batches; give validation_data");
    if (options.steps_per_epoch < 0)
      throwError("fit: steps_per_epoch must be positive, got ",
                 options.steps_per_epoch);
    if (perEpoch <= 0)
      throwError("fit: the generator has no batches (give steps_per_epoch)");
    if (generatorOptions.max_queue_size <= 0)
      throwError("fit: max_queue_size must be positive, got ",
                 generatorOptions.max_queue_size);
    if (generatorOptions.workers && (*generatorOptions.workers < 0 ||
                                     *generatorOptions.workers > 1))
      throwError("fit: workers must be 0 (batches made on fit's thread) or 1 "
                 "(a producer thread), got ", *generatorOptions.workers,
                 "; one producer outpaces any step on the CPU");
  });
  if (options.communicator && options.communicator->size() > 1)
    throwError("fit: data parallel training takes arrays; a generator of "
               "batches is not split between replicas yet");
  Dataset none;
  Validation val;
  splitValidation(steps, none, options, val);
  const bool producer = generatorOptions.workers ? *generatorOptions.workers == 1
                                                 : producerHasSpareCore(
                                                       generatorOptions.step_threads);
  Trainer trainer(
      steps, state,
      [&](StepArgs &args) {
        return std::make_unique<GeneratorBatches>(
            args, steps.signature, generator, perEpoch,
            static_cast<size_t>(generatorOptions.max_queue_size), producer);
      },
      val, options);
  return trainer.run();
}

} // namespace kiln::train
