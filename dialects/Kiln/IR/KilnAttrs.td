//===- KilnAttrs.td - Attributes of code generation --------*- tablegen -*-===//
//
// What code generation reads: the machine it targets (`#kiln.target`, one on
// the module) and, later, the strategy chosen for each op. Both are data in
// the IR, so a lit test or a user states them by writing the attribute.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_ATTRS_TD
#define KILN_ATTRS_TD

include "dialects/Kiln/IR/KilnBase.td"
include "mlir/IR/AttrTypeBase.td"

class Kiln_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Kiln_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Kiln_TargetAttr : Kiln_Attr<"Target", "target"> {
  let summary = "the CPU, caches and threads code generation targets";
  let description = [{
    Every code generation pass reads the target from the `kiln.target`
    attribute of the enclosing module; `kiln-set-target` writes it (the
    detected host, or a named LLVM CPU). `cpu` and `features` are what LLVM
    compiles for: `features` lists only the differences from the CPU's own
    (a hypervisor may hide AVX-512 from a CPU that has it: `-avx512f,...`).
    The other fields are what the cost model knows: vector width and
    registers, per-core L1 and L2 data caches and the last level, in bytes,
    L1 ways (addresses `l1 / l1_ways` apart share a set), and the threads
    parallel loops use (1: none).

    ```mlir
    module attributes {kiln.target = #kiln.target<cpu = "haswell",
        vector_bits = 256, vector_registers = 16, fma = true, l1 = 32768,
        l1_ways = 8, l2 = 1048576, l3 = 8388608, threads = 2>} {
    ```
  }];
  let parameters = (ins
    "::mlir::StringAttr":$cpu,
    OptionalParameter<"::mlir::StringAttr",
      "LLVM features that differ from the CPU's, comma-separated">:$features,
    "int64_t":$vector_bits,
    "int64_t":$vector_registers,
    DefaultValuedParameter<"bool", "false", "fused multiply-add">:$fma,
    "int64_t":$l1,
    DefaultValuedParameter<"int64_t", "8", "L1 ways">:$l1_ways,
    "int64_t":$l2,
    DefaultValuedParameter<"int64_t", "8388608", "last-level cache">:$l3,
    DefaultValuedParameter<"int64_t", "1", "threads">:$threads
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // KILN_ATTRS_TD
