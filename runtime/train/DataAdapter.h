// The data side of fit / evaluate / predict (Keras's data adapter): the
// caller's x and y validated against the compiled signature and converted
// once to its dtypes, and the prologue every entry point starts with.
// Internal to runtime/train.
#ifndef KILN_RUNTIME_TRAIN_DATAADAPTER_H
#define KILN_RUNTIME_TRAIN_DATAADAPTER_H

#include "runtime/Tensor.h"
#include "runtime/abi/Steps.h"
#include "runtime/train/ModelState.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kiln::train::detail {

// One validated data array, in the dtype and per-sample shape it is bound
// with. `data` may be the caller's tensor (shared storage) or a converted
// copy.
struct Array {
  Tensor data;
  size_t rowBytes = 0;

  static Array of(Tensor t);
  int64_t samples() const { return data.shape()[0]; }
  char *row(int64_t i) {
    return static_cast<char *>(data.raw()) + static_cast<size_t>(i) * rowBytes;
  }
};

// x and y of one call, ready to bind; y is empty for predict.
struct Dataset {
  std::vector<Array> x, y;
  int64_t samples = 0;
};

// Validates and converts `x` (and `y` unless null) for `caller`. `prefix`
// names the data in messages ("validation_data "). Checks the counts,
// per-sample shapes, integer labels and equal sample counts.
Dataset adaptData(const char *caller, const abi::StepSignature &sig,
                  const std::vector<Tensor> &x, const std::vector<Tensor> *y,
                  const std::string &prefix = "");

// What fit, evaluate and predict check before touching data.
struct EntryPoint {
  const char *caller;     // "fit"
  abi::PackedFn step;     // the step the caller runs
  const char *stepName;   // "train_step"
  bool needsResults;      // train and eval report loss and metrics
  bool checkSlots;        // train updates the optimizer slots
};

// The checks of the prologue, without data: the step exists, the signature
// is usable, the state matches it, batch_size and verbose are valid, then
// `moreChecks`.
void prologueChecks(const EntryPoint &entry, const abi::CompiledSteps &steps,
                    const ModelState &state, int64_t batchSize, int verbose,
                    const std::function<void()> &moreChecks = {});

// The shared prologue: the step exists, the signature is usable, the state
// matches it, batch_size and verbose are valid, then `moreChecks` (the
// caller's own options); then x (and y) adapted.
Dataset prologue(const EntryPoint &entry, const abi::CompiledSteps &steps,
                 const ModelState &state, const std::vector<Tensor> &x,
                 const std::vector<Tensor> *y, int64_t batchSize, int verbose,
                 const std::function<void()> &moreChecks = {});

} // namespace kiln::train::detail

#endif // KILN_RUNTIME_TRAIN_DATAADAPTER_H
