// fit's batches from a BatchGenerator: a producer thread keeps a bounded
// queue of batches ready ahead of the train step (Keras's enqueuer with
// one worker), or, without one, each batch is made when the step needs it;
// each batch is validated and bound as fit binds arrays.
// Internal to runtime/train.
#ifndef KILN_RUNTIME_TRAIN_GENERATORBATCHES_H
#define KILN_RUNTIME_TRAIN_GENERATORBATCHES_H

#include "runtime/train/EpochIterator.h"
#include "runtime/train/Fit.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace kiln::train::detail {

class GeneratorBatches : public BatchBinder {
public:
  GeneratorBatches(StepArgs &args, const abi::StepSignature &sig,
                   BatchGenerator &generator, int64_t stepsPerEpoch,
                   size_t capacity, bool producer);
  ~GeneratorBatches() override;
  GeneratorBatches(const GeneratorBatches &) = delete;
  GeneratorBatches &operator=(const GeneratorBatches &) = delete;

  int64_t steps() const override { return steps_; }
  void beginEpoch() override {}
  // Takes the next batch off the queue (waiting for it) or makes it, checks
  // it against the signature and binds it.
  int64_t bind(int64_t b) override;

private:
  using Batch = std::pair<std::vector<Tensor>, std::vector<Tensor>>;
  void produce();
  Batch take();

  StepArgs &args_;
  const abi::StepSignature &sig_;
  BatchGenerator &generator_;
  int64_t steps_;
  size_t capacity_;
  int64_t taken_ = 0;

  // The batch bound now: its data and the binding of its rows.
  Dataset current_;
  std::unique_ptr<EpochIterator> binding_;

  std::mutex lock_;
  std::condition_variable changed_;
  std::deque<Batch> ready_;
  bool stop_ = false;
  std::exception_ptr failure_;
  std::thread producer_; // not started when batches are made on fit's thread
};

} // namespace kiln::train::detail

#endif // KILN_RUNTIME_TRAIN_GENERATORBATCHES_H
