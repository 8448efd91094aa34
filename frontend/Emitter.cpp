// The bridge from layers to kiln IR.
#include "frontend/Emitter.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "runtime/Error.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace kiln {

static const char *const kActivations[] = {
    "linear", "relu", "sigmoid", "hard_sigmoid", "hard_sigmoid_keras2",
    "tanh", "softmax", "exponential"};

bool isActivation(const std::string &name) {
  for (const char *known : kActivations)
    if (name == known)
      return true;
  return false;
}

std::string activationNames() {
  std::string names;
  for (const char *known : kActivations)
    names += (names.empty() ? "" : ", ") + std::string(known);
  return names;
}

void checkActivation(const std::string &name, const std::string &where) {
  if (!isActivation(name))
    throwError(where, "unknown activation '", name, "'; expected one of: ",
               activationNames());
}

Shape Emitter::shapeOf(Sym s) {
  auto t = mlir::cast<mlir::RankedTensorType>(value(s).getType());
  Shape shape;
  for (int64_t d : t.getShape())
    shape.push_back(mlir::ShapedType::isDynamic(d) ? -1 : d);
  return shape;
}

mlir::RankedTensorType Emitter::tensorType(const Shape &shape, mlir::Type element) {
  llvm::SmallVector<int64_t> dims;
  for (int64_t d : shape)
    dims.push_back(d < 0 ? mlir::ShapedType::kDynamic : d);
  return mlir::RankedTensorType::get(dims, element ? element : b.getF32Type());
}

Sym Emitter::reshape(Sym x, const Shape &shape) {
  if (shapeOf(x) == shape)
    return x;
  return sym(ReshapeOp::create(b, loc, tensorType(shape), value(x)));
}

mlir::Value Emitter::scalar(double v) {
  auto type = tensorType({});
  return mlir::arith::ConstantOp::create(
      b, loc, type, mlir::DenseElementsAttr::get(type, llvm::ArrayRef<float>{float(v)}));
}

Sym Emitter::activation(const std::string &name, Sym x) {
  mlir::Value v = value(x);
  if (name == "linear")
    return x;
  if (name == "relu")
    return sym(ReluOp::create(b, loc, v));
  if (name == "sigmoid")
    return sym(SigmoidOp::create(b, loc, v));
  if (name == "tanh")
    return sym(TanhOp::create(b, loc, v));
  // Keras 3: relu6(x + 3) / 6; Keras 1 and 2: clip(0.2 x + 0.5, 0, 1).
  if (name == "hard_sigmoid" || name == "hard_sigmoid_keras2")
    return sym(HardSigmoidOp::create(
        b, loc, v, b.getF32FloatAttr(name == "hard_sigmoid" ? 1.0f / 6.0f : 0.2f)));
  if (name == "exponential")
    return sym(ExpOp::create(b, loc, v));
  if (name == "softmax")
    return sym(SoftmaxOp::create(b, loc, v, b.getI64IntegerAttr(-1)));
  throwError("unknown activation '", name, "'; expected one of: ",
             activationNames());
}

} // namespace kiln
