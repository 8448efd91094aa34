//===- Target.cpp - The machine code generation targets -------------------===//
#include "compiler/Codegen/Target.h"

#include "dialects/Kiln/IR/KilnAttrs.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/X86TargetParser.h"

#include <algorithm>
#include <thread>
#include <unistd.h>

using namespace mlir;

namespace kiln {
namespace {

bool isKnownCpu(StringRef cpu) {
  return llvm::X86::parseArchX86(cpu, /*Only64Bit=*/true) !=
         llvm::X86::CK_None;
}

/// The features LLVM gives `cpu` by default.
llvm::StringSet<> defaultFeatures(StringRef cpu) {
  SmallVector<StringRef> list;
  if (isKnownCpu(cpu))
    llvm::X86::getFeaturesForCPU(cpu, list);
  llvm::StringSet<> set;
  for (StringRef f : list)
    set.insert(f);
  return set;
}

/// The CPU's features with `diff` ("+a,-b") applied.
llvm::StringSet<> effectiveFeatures(StringRef cpu, StringRef diff) {
  llvm::StringSet<> set = defaultFeatures(cpu);
  SmallVector<StringRef> items;
  diff.split(items, ',', -1, /*KeepEmpty=*/false);
  for (StringRef item : items) {
    if (item.consume_front("+"))
      set.insert(item);
    else if (item.consume_front("-"))
      set.erase(item);
  }
  return set;
}

/// Vector facts from the enabled features.
void applyFeatures(CpuTarget &t, const llvm::StringSet<> &features) {
  t.vectorBits = 128;
  t.vectorRegisters = 16;
  if (features.contains("avx") || features.contains("avx2"))
    t.vectorBits = 256;
  if (features.contains("avx512f")) {
    t.vectorBits = 512;
    t.vectorRegisters = 32;
  }
  t.hasFma = features.contains("fma");
}

/// Per-core caches from sysconf (glibc reads them from cpuid / sysfs), and
/// every core.
void applyHostCaches(CpuTarget &t) {
  long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE);
  long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
  long ways = sysconf(_SC_LEVEL1_DCACHE_ASSOC);
  if (l1 >= 1024)
    t.l1Bytes = l1;
  if (l2 >= t.l1Bytes)
    t.l2Bytes = l2;
  if (l3 > 0)
    t.l3Bytes = l3;
  if (ways > 0 && t.l1Bytes / ways >= 64)
    t.l1Ways = ways;
  t.threads = std::clamp<int64_t>(std::thread::hardware_concurrency(), 1, 1024);
}

} // namespace

CpuTarget CpuTarget::host() {
  CpuTarget t;
  t.cpu = llvm::sys::getHostCPUName().str();
  // The host's features as differences from its CPU's defaults: short, and
  // exact where a hypervisor hides some of them.
  llvm::StringSet<> defaults = defaultFeatures(t.cpu);
  SmallVector<std::string> diff;
  for (const auto &f : llvm::sys::getHostCPUFeatures()) {
    bool byDefault = defaults.contains(f.first());
    if (f.second != byDefault)
      diff.push_back((f.second ? "+" : "-") + f.first().str());
  }
  llvm::sort(diff);
  t.features = llvm::join(diff, ",");
  applyFeatures(t, effectiveFeatures(t.cpu, t.features));
  applyHostCaches(t);
  return t;
}

FailureOr<CpuTarget> CpuTarget::forCpu(StringRef cpu) {
  if (cpu.empty() || cpu == "host" || cpu == "native")
    return host();
  if (!isKnownCpu(cpu))
    return failure();
  CpuTarget t;
  t.cpu = cpu.str();
  applyFeatures(t, defaultFeatures(cpu));
  applyHostCaches(t);
  return t;
}

std::string CpuTarget::describe() const {
  return cpu + ": " + std::to_string(vectorBits) + "-bit vectors x " +
         std::to_string(vectorRegisters) + (hasFma ? ", fma" : "") +
         ", L1 " + std::to_string(l1Bytes / 1024) + " KiB " +
         std::to_string(l1Ways) + "-way, L2 " +
         std::to_string(l2Bytes / 1024) + " KiB, " + std::to_string(threads) +
         " threads";
}

TargetAttr CpuTarget::toAttr(MLIRContext *context) const {
  StringAttr diff =
      features.empty() ? StringAttr() : StringAttr::get(context, features);
  return TargetAttr::get(context, StringAttr::get(context, cpu), diff,
                         vectorBits, vectorRegisters,
                         hasFma, l1Bytes, l1Ways, l2Bytes, l3Bytes, threads);
}

CpuTarget CpuTarget::fromAttr(TargetAttr attr) {
  CpuTarget t;
  t.cpu = attr.getCpu().str();
  if (attr.getFeatures())
    t.features = attr.getFeatures().str();
  t.vectorBits = attr.getVectorBits();
  t.vectorRegisters = attr.getVectorRegisters();
  t.hasFma = attr.getFma();
  t.l1Bytes = attr.getL1();
  t.l1Ways = attr.getL1Ways();
  t.l2Bytes = attr.getL2();
  t.l3Bytes = attr.getL3();
  t.threads = attr.getThreads();
  return t;
}

FailureOr<CpuTarget> targetOf(Operation *op, StringRef pass) {
  auto module = isa<ModuleOp>(op) ? cast<ModuleOp>(op)
                                  : op->getParentOfType<ModuleOp>();
  auto attr = module ? module->getAttrOfType<TargetAttr>(kTargetAttrName)
                     : TargetAttr();
  if (!attr)
    return op->emitError() << pass << " needs the module's " << kTargetAttrName
                           << " attribute (#kiln.target<...>): run "
                              "kiln-set-target first";
  return CpuTarget::fromAttr(attr);
}

} // namespace kiln
