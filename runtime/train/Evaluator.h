// eval_step over a range of rows, as evaluate() and fit()'s validation run
// it. Internal to runtime/train.
#ifndef KILN_RUNTIME_TRAIN_EVALUATOR_H
#define KILN_RUNTIME_TRAIN_EVALUATOR_H

#include "runtime/train/EpochIterator.h"

#include <functional>

namespace kiln::train::detail {

// Runs eval_step over rows [begin, begin + count) of `data` in batches and
// returns the sample-weighted mean of every result.
class Evaluator {
public:
  Evaluator(const char *caller, const abi::CompiledSteps &steps,
            const ModelState &state, Dataset &data, int64_t begin,
            int64_t count, int64_t batchSize);

  int64_t steps() const { return batches_.steps(); }
  // The means over all rows; `onBatch(batch, runningMeans)` after each batch.
  const std::vector<double> &
  run(const std::function<void(int64_t, const std::vector<double> &)>
          &onBatch = {});
  // After run(): every replica's rows combined (data parallel).
  const std::vector<double> &combine(dist::Communicator &comm);

private:
  StepArgs args_;
  EpochIterator batches_;
  EpochResults means_;
};

} // namespace kiln::train::detail

#endif // KILN_RUNTIME_TRAIN_EVALUATOR_H
