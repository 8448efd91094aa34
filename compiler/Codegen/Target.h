//===- Target.h - The machine code generation targets -----------*- C++ -*-===//
//
// CpuTarget is the C++ view of the module's `#kiln.target` attribute: what
// the cost model and the passes know about the CPU. It is made once, from
// the detected host or a named LLVM CPU (`kiln-set-target`), and read back
// by every pass with `targetOf`.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_CODEGEN_TARGET_H
#define KILN_COMPILER_CODEGEN_TARGET_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace mlir {
class MLIRContext;
class Operation;
} // namespace mlir

namespace kiln {

class TargetAttr;

/// The module attribute that holds the target.
constexpr llvm::StringLiteral kTargetAttrName = "kiln.target";

struct CpuTarget {
  /// LLVM's CPU name and the features that differ from that CPU's own
  /// ("-avx512f,..." where a hypervisor hides AVX-512), comma-separated.
  std::string cpu = "x86-64";
  std::string features;
  /// Widest vector register the CPU has, in bits (128, 256 or 512).
  int64_t vectorBits = 128;
  /// Number of architectural vector registers (16, or 32 with AVX-512).
  int64_t vectorRegisters = 16;
  bool hasFma = false;
  /// Per-core data caches and the shared last level, in bytes.
  int64_t l1Bytes = 32 * 1024, l2Bytes = 1024 * 1024, l3Bytes = 8 << 20;
  /// Ways of the L1 data cache: addresses l1Bytes / l1Ways apart share a set.
  int64_t l1Ways = 8;
  /// Threads generated code may use (>= 1).
  int64_t threads = 1;

  /// f32 lanes in one vector register.
  int64_t lanes() const { return vectorBits / 32; }

  /// The host: CPU and features from LLVM, caches from sysconf, all cores.
  static CpuTarget host();
  /// A named LLVM x86-64 CPU ("x86-64", "x86-64-v3", "haswell", "znver4",
  /// "sapphirerapids", ...) with the host's caches and cores, or "host".
  /// Fails for a name LLVM does not know.
  static mlir::FailureOr<CpuTarget> forCpu(llvm::StringRef cpu);
  /// One line for logs and benchmark tables.
  std::string describe() const;

  TargetAttr toAttr(mlir::MLIRContext *context) const;
  static CpuTarget fromAttr(TargetAttr attr);
};

/// The target of the module that holds `op`. Fails, with an error on `op`
/// that names `pass`, when the module has no `kiln.target`.
mlir::FailureOr<CpuTarget> targetOf(mlir::Operation *op, llvm::StringRef pass);

} // namespace kiln

#endif // KILN_COMPILER_CODEGEN_TARGET_H
