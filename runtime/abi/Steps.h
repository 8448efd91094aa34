// What a compiled model hands the runtime: three packed entry points and the
// signature that says how to call them. The compiler fills it for the JIT;
// ahead-of-time builds write the same facts into the generated header.
#ifndef KILN_RUNTIME_ABI_STEPS_H
#define KILN_RUNTIME_ABI_STEPS_H

#include "runtime/Tensor.h"
#include "runtime/abi/MemRef.h"
#include "runtime/abi/StepLayout.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::abi {

/// Where compiled steps run when not on the CPU (a GPU: runtime/gpu). The
/// runtime puts every buffer a step reads or writes (parameters, optimizer
/// state, batches, results, predictions) in memory the device reaches,
/// and calls finish() after each step.
class StepDevice {
public:
  virtual ~StepDevice() = default;
  /// "gpu:0 (NVIDIA H100 ..., sm_90)": for messages.
  virtual std::string describe() const = 0;
  /// An uninitialized tensor that both the steps and the host read and
  /// write (the host once finish() has returned).
  virtual Tensor empty(const Shape &shape, DType dtype) const = 0;
  /// Waits for the step's work and throws a kiln::Error naming `step` and
  /// what failed in it.
  virtual void finish(const char *step) const = 0;
};

/// `device`'s empty tensor, or the host's without one.
inline Tensor emptyOn(const StepDevice *device, const Shape &shape,
                      DType dtype = DType::f32) {
  return device ? device->empty(shape, dtype) : Tensor::empty(shape, dtype);
}

/// How one named result (the loss, a metric) comes from the floats each
/// train or eval step writes to its results buffer, over an epoch.
struct ResultSpec {
  enum class Kind : uint8_t {
    /// One float, the batch's mean: the epoch's row-weighted mean (the
    /// loss, accuracy, mae, ...).
    mean,
    /// The rest read confusion counts: 4 rows (true positives, false
    /// positives, true negatives, false negatives) of `thresholds` floats,
    /// summed over the epoch's batches.
    true_positives,
    false_positives,
    true_negatives,
    false_negatives,
    precision,
    recall,
    auc,
    sensitivity_at_specificity,
    specificity_at_sensitivity,
  };
  enum class Summation : uint8_t { interpolation, minoring, majoring };

  Kind kind = Kind::mean;
  /// The result's first float in the buffer, and its number of thresholds.
  uint32_t offset = 0, thresholds = 1;
  /// AUC: the precision-recall curve instead of ROC, and Keras's
  /// summation_method.
  bool prCurve = false;
  Summation summation = Summation::interpolation;
  /// The specificity or sensitivity the *_at_* metrics hold.
  double value = 0.0;

  /// The floats it takes in the buffer.
  uint32_t width() const { return kind == Kind::mean ? 1 : 4 * thresholds; }
};

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
  /// How each of them is computed, in the same order; empty when every
  /// result is a batch mean, one float each in name order.
  std::vector<ResultSpec> resultSpecs;
  /// Per target: for a sparse categorical loss, the number of classes (the
  /// runtime checks integer labels against it before training), else 0.
  /// Empty means 0 for every target.
  std::vector<int64_t> sparseLabelClasses;
  /// Whether train_step reduces its gradients across replicas
  /// (kiln-data-parallel), so fit may run it as one of several.
  bool dataParallel = false;
  /// Where the steps run; null: the CPU.
  std::shared_ptr<const StepDevice> device;

  size_t numTrainable() const;
  /// The floats a train or eval step writes to its results buffer.
  size_t resultWidth() const;
};

struct CompiledSteps {
  PackedFn train = nullptr, eval = nullptr, predict = nullptr;
  /// How each step orders its arguments, as kiln-make-steps recorded it.
  StepLayouts layouts;
  StepSignature signature;
};

} // namespace kiln::abi

#endif // KILN_RUNTIME_ABI_STEPS_H
