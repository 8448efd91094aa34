// The arguments of one compiled step, bound by role from its StepLayout.
#include "runtime/train/StepArgs.h"
#include "runtime/train/ConfusionMetrics.h"

#include "runtime/Error.h"
#include "runtime/abi/Threads.h"
#include "runtime/abi/Workspace.h"

#include <algorithm>
#include <chrono>
#include <string>

namespace kiln::train::detail {

namespace {

// Throws unless the step takes `expected` arguments of `role`.
void expectCount(const char *caller, const char *stepName,
                 const abi::StepLayout &layout, abi::ArgRole role,
                 size_t expected) {
  size_t got = layout.count(role);
  if (got != expected)
    throwError(caller, ": the compiled ", stepName, " takes ", got, " ",
               abi::roleName(role), " argument", got == 1 ? "" : "s",
               " but the model has ", expected);
}

void bindTensor(abi::MemRefDescriptor &d, const Tensor &t) {
  Tensor shared = t; // shares storage; the step reads and writes it in place
  d.bind(shared.raw(), shared.shape());
}

} // namespace

StepArgs::StepArgs(const char *caller, const char *stepName, abi::PackedFn fn,
                   const abi::StepLayout &layout, const abi::StepSignature &sig,
                   const ModelState &state)
    : caller_(caller), stepName_(stepName), fn_(fn), layout_(layout),
      pack_(layout.size()), device_(sig.device),
      deviceStep_(std::string(caller) + ": the compiled " + stepName) {
  using abi::ArgRole;
  expectCount(caller, stepName, layout, ArgRole::Param, sig.params.size());
  expectCount(caller, stepName, layout, ArgRole::Input, sig.inputs.size());
  if (layout.has(ArgRole::Target))
    expectCount(caller, stepName, layout, ArgRole::Target, sig.targets.size());
  if (layout.has(ArgRole::Output))
    expectCount(caller, stepName, layout, ArgRole::Output, sig.outputs.size());
  if (layout.has(ArgRole::Slot))
    expectCount(caller, stepName, layout, ArgRole::Slot, state.slots().size());
  for (ArgRole single : {ArgRole::Iterations, ArgRole::LearningRate,
                         ArgRole::Results})
    if (layout.has(single))
      expectCount(caller, stepName, layout, single, 1);

  for (size_t i = 0; i < state.params().size(); ++i)
    bindTensor(arg(ArgRole::Param, i), state.params()[i]);
  for (size_t i = 0; i < layout.count(ArgRole::Slot); ++i)
    bindTensor(arg(ArgRole::Slot, i), state.slots()[i]);
  if (layout.has(ArgRole::Iterations))
    bindTensor(arg(ArgRole::Iterations, 0), state.iterationsTensor());
  if (layout.has(ArgRole::LearningRate))
    bindTensor(arg(ArgRole::LearningRate, 0), state.learningRateTensor());
  if (layout.has(ArgRole::Results)) {
    results_ = abi::emptyOn(device_.get(),
                            {static_cast<int64_t>(sig.resultWidth())});
    std::fill_n(results_.data<float>(), results_.size(), 0.0f);
    bindTensor(arg(ArgRole::Results, 0), results_);
  }
}

void StepArgs::call() {
  workspace::takeFailure(); // one left by code that ran outside a step
  // The thread count follows the machine's load unless the caller limited
  // it (runtime/abi/Threads.h: a limit set by the caller is left as it is);
  // the batch size is part of the choice.
  if (device_) {
    // A device's step: its host code only launches (no threads to tune).
    pack_.call(fn_);
    device_->finish(deviceStep_.c_str());
  } else if (!threads::ThreadTuner::enabled() || threads::limit() != 0) {
    pack_.call(fn_);
  } else {
    int64_t rows = 0;
    if (layout_.count(abi::ArgRole::Input) > 0 &&
        arg(abi::ArgRole::Input, 0).rank() > 0)
      rows = arg(abi::ArgRole::Input, 0).size(0);
    const void *step = reinterpret_cast<const void *>(fn_);
    threads::ThreadTuner &tuner = threads::tuner();
    threads::ThreadTuner::Choice choice = tuner.choose(step, rows);
    if (choice.serial) {
      pack_.call(fn_);
    } else {
      threads::setWorkersSpin(!choice.oneThreadWins);
      int64_t asked = threads::regionsAsked();
      auto start = std::chrono::steady_clock::now();
      threads::setLimit(choice.limit);
      pack_.call(fn_);
      threads::setLimit(0);
      tuner.record(step, rows, choice.limit,
                   std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count(),
                   threads::regionsAsked() != asked);
    }
  }
  if (std::optional<workspace::Failure> f = workspace::takeFailure())
    throwError(caller_, ": out of memory in the compiled ", stepName_,
               ": it asked for ", f->requested, " bytes of workspace with ",
               f->liveBytes, " in use, ",
               f->outOfMemory ? "and the system refused"
                              : "over the limit of " +
                                    std::to_string(f->limit) +
                                    " bytes (config::set_workspace_limit)");
}

// Each result name's spec; without specs, one batch mean per name.
static std::vector<abi::ResultSpec> specsOf(const abi::StepSignature &sig) {
  if (!sig.resultSpecs.empty())
    return sig.resultSpecs;
  std::vector<abi::ResultSpec> specs(sig.resultNames.size());
  for (size_t k = 0; k < specs.size(); ++k)
    specs[k].offset = static_cast<uint32_t>(k);
  return specs;
}

EpochResults::EpochResults(const abi::StepSignature &sig)
    : specs_(specsOf(sig)), sums_(sig.resultWidth(), 0.0),
      values_(specs_.size(), 0.0) {}

void EpochResults::reset() {
  std::fill(sums_.begin(), sums_.end(), 0.0);
  std::fill(values_.begin(), values_.end(), 0.0);
  seen_ = 0;
}

void EpochResults::add(const float *results, int64_t rows) {
  seen_ += rows;
  for (const abi::ResultSpec &spec : specs_) {
    double *sum = sums_.data() + spec.offset;
    if (spec.kind == abi::ResultSpec::Kind::mean) {
      *sum += static_cast<double>(results[spec.offset]) * static_cast<double>(rows);
      continue;
    }
    for (uint32_t i = 0; i < spec.width(); ++i)
      sum[i] += static_cast<double>(results[spec.offset + i]);
  }
  recompute();
}

void EpochResults::recompute() {
  for (size_t k = 0; k < specs_.size(); ++k) {
    const abi::ResultSpec &spec = specs_[k];
    const double *sum = sums_.data() + spec.offset;
    values_[k] = spec.kind == abi::ResultSpec::Kind::mean
                     ? (seen_ > 0 ? *sum / static_cast<double>(seen_) : 0.0)
                     : confusionMetric(spec, sum);
  }
}

void EpochResults::combine(dist::Communicator &comm) {
  std::vector<double> all(sums_);
  all.push_back(static_cast<double>(seen_));
  comm.allReduceSum(all.data(), static_cast<int64_t>(all.size()));
  seen_ = static_cast<int64_t>(all.back());
  all.pop_back();
  sums_ = std::move(all);
  recompute();
}

} // namespace kiln::train::detail
