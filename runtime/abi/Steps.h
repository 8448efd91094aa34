// What a compiled model hands the runtime: three packed entry points and the
// signature that says how to call them. The compiler fills it for the JIT;
// ahead-of-time builds write the same facts into the generated header.
#ifndef KILN_RUNTIME_ABI_STEPS_H
#define KILN_RUNTIME_ABI_STEPS_H

#include "runtime/Tensor.h"
#include "runtime/abi/MemRef.h"

#include <string>
#include <vector>

namespace kiln::abi {

/// Argument order of the steps (see kiln-make-steps):
///   train_step(params..., slots (slot-major)..., iterations, inputs...,
///              targets..., results[numResults])
///   eval_step(params..., inputs..., targets..., results[numResults])
///   predict_step(params..., inputs..., outputs...)
/// Inputs, targets and outputs have a dynamic leading (batch) dimension,
/// spelled -1 in their shapes.
struct StepSignature {
  std::vector<Shape> params;
  std::vector<bool> trainable;
  /// Optimizer state buffers per trainable parameter and their start value
  /// (Adagrad's accumulator starts at 0.1, everything else at 0).
  unsigned optimizerSlots = 0;
  std::vector<float> slotInitialValues;
  std::vector<Shape> inputs, targets, outputs;
  std::vector<DType> inputTypes, targetTypes;
  /// Names of the train/eval results: "loss" first, then the metrics.
  std::vector<std::string> resultNames;
  /// For sparse categorical losses, the number of classes: the runtime checks
  /// integer labels against it before training. 0 otherwise.
  int64_t sparseLabelClasses = 0;

  size_t numTrainable() const;
};

struct CompiledSteps {
  PackedFn train = nullptr, eval = nullptr, predict = nullptr;
  StepSignature signature;
};

} // namespace kiln::abi

#endif // KILN_RUNTIME_ABI_STEPS_H
