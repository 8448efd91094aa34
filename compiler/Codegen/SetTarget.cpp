//===- SetTarget.cpp - kiln-set-target: the module's #kiln.target ---------===//
#include "compiler/Codegen/Passes.h"
#include "compiler/Transforms/PassOptionErrors.h"
#include "compiler/Codegen/Target.h"
#include "dialects/Kiln/IR/KilnAttrs.h"

#include "mlir/IR/BuiltinOps.h"

namespace kiln {
#define GEN_PASS_DEF_KILNSETTARGETPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

struct KilnSetTargetPass
    : public NamesBadOptionValues<
          impl::KilnSetTargetPassBase<KilnSetTargetPass>> {
  using NamesBadOptionValues::NamesBadOptionValues;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (ifMissing && module->hasAttr(kTargetAttrName))
      return;
    FailureOr<CpuTarget> made = makeTarget();
    if (failed(made))
      return signalPassFailure();
    module->setAttr(kTargetAttrName, made->toAttr(&getContext()));
  }

  /// The target the options describe, or an error naming the bad option.
  FailureOr<CpuTarget> makeTarget() {
    ModuleOp module = getOperation();
    auto fail = [&](const Twine &message) {
      module.emitError() << "kiln-set-target: " << message;
      return failure();
    };
    FailureOr<CpuTarget> target = CpuTarget::forCpu(cpu);
    if (failed(target))
      return fail("unknown CPU '" + cpu +
                  "' (host, or an LLVM x86-64 CPU name: x86-64, x86-64-v3, "
                  "haswell, znver4, sapphirerapids, ...)");
    if (threads < 0)
      return fail("threads must be 0 (all cores) or more, not " +
                  Twine(threads));
    if (threads > 1024)
      return fail("threads must be at most 1024, not " + Twine(threads));
    if (threads > 0)
      target->threads = threads;
    if (vectorBits != 0) {
      if (vectorBits != 128 && vectorBits != 256 && vectorBits != 512)
        return fail("vector-bits must be 0, 128, 256 or 512, not " +
                    Twine(vectorBits));
      if (vectorBits > target->vectorBits)
        return fail("vector-bits=" + Twine(vectorBits) + " is wider than " +
                    target->cpu + "'s " + Twine(target->vectorBits) +
                    "-bit vectors");
      target->vectorBits = vectorBits;
    }
    if (l1Kib < 0 || l2Kib < 0 || l1Ways < 0)
      return fail("l1-kib, l2-kib and l1-ways must not be negative");
    if (l1Kib > 0)
      target->l1Bytes = l1Kib * 1024;
    if (l2Kib > 0)
      target->l2Bytes = l2Kib * 1024;
    if (l1Ways > 0)
      target->l1Ways = l1Ways;
    if (target->l2Bytes < target->l1Bytes)
      return fail("the L2 cache (" + Twine(target->l2Bytes / 1024) +
                  " KiB) is smaller than the L1 (" +
                  Twine(target->l1Bytes / 1024) + " KiB)");
    if (target->l1Bytes / target->l1Ways < 64)
      return fail("l1-ways=" + Twine(target->l1Ways) +
                  " leaves less than a 64-byte line per set");
    return target;
  }
};

} // namespace
} // namespace kiln
