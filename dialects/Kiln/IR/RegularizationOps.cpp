//===- RegularizationOps.cpp - Training-only ops and collectives -----------===//
#include "dialects/Kiln/IR/KilnOps.h"

using namespace mlir;
using namespace kiln;

LogicalResult DropoutOp::verify() {
  float rate = getRate().convertToFloat();
  // rate = 1 would scale by infinity; Keras refuses it too.
  if (!(rate >= 0.0f && rate < 1.0f))
    return emitOpError("rate must be in [0, 1), got ") << rate;
  return success();
}

LogicalResult AllReduceOp::verify() {
  // A bucket is a flat buffer the runtime reduces in place.
  auto type = cast<RankedTensorType>(getInput().getType());
  if (type.getRank() != 1 || !type.hasStaticShape() ||
      !type.getElementType().isF32())
    return emitOpError("reduces a static 1-D f32 bucket, got ") << type;
  return success();
}
