// The producer thread and the bounded queue between a BatchGenerator and
// fit's train step.
#include "runtime/train/GeneratorBatches.h"

#include "runtime/Error.h"

#include <string>

#include <dlfcn.h>
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

bool producerHasSpareCore() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int cpus = sched_getaffinity(0, sizeof set, &set) == 0
                 ? CPU_COUNT(&set)
                 : static_cast<int>(std::thread::hardware_concurrency());
  // The step's team is libomp's, which the JIT or a compiled model loads:
  // found at run time, as threads::setWorkersSpin finds its blocktime.
  using MaxThreads = int (*)();
  static const MaxThreads maxThreads =
      reinterpret_cast<MaxThreads>(dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
  int team = maxThreads ? maxThreads() : cpus;
  return cpus > team;
}

} // namespace kiln::train
