//===- KilnDialect.cpp - The kiln dialect ---------------------------------===//
#include "dialects/Kiln/IR/KilnDialect.h"
#include "dialects/Kiln/IR/KilnAttrs.h"
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace kiln;

#include "dialects/Kiln/IR/KilnDialect.cpp.inc"
#include "dialects/Kiln/IR/KilnEnums.cpp.inc"
#include "dialects/Kiln/IR/KilnInterfaces.cpp.inc"

namespace {
/// Every kiln op is pure and region-free, so any of them may be inlined: the
/// loss is inlined into the step functions and @forward into @loss.
struct KilnInlinerInterface : public DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void KilnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Kiln/IR/KilnOps.cpp.inc"
      >();
  registerAttributes();
  addInterfaces<KilnInlinerInterface>();
}
