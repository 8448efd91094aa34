// kiln::train::ModelState: the buffers a compiled model trains in place.
#ifndef KILN_RUNTIME_TRAIN_MODELSTATE_H
#define KILN_RUNTIME_TRAIN_MODELSTATE_H

#include "runtime/Tensor.h"
#include "runtime/abi/Steps.h"

#include <cstdint>
#include <vector>

namespace kiln::train {

// Owns everything train_step updates in place: the parameters (f32, in the
// signature's order, trainable or not), the optimizer slot buffers
// (slot-major: slot 0 of every trainable parameter, then slot 1, ...; each
// shaped like its parameter and filled with StepSignature::slotInitialValues),
// the i64 iteration counter (rank 0, starts at 0) and the f32 learning rate
// (rank 0, starts at StepSignature::learningRate).
//
// The buffers never move after construction: set_weights() and friends copy
// into them, so descriptors built once by fit() stay valid while callbacks
// restore weights.
class ModelState {
public:
  // Copies `initialParams` (converted to f32 when needed). Throws a
  // kiln::Error naming the index and both shapes when a parameter does not
  // match the signature, or when the counts differ.
  ModelState(const abi::StepSignature &signature,
             const std::vector<Tensor> &initialParams);

  // Like the constructor, but f32 parameters are adopted, not copied: the
  // state trains the caller's tensors in place (a frontend's layer weights),
  // so writes through either side are seen by the other. With a device
  // (StepSignature::device) they are copied into its memory instead, and
  // the caller adopts params() in their place.
  static ModelState sharing(const abi::StepSignature &signature,
                            const std::vector<Tensor> &params);

  // Copies of the parameters (Keras's model.get_weights()).
  std::vector<Tensor> get_weights() const;
  // Copies `weights` into the parameters; same checks as the constructor
  // ("set_weights: weight 1 has shape (3,) but the model expects (2,)").
  // Any numeric dtype is accepted and converted to f32.
  void set_weights(const std::vector<Tensor> &weights);

  // The live buffers (shared storage: writes reach the model).
  const std::vector<Tensor> &params() const { return params_; }
  const std::vector<Tensor> &slots() const { return slots_; }
  const Tensor &iterationsTensor() const { return iterations_; }
  const Tensor &learningRateTensor() const { return learningRate_; }

  // Copies of the optimizer slot buffers, and their checked replacement.
  std::vector<Tensor> get_optimizer_slots() const;
  void set_optimizer_slots(const std::vector<Tensor> &slots);

  // Number of optimizer steps taken so far (Keras's optimizer.iterations).
  int64_t iterations() const;
  void set_iterations(int64_t value);

  // The learning rate train_step reads at every call (Keras's
  // optimizer.learning_rate): setting it needs no recompilation. Throws
  // unless `value` is finite and not negative.
  double learning_rate() const;
  void set_learning_rate(double value);

  const abi::StepSignature &signature() const { return signature_; }

  // Throws unless `signature` has exactly this state's parameter shapes (and,
  // with `checkSlots`, its optimizer slots); `caller` prefixes the message.
  void checkCompatible(const abi::StepSignature &signature, const char *caller,
                       bool checkSlots = true) const;

private:
  abi::StepSignature signature_;
  std::vector<Tensor> params_;
  std::vector<Tensor> slots_;
  Tensor iterations_;
  Tensor learningRate_;
};

} // namespace kiln::train

#endif // KILN_RUNTIME_TRAIN_MODELSTATE_H
