// What a compiled model hands the runtime: three packed entry points and the
// signature that says how to call them. The compiler fills it for the JIT;
// ahead-of-time builds write the same facts into the generated header.
#ifndef KILN_RUNTIME_ABI_STEPS_H
#define KILN_RUNTIME_ABI_STEPS_H

#include "runtime/Tensor.h"
#include "runtime/abi/MemRef.h"
#include "runtime/abi/StepLayout.h"

#include <string>
#include <vector>

namespace kiln::abi {

/// What the steps' arguments hold, role by role (their order is each step's
/// StepLayout). Inputs, targets and outputs have a dynamic leading (batch)
/// dimension, spelled -1 in their shapes.
struct StepSignature {
  std::vector<Shape> params;
  std::vector<bool> trainable;
  /// Optimizer state buffers per trainable parameter and their start value
  /// (Adagrad's accumulator starts at 0.1, everything else at 0).
  unsigned optimizerSlots = 0;
  std::vector<float> slotInitialValues;
  /// The optimizer's learning rate at the start; train_step reads the
  /// current one from its learning-rate argument at every call.
  float learningRate = 0.0f;
  std::vector<Shape> inputs, targets, outputs;
  std::vector<DType> inputTypes, targetTypes;
  /// Names of the train/eval results: "loss" first, then the metrics.
  std::vector<std::string> resultNames;
  /// Per target: for a sparse categorical loss, the number of classes (the
  /// runtime checks integer labels against it before training), else 0.
  /// Empty means 0 for every target.
  std::vector<int64_t> sparseLabelClasses;

  size_t numTrainable() const;
};

struct CompiledSteps {
  PackedFn train = nullptr, eval = nullptr, predict = nullptr;
  /// How each step orders its arguments, as kiln-make-steps recorded it.
  StepLayouts layouts;
  StepSignature signature;
};

} // namespace kiln::abi

#endif // KILN_RUNTIME_ABI_STEPS_H
