//===- KilnAttrs.td - Attributes of code generation --------*- tablegen -*-===//
//
// What code generation reads: the machine it targets (`#kiln.target`, one on
// the module) and the strategy chosen for each op (`#kiln.tiling`); and what
// training reads: the optimizer (`#kiln.optimizer`, one on the module). All
// are data in the IR, so a lit test or a user states them by writing the
// attribute.
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

//===----------------------------------------------------------------------===//
// Strategy
//===----------------------------------------------------------------------===//

def Kiln_ThreadSplit : I32EnumAttr<"ThreadSplit",
    "how a kernel's work is split over the threads", [
    I32EnumAttrCase<"rows", 0>,
    I32EnumAttrCase<"columns", 1>,
    I32EnumAttrCase<"batch", 2>,
    I32EnumAttrCase<"reduction", 3>
  ]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_PackB : I32EnumAttr<"PackB",
    "whether a cache-blocked matmul packs its blocks of B", [
    I32EnumAttrCase<"never", 0>,
    I32EnumAttrCase<"always", 1>,
    I32EnumAttrCase<"by_rows", 2>
  ]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_TilingAttr : Kiln_Attr<"Tiling", "tiling"> {
  let summary = "how code generation tiles one kernel";
  let description = [{
    `kiln-select-tiling` writes one `kiln.tiling` on each root of a tiled
    kernel (a matmul, a convolution or pooling and their gradients, a sum
    into a small output): every decision the cost model makes, so that the
    transforms that carry it out decide nothing. Written by hand, it
    overrides the cost model for that op.

    - `threads`, `split`: the kernel runs on `threads` threads, each a chunk
      of whole register tiles of the `rows` (M) or `columns` (N), of the
      `batch` (the outermost output dimension of a window), or of the
      `reduction` (one partial sum per thread, merged after);
      `split_from_rows > 0` splits a dynamic batch only from that many rows
      on (decided at run time), else runs it on the calling thread.
    - `mr`, `nr`: the register tile, rows of A and columns of B per outer
      product step (0: a sum that is only split over the threads).
    - `kc`, `nc`: cache blocks of K and N (0: not blocked); `pack_b`
      copies each block of B into panels `always`, `never`, or `by_rows`
      (a dynamic batch gets both versions and picks at run time).
    - `image_by_image`: a windowed kernel that sums over the batch reduces
      one image at a time into its output tile.

    ```mlir
    %0 = linalg.matmul {kiln.tiling = #kiln.tiling<threads = 2,
        split = columns, mr = 4, nr = 16, kc = 392, nc = 1024,
        pack_b = by_rows>} ins(%x, %w : ...) outs(%b : ...)
    ```
  }];
  let parameters = (ins
    DefaultValuedParameter<"int64_t", "1", "threads">:$threads,
    DefaultValuedParameter<"::kiln::ThreadSplit", "::kiln::ThreadSplit::rows",
      "the dimension split over the threads">:$split,
    DefaultValuedParameter<"int64_t", "0",
      "rows from which a dynamic batch is split">:$split_from_rows,
    DefaultValuedParameter<"int64_t", "0", "register tile rows">:$mr,
    DefaultValuedParameter<"int64_t", "0", "register tile columns">:$nr,
    DefaultValuedParameter<"int64_t", "0", "cache block of K">:$kc,
    DefaultValuedParameter<"int64_t", "0", "cache block of N">:$nc,
    DefaultValuedParameter<"::kiln::PackB", "::kiln::PackB::never",
      "packing of B's blocks">:$pack_b,
    DefaultValuedParameter<"bool", "false",
      "reduce a batch image by image">:$image_by_image
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Training
//===----------------------------------------------------------------------===//

def Kiln_OptimizerKind : I32EnumAttr<"OptimizerKind",
    "a Keras optimizer", [
    I32EnumAttrCase<"sgd", 0>,
    I32EnumAttrCase<"rmsprop", 1>,
    I32EnumAttrCase<"adam", 2>,
    I32EnumAttrCase<"adagrad", 3>
  ]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_OptimizerAttr : Kiln_Attr<"Optimizer", "optimizer"> {
  let summary = "the optimizer a model trains with, and its hyper-parameters";
  let description = [{
    `kiln-make-steps` builds `train_step`'s update from the `kiln.optimizer`
    attribute of the module, with Keras 3's names and defaults for the
    hyper-parameters that are not written. `learning_rate` is the starting
    value only: the step reads the current learning rate from its
    `learning_rate` argument at every call, so a schedule changes it without
    recompiling. The kind decides the optimizer state per trainable
    parameter (see `slots()`): SGD with momentum a velocity, RMSprop a
    velocity, Adam a momentum and a velocity, Adagrad an accumulator that
    starts at `initial_accumulator_value`.

    ```mlir
    module attributes {kiln.optimizer = #kiln.optimizer<kind = adam,
        learning_rate = 1.000000e-03, beta_2 = 9.900000e-01>} {
    ```
  }];
  let parameters = (ins
    "::kiln::OptimizerKind":$kind,
    APFloatParameter<"the starting learning rate">:$learning_rate,
    DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(0.0)", "SGD momentum">:$momentum,
    DefaultValuedParameter<"bool", "false", "SGD Nesterov momentum">:$nesterov,
    DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(0.9)", "RMSprop decay">:$rho,
    DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(0.9)", "Adam beta_1">:$beta_1,
    DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(0.999)", "Adam beta_2">:$beta_2,
    DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(1e-7)", "epsilon">:$epsilon,
    DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(0.1)",
      "Adagrad's accumulator start">:$initial_accumulator_value
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Optimizer state buffers per trainable parameter.
    unsigned slots() const;
    /// The value every state buffer starts at.
    double slotInitialValue() const;
    /// The module attribute `kiln-make-steps` reads.
    static constexpr ::llvm::StringLiteral kAttrName = "kiln.optimizer";
  }];
}

#endif // KILN_ATTRS_TD
