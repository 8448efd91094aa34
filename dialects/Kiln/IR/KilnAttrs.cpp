//===- KilnAttrs.cpp - Attributes of the kiln dialect ---------------------===//
#include "dialects/Kiln/IR/KilnAttrs.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <sstream>

using namespace mlir;
using namespace kiln;

#define GET_ATTRDEF_CLASSES
#include "dialects/Kiln/IR/KilnAttrs.cpp.inc"

LogicalResult
TargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                   StringAttr cpu, StringAttr features, int64_t vectorBits,
                   int64_t vectorRegisters, bool fma, int64_t l1,
                   int64_t l1Ways, int64_t l2, int64_t l3, int64_t threads) {
  if (!cpu || cpu.getValue().empty())
    return emitError() << "#kiln.target needs a CPU name";
  if (vectorBits != 128 && vectorBits != 256 && vectorBits != 512)
    return emitError() << "#kiln.target: vector_bits must be 128, 256 or 512, "
                          "not "
                       << vectorBits;
  if (vectorRegisters < 8 || vectorRegisters > 64)
    return emitError() << "#kiln.target: vector_registers must be in [8, 64], "
                          "not "
                       << vectorRegisters;
  if (l1 < 1024 || l2 < l1 || l3 < 0)
    return emitError() << "#kiln.target: caches must be l1 >= 1024 and l2 >= "
                          "l1 bytes (l1 = "
                       << l1 << ", l2 = " << l2 << ", l3 = " << l3 << ")";
  if (l1Ways < 1 || l1 / l1Ways < 64)
    return emitError() << "#kiln.target: l1_ways must be in [1, l1 / 64], "
                          "not "
                       << l1Ways;
  if (threads < 1 || threads > 1024)
    return emitError() << "#kiln.target: threads must be in [1, 1024], not "
                       << threads;
  return success();
}

LogicalResult
TilingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                   int64_t threads, ThreadSplit split, int64_t splitFromRows,
                   int64_t mr, int64_t nr, int64_t kc, int64_t nc,
                   PackB packB, bool imageByImage) {
  if (threads < 1 || threads > 1024)
    return emitError() << "#kiln.tiling: threads must be in [1, 1024], not "
                       << threads;
  if (splitFromRows < 0)
    return emitError() << "#kiln.tiling: split_from_rows must not be "
                          "negative";
  if (mr < 0 || nr < 0 || (mr == 0) != (nr == 0))
    return emitError() << "#kiln.tiling: mr and nr must both be positive "
                          "(a register tile) or both 0 (none)";
  if (kc < 0 || nc < 0)
    return emitError() << "#kiln.tiling: kc and nc must not be negative";
  if ((kc > 0 || nc > 0) && mr == 0)
    return emitError() << "#kiln.tiling: cache blocks need a register tile";
  if (nc > 0 && nc % nr != 0)
    return emitError() << "#kiln.tiling: nc (" << nc
                       << ") must be a multiple of nr (" << nr << ")";
  return success();
}

LogicalResult
OptimizerAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      OptimizerKind kind, APFloat learningRateValue,
                      APFloat momentumValue, bool nesterov, APFloat rhoValue,
                      APFloat beta1Value, APFloat beta2Value,
                      APFloat epsilonValue,
                      APFloat initialAccumulatorValueValue) {
  double learningRate = learningRateValue.convertToDouble(),
         momentum = momentumValue.convertToDouble(),
         rho = rhoValue.convertToDouble(), beta1 = beta1Value.convertToDouble(),
         beta2 = beta2Value.convertToDouble(),
         epsilon = epsilonValue.convertToDouble(),
         initialAccumulatorValue =
             initialAccumulatorValueValue.convertToDouble();
  auto inRange = [](double v, double lo, double hi) {
    return std::isfinite(v) && v >= lo && v <= hi;
  };
  // As written ("0.9", not "9.000000e-01").
  auto str = [](double v) {
    std::ostringstream os;
    os << v;
    return os.str();
  };
  if (!std::isfinite(learningRate) || learningRate < 0)
    return emitError() << "#kiln.optimizer: learning_rate must be a finite "
                          "number >= 0, not "
                       << str(learningRate);
  if (!inRange(momentum, 0, 1))
    return emitError() << "#kiln.optimizer: momentum must be in [0, 1], not "
                       << str(momentum);
  if (!inRange(rho, 0, 1) || !inRange(beta1, 0, 1) || !inRange(beta2, 0, 1))
    return emitError() << "#kiln.optimizer: rho, beta_1 and beta_2 must be in "
                          "[0, 1] (rho = "
                       << str(rho) << ", beta_1 = " << str(beta1)
                       << ", beta_2 = " << str(beta2) << ")";
  if (!std::isfinite(epsilon) || epsilon < 0)
    return emitError() << "#kiln.optimizer: epsilon must be a finite number "
                          ">= 0, not "
                       << str(epsilon);
  if (!std::isfinite(initialAccumulatorValue) || initialAccumulatorValue < 0)
    return emitError() << "#kiln.optimizer: initial_accumulator_value must be "
                          "a finite number >= 0, not "
                       << str(initialAccumulatorValue);
  return success();
}

unsigned OptimizerAttr::slots() const {
  switch (getKind()) {
  case OptimizerKind::sgd:
    return getMomentum().isZero() ? 0 : 1;
  case OptimizerKind::rmsprop:
  case OptimizerKind::adagrad:
    return 1;
  case OptimizerKind::adam:
    return 2;
  }
  return 0;
}

double OptimizerAttr::slotInitialValue() const {
  return getKind() == OptimizerKind::adagrad
             ? getInitialAccumulatorValue().convertToDouble()
             : 0.0;
}

void KilnDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Kiln/IR/KilnAttrs.cpp.inc"
      >();
}
