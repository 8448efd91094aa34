// The arguments of one compiled step, built from its StepLayout, and the
// sample-weighted means of its results. Internal to runtime/train.
#ifndef KILN_RUNTIME_TRAIN_STEPARGS_H
#define KILN_RUNTIME_TRAIN_STEPARGS_H

#include "runtime/Tensor.h"
#include "runtime/abi/MemRef.h"
#include "runtime/abi/StepLayout.h"
#include "runtime/abi/Steps.h"
#include "runtime/dist/Communicator.h"
#include "runtime/train/ModelState.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::train::detail {

// The packed arguments of one step. The model's own buffers (parameters,
// optimizer slots, iteration counter, results) are bound once here, by role;
// the batch roles (inputs, targets, outputs) are bound by an EpochIterator.
// Descriptors of the state point at its buffers, which never move.
class StepArgs {
public:
  // Checks the layout against the signature and the state (argument counts
  // per role) and throws a kiln::Error naming the step when they disagree.
  StepArgs(const char *caller, const char *stepName, abi::PackedFn fn,
           const abi::StepLayout &layout, const abi::StepSignature &sig,
           const ModelState &state);

  // Descriptor `i` of `role` (i below the role's count).
  abi::MemRefDescriptor &arg(abi::ArgRole role, size_t i) {
    return pack_[layout_.offset(role, i)];
  }
  // Runs the step once with the current bindings. When the step could not
  // get its workspace, throws a kiln::Error naming the bytes asked for; no
  // exception ever crosses the compiled code.
  void call();
  // The step's results after call() (loss first, then the metrics).
  const float *results() const { return results_.data<float>(); }
  // Where the step runs (null: the CPU); its batches must be in memory
  // the device reaches.
  const abi::StepDevice *device() const { return device_.get(); }
  size_t numResults() const { return static_cast<size_t>(results_.size()); }

private:
  const char *caller_, *stepName_;
  abi::PackedFn fn_;
  abi::StepLayout layout_;
  abi::ArgPack pack_;
  std::shared_ptr<const abi::StepDevice> device_;
  std::string deviceStep_; // "fit: the compiled train_step", for finish()
  Tensor results_;
};

// A step's results over the batches seen since reset(), as Keras's metric
// objects hold them: the batch means weighted by their rows (the loss and
// Mean metrics), the confusion counts summed, then each named value
// computed from them (StepSignature::resultSpecs).
class EpochResults {
public:
  explicit EpochResults(const abi::StepSignature &sig);
  void reset();
  void add(const float *results, int64_t rows);
  // Sums every replica's epoch (data parallel), so each holds the figures
  // of the whole epoch.
  void combine(dist::Communicator &comm);
  // One value per result name, as of the last add().
  const std::vector<double> &means() const { return values_; }

private:
  std::vector<abi::ResultSpec> specs_;
  void recompute();

  std::vector<double> sums_, values_;
  int64_t seen_ = 0;
};

} // namespace kiln::train::detail

#endif // KILN_RUNTIME_TRAIN_STEPARGS_H
