// The producer thread and the bounded queue between a BatchGenerator and
// fit's train step.
#include "runtime/train/GeneratorBatches.h"

#include "runtime/Error.h"

#include <algorithm>
#include <string>

#include <sched.h>

namespace kiln::train::detail {

GeneratorBatches::GeneratorBatches(StepArgs &args, const abi::StepSignature &sig,
                                   BatchGenerator &generator, int64_t stepsPerEpoch,
                                   size_t capacity, bool producer)
    : args_(args), sig_(sig), generator_(generator), steps_(stepsPerEpoch),
      capacity_(capacity) {
  if (producer)
    producer_ = std::thread([this] { produce(); });
}

GeneratorBatches::~GeneratorBatches() {
  {
    std::lock_guard<std::mutex> guard(lock_);
    stop_ = true;
  }
  changed_.notify_all();
  if (producer_.joinable())
    producer_.join(); // after the batch it may be making
}

void GeneratorBatches::produce() {
  for (;;) {
    {
      std::unique_lock<std::mutex> guard(lock_);
      changed_.wait(guard, [&] { return stop_ || ready_.size() < capacity_; });
      if (stop_)
        return;
    }
    Batch batch;
    try {
      batch = generator_.next();
    } catch (...) {
      std::lock_guard<std::mutex> guard(lock_);
      failure_ = std::current_exception();
      changed_.notify_all();
      return;
    }
    {
      std::lock_guard<std::mutex> guard(lock_);
      ready_.push_back(std::move(batch));
    }
    changed_.notify_all();
  }
}

GeneratorBatches::Batch GeneratorBatches::take() {
  if (!producer_.joinable())
    return generator_.next();
  Batch batch;
  {
    std::unique_lock<std::mutex> guard(lock_);
    changed_.wait(guard, [&] { return !ready_.empty() || failure_; });
    if (ready_.empty())
      std::rethrow_exception(failure_);
    batch = std::move(ready_.front());
    ready_.pop_front();
  }
  changed_.notify_all();
  return batch;
}

int64_t GeneratorBatches::bind(int64_t) {
  Batch batch = take();
  std::string prefix = "the generator's batch " + std::to_string(taken_++) + ": ";
  current_ = adaptData("fit", sig_, batch.first, &batch.second, prefix);
  if (current_.samples == 0)
    throwError("fit: ", prefix, "x has no samples");
  binding_ = std::make_unique<EpochIterator>(
      args_,
      std::vector<Feed>{{abi::ArgRole::Input, &current_.x},
                        {abi::ArgRole::Target, &current_.y}},
      0, current_.samples, current_.samples, std::nullopt);
  return binding_->bind(0);
}

} // namespace kiln::train::detail

namespace kiln::train {

bool producerHasSpareCore(int64_t stepThreads) {
  const int64_t cores =
      std::max<int64_t>(1, std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  const int64_t usable =
      sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : cores;
  // The compiled regions ask for this many threads whatever libomp's own
  // default is (the code generator's count, Target.cpp's for 0).
  const int64_t team = stepThreads > 0 ? stepThreads : cores;
  return usable > team;
}

} // namespace kiln::train
