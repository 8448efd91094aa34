// The bridge from layers to kiln IR (frontend-internal: includes MLIR).
#ifndef KILN_FRONTEND_EMITTER_H
#define KILN_FRONTEND_EMITTER_H

#include "frontend/Layer.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"

#include <utility>
#include <vector>

namespace kiln {

class Emitter {
public:
  Emitter(mlir::OpBuilder &builder, mlir::Location loc) : b(builder), loc(loc) {}

  static mlir::Value value(Sym s) { return mlir::Value::getFromOpaquePointer(s.value); }
  static Sym sym(mlir::Value v) { return {v.getAsOpaquePointer()}; }
  static Shape shapeOf(Sym s);

  /// A tensor type of f32 (or `element`) with -1 as a dynamic dimension.
  mlir::RankedTensorType tensorType(const Shape &shape, mlir::Type element = {});

  /// Applies a Keras activation by name ("linear" returns `x`).
  Sym activation(const std::string &name, Sym x);

  /// `x` as `shape` (kiln.reshape; `x` itself when it has that shape).
  Sym reshape(Sym x, const Shape &shape);

  /// A 0-d f32 constant.
  mlir::Value scalar(double v);

  mlir::OpBuilder &b;
  mlir::Location loc;

  /// Keras's `training` argument: true while the train step's function is
  /// emitted (Dropout drops, BatchNormalization uses batch statistics).
  bool training = false;
  /// In training, the step counter (a 0-d i64 tensor) that seeds dropout.
  mlir::Value step;
  /// The non-trainable parameters a layer rewrites and their new values
  /// (BatchNormalization's moving statistics in training, a stateful
  /// recurrent layer's states); the step writes them back.
  std::vector<std::pair<mlir::Value, mlir::Value>> stateUpdates;
  /// Keras's masks: for a (batch, time, ...) value whose padded steps
  /// later layers skip, a (batch, time, 1) f32 tensor of 1 (a step) and
  /// 0 (padding). Embedding(mask_zero) makes one; Dropout passes it on; a
  /// recurrent layer skips the masked steps (and passes the mask on with
  /// return_sequences).
  std::vector<std::pair<mlir::Value, mlir::Value>> masks;
  /// The mask of `v`, or null.
  mlir::Value maskOf(mlir::Value v) const {
    for (const auto &[value, mask] : masks)
      if (value == v)
        return mask;
    return {};
  }
};

/// Whether Kiln knows the activation `name`: Keras's linear, relu, sigmoid,
/// hard_sigmoid (Keras 3's, slope 1/6), tanh, softmax, exponential, and
/// hard_sigmoid_keras2 (Keras 1 and 2's, slope 0.2; what their files'
/// "hard_sigmoid" loads as).
bool isActivation(const std::string &name);
/// The names isActivation accepts, comma-separated.
std::string activationNames();
/// Throws kiln::Error unless `name` is an activation Kiln knows.
void checkActivation(const std::string &name, const std::string &where);

} // namespace kiln

#endif // KILN_FRONTEND_EMITTER_H
