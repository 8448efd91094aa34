// evaluate and predict: the shared prologue, then batches through
// eval_step or predict_step.
#include "runtime/train/Evaluator.h"
#include "runtime/train/Fit.h"

#include <algorithm>

namespace kiln::train {

using namespace detail;

namespace detail {

Evaluator::Evaluator(const char *caller, const abi::CompiledSteps &steps,
                     const ModelState &state, Dataset &data, int64_t begin,
                     int64_t count, int64_t batchSize)
    : args_(caller, "eval_step", steps.eval, steps.layouts.eval,
            steps.signature, state),
      batches_(args_,
               {{abi::ArgRole::Input, &data.x}, {abi::ArgRole::Target, &data.y}},
               begin, count, std::min(batchSize, std::max<int64_t>(count, 1)),
               std::nullopt),
      means_(steps.signature) {}

const std::vector<double> &Evaluator::run(
    const std::function<void(int64_t, const std::vector<double> &)> &onBatch) {
  means_.reset();
  for (int64_t b = 0, n = steps(); b < n; ++b) {
    int64_t rows = batches_.bind(b);
    args_.call();
    means_.add(args_.results(), rows);
    if (onBatch)
      onBatch(b, means_.means());
  }
  return means_.means();
}

const std::vector<double> &Evaluator::combine(dist::Communicator &comm) {
  means_.combine(comm);
  return means_.means();
}

// This replica's contiguous run of `samples` rows: [first, first + count).
std::pair<int64_t, int64_t> shardOf(dist::Communicator *comm, int64_t samples,
                                    const char *caller) {
  if (!comm || comm->size() == 1)
    return {0, samples};
  comm->checkSame(samples, std::string("the number of samples to ") + caller);
  return Shard{comm->rank(), comm->size()}.runOf(samples);
}

} // namespace detail

std::vector<double> evaluate(const abi::CompiledSteps &steps,
                             const ModelState &state,
                             const std::vector<Tensor> &x,
                             const std::vector<Tensor> &y, int64_t batch_size,
                             int verbose) {
  EvaluateOptions options;
  options.batch_size = batch_size;
  options.verbose = verbose;
  return evaluate(steps, state, x, y, options);
}

std::vector<double> evaluate(const abi::CompiledSteps &steps,
                             const ModelState &state,
                             const std::vector<Tensor> &x,
                             const std::vector<Tensor> &y,
                             const EvaluateOptions &options) {
  Logs logs = evaluate_dict(steps, state, x, y, options);
  std::vector<double> out;
  for (const auto &item : logs)
    out.push_back(item.second);
  return out;
}

Logs evaluate_dict(const abi::CompiledSteps &steps, const ModelState &state,
                   const std::vector<Tensor> &x, const std::vector<Tensor> &y,
                   const EvaluateOptions &options) {
  const EntryPoint entry{"evaluate", steps.eval, "eval_step",
                         /*needsResults=*/true, /*checkSlots=*/false};
  Dataset data = prologue(entry, steps, state, x, &y, options.batch_size,
                          options.verbose);
  if (data.samples == 0)
    throwError("evaluate: x has no samples");

  dist::Communicator *comm = options.communicator.get();
  auto [first, count] = shardOf(comm, data.samples, "evaluate");
  const int verbose = comm && comm->rank() != 0 ? 0 : options.verbose;
  Evaluator evaluator(entry.caller, steps, state, data, first, count,
                      options.batch_size);
  Progbar bar(evaluator.steps(), verbose,
              Console::make(options.out, nullptr, options.tty, options.clock));
  Logs logs;
  for (const std::string &name : steps.signature.resultNames)
    logs.set(name, 0.0);
  auto fill = [&](const std::vector<double> &means) {
    for (size_t k = 0; k < means.size(); ++k)
      logs.valueAt(k) = means[k];
  };
  const std::vector<double> *means =
      &evaluator.run([&](int64_t b, const std::vector<double> &running) {
        if (verbose == 1) {
          fill(running);
          bar.update(b + 1, logs, /*finalize=*/false);
        }
      });
  if (comm)
    means = &evaluator.combine(*comm);
  fill(*means);
  bar.update(evaluator.steps(), logs, /*finalize=*/true);
  return logs;
}

std::vector<Tensor> predict(const abi::CompiledSteps &steps,
                            const ModelState &state,
                            const std::vector<Tensor> &x, int64_t batch_size,
                            int verbose) {
  PredictOptions options;
  options.batch_size = batch_size;
  options.verbose = verbose;
  return predict(steps, state, x, options);
}

std::vector<Tensor> predict(const abi::CompiledSteps &steps,
                            const ModelState &state,
                            const std::vector<Tensor> &x,
                            const PredictOptions &options) {
  const EntryPoint entry{"predict", steps.predict, "predict_step",
                         /*needsResults=*/false, /*checkSlots=*/false};
  Dataset data = prologue(entry, steps, state, x, nullptr, options.batch_size,
                          options.verbose);
  std::vector<Array> outputs;
  std::vector<Tensor> result;
  for (Shape shape : steps.signature.outputs) {
    shape[0] = data.samples;
    // On a device the step writes the predictions where the caller reads
    // them: its memory is the host's too.
    outputs.push_back(
        Array::of(abi::emptyOn(steps.signature.device.get(), shape)));
    result.push_back(outputs.back().data);
  }
  if (data.samples == 0)
    return result;

  dist::Communicator *comm = options.communicator.get();
  auto [first, count] = shardOf(comm, data.samples, "predict");
  const int verbose = comm && comm->rank() != 0 ? 0 : options.verbose;
  StepArgs args(entry.caller, entry.stepName, steps.predict,
                steps.layouts.predict, steps.signature, state);
  EpochIterator batches(
      args, {{abi::ArgRole::Input, &data.x}, {abi::ArgRole::Output, &outputs}},
      first, count, std::min(options.batch_size, std::max<int64_t>(count, 1)),
      std::nullopt);
  Progbar bar(batches.steps(), verbose,
              Console::make(options.out, nullptr, options.tty, options.clock));
  Logs empty;
  for (int64_t b = 0; b < batches.steps(); ++b) {
    batches.bind(b);
    args.call();
    if (verbose == 1)
      bar.update(b + 1, empty, /*finalize=*/false);
  }
  bar.update(batches.steps(), empty, /*finalize=*/true);
  // Gather: each replica's rows from it to everyone.
  if (comm && comm->size() > 1)
    for (int r = 0; r < comm->size(); ++r) {
      const auto [from, rows] = Shard{comm->rank(), comm->size()}.runOf(data.samples, r);
      for (Array &out : outputs)
        if (rows > 0)
          comm->broadcast(out.row(from), rows * int64_t(out.rowBytes), r);
    }
  return result;
}

} // namespace kiln::train
