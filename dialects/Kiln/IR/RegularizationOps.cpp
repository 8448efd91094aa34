//===- RegularizationOps.cpp - Training-only ops --------------------------===//
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
