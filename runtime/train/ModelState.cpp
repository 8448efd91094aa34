// kiln::train::ModelState: parameter, slot and counter buffers.
#include "runtime/train/ModelState.h"
#include "runtime/train/Format.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace kiln::train {

namespace {

// Copies `src` into `dst` (same shape), converting to f32 if needed.
void copyInto(Tensor &dst, const Tensor &src) {
  Tensor converted = src.dtype() == DType::f32 ? src : src.astype(DType::f32);
  std::memcpy(dst.raw(), converted.raw(), dst.nbytes());
}

// Checks `values` against `shapes`: the count, then every shape.
void checkShapes(const std::vector<Tensor> &values,
                 const std::vector<Shape> &shapes, const char *caller,
                 const char *what) {
  if (values.size() != shapes.size())
    throwError(caller, ": expected ", shapes.size(), " ", what, "s, got ",
               values.size());
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].shape() != shapes[i])
      throwError(caller, ": ", what, " ", i, " has shape ",
                 pythonShape(values[i].shape()), " but the model expects ",
                 pythonShape(shapes[i]));
}

std::vector<Tensor> cloneAll(const std::vector<Tensor> &tensors) {
  std::vector<Tensor> out;
  out.reserve(tensors.size());
  for (const Tensor &t : tensors)
    out.push_back(t.clone());
  return out;
}

// The shape of every optimizer slot buffer, slot-major.
std::vector<Shape> slotShapes(const abi::StepSignature &sig) {
  std::vector<Shape> shapes;
  for (unsigned s = 0; s < sig.optimizerSlots; ++s)
    for (size_t p = 0; p < sig.params.size(); ++p)
      if (sig.trainable.empty() || sig.trainable[p])
        shapes.push_back(sig.params[p]);
  return shapes;
}

} // namespace

ModelState::ModelState(const abi::StepSignature &signature,
                       const std::vector<Tensor> &initialParams)
    : signature_(signature) {
  if (!signature.trainable.empty() &&
      signature.trainable.size() != signature.params.size())
    throwError("ModelState: the signature marks ", signature.trainable.size(),
               " parameters as trainable or not but has ",
               signature.params.size(), " parameters");
  checkShapes(initialParams, signature.params, "ModelState", "parameter");
  if (!signature.slotInitialValues.empty() &&
      signature.slotInitialValues.size() != signature.optimizerSlots)
    throwError("ModelState: the signature has ", signature.optimizerSlots,
               " optimizer slots but ", signature.slotInitialValues.size(),
               " slot initial values");

  params_.reserve(initialParams.size());
  for (size_t i = 0; i < initialParams.size(); ++i) {
    params_.push_back(abi::emptyOn(signature.device.get(), signature.params[i]));
    copyInto(params_.back(), initialParams[i]);
  }
  std::vector<Shape> shapes = slotShapes(signature);
  size_t perSlot = signature.optimizerSlots ? shapes.size() /
                                                  signature.optimizerSlots
                                            : 0;
  for (size_t i = 0; i < shapes.size(); ++i) {
    Tensor slot = abi::emptyOn(signature.device.get(), shapes[i]);
    float init = signature.slotInitialValues.empty()
                     ? 0.0f
                     : signature.slotInitialValues[i / perSlot];
    std::fill_n(slot.data<float>(), slot.size(), init);
    slots_.push_back(slot);
  }
  iterations_ = abi::emptyOn(signature.device.get(), {}, DType::i64);
  *iterations_.data<int64_t>() = 0;
  learningRate_ = abi::emptyOn(signature.device.get(), {});
  set_learning_rate(signature.learningRate);
}

std::vector<Tensor> ModelState::get_weights() const { return cloneAll(params_); }

ModelState ModelState::sharing(const abi::StepSignature &signature,
                               const std::vector<Tensor> &params) {
  ModelState state(signature, params);
  // A device's steps reach only its memory: the state keeps its copies.
  if (signature.device)
    return state;
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].dtype() == DType::f32)
      state.params_[i] = params[i];
  return state;
}

void ModelState::set_weights(const std::vector<Tensor> &weights) {
  checkShapes(weights, signature_.params, "set_weights", "weight");
  for (size_t i = 0; i < weights.size(); ++i)
    copyInto(params_[i], weights[i]);
}

std::vector<Tensor> ModelState::get_optimizer_slots() const {
  return cloneAll(slots_);
}

void ModelState::set_optimizer_slots(const std::vector<Tensor> &slots) {
  checkShapes(slots, slotShapes(signature_), "set_optimizer_slots",
              "optimizer slot");
  for (size_t i = 0; i < slots.size(); ++i)
    copyInto(slots_[i], slots[i]);
}

int64_t ModelState::iterations() const {
  return *iterations_.data<int64_t>();
}

void ModelState::set_iterations(int64_t value) {
  *iterations_.data<int64_t>() = value;
}

double ModelState::learning_rate() const {
  return *learningRate_.data<float>();
}

void ModelState::set_learning_rate(double value) {
  if (!(std::isfinite(value) && value >= 0))
    throwError("set_learning_rate: the learning rate must be a finite number "
               ">= 0, got ", value);
  *learningRate_.data<float>() = static_cast<float>(value);
}

void ModelState::checkCompatible(const abi::StepSignature &sig,
                                 const char *caller, bool checkSlots) const {
  if (sig.params.size() != signature_.params.size())
    throwError(caller, ": the compiled model has ", sig.params.size(),
               " parameters but the ModelState holds ",
               signature_.params.size());
  for (size_t i = 0; i < sig.params.size(); ++i)
    if (sig.params[i] != signature_.params[i])
      throwError(caller, ": parameter ", i, " of the compiled model has shape ",
                 pythonShape(sig.params[i]), " but the ModelState holds ",
                 pythonShape(signature_.params[i]));
  if (checkSlots && slotShapes(sig) != slotShapes(signature_))
    throwError(caller, ": the compiled model expects ", slotShapes(sig).size(),
               " optimizer slot buffers (", sig.optimizerSlots,
               " per trainable parameter) but the ModelState holds ",
               slots_.size());
}

} // namespace kiln::train
