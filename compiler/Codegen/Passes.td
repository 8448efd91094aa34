//===- Passes.td - Kiln code generation ---------------------*- tablegen -*-===//
//
// Passes grouped as: the target, tensor-level code generation (tiling,
// vectorization) and buffer-level (after one-shot bufferization). Every
// pass reads the machine from the module's #kiln.target.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_PASSES_TD
#define KILN_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Target
//===----------------------------------------------------------------------===//

def KilnSetTargetPass : Pass<"kiln-set-target", "mlir::ModuleOp"> {
  let summary = "Write the machine code generation targets on the module";
  let description = [{
    Sets the module's `kiln.target` attribute, which every code generation
    pass reads: the detected host (`cpu=host`, the default) or a named LLVM
    x86-64 CPU (`x86-64`, `x86-64-v3`, `haswell`, `znver4`,
    `sapphirerapids`, ...), with the host's caches and cores unless the
    options say otherwise. With `if-missing`, a module that already has a
    target (written by hand, or by an earlier stage) keeps it.

    ```mlir
    module { ... }
    // kiln-set-target="cpu=haswell threads=2 l1-kib=32 l2-kib=1024" gives
    module attributes {kiln.target = #kiln.target<cpu = "haswell",
        vector_bits = 256, vector_registers = 16, fma = true, l1 = 32768,
        l1_ways = 8, l2 = 1048576, l3 = ..., threads = 2>} { ... }
    ```
  }];
  let options = [
    Option<"cpu", "cpu", "std::string", /*default=*/"\"host\"",
           "target CPU: host (detected), or an LLVM x86-64 CPU name">,
    Option<"threads", "threads", "int64_t", /*default=*/"0",
           "threads of parallel loops: 0 = all cores, 1 = none">,
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"0",
           "vector width in bits (128, 256, 512); 0 takes the CPU's widest">,
    Option<"l1Kib", "l1-kib", "int64_t", /*default=*/"0",
           "per-core L1 data cache in KiB; 0 takes the host's">,
    Option<"l2Kib", "l2-kib", "int64_t", /*default=*/"0",
           "per-core L2 cache in KiB; 0 takes the host's">,
    Option<"l1Ways", "l1-ways", "int64_t", /*default=*/"0",
           "ways of the L1 data cache; 0 takes the host's">,
    Option<"ifMissing", "if-missing", "bool", /*default=*/"false",
           "keep a target the module already has">,
  ];
  let dependentDialects = ["kiln::KilnDialect"];
}

//===----------------------------------------------------------------------===//
// Tensor-level code generation
//===----------------------------------------------------------------------===//

def KilnSelectTilingPass : Pass<"kiln-select-tiling", "mlir::func::FuncOp"> {
  let summary = "Decide how each kernel is tiled, as a #kiln.tiling attribute";
  let description = [{
    The strategy of kiln-tile: for every kernel at function level (a
    matmul, a windowed reduction such as a convolution, a pooling or their
    gradients, or a sum into an output too small to split over the
    threads), the cost model's choices for the module's #kiln.target are
    written as a `kiln.tiling` attribute: threads and the dimension split
    over them (a dynamic batch from how many rows), the register tile,
    cache blocks of K and N and whether B is packed (`by_rows`: both
    versions, picked at run time), and whether a kernel that sums over the
    batch reduces image by image. kiln-tile carries it out and decides
    nothing. An op that already has a `kiln.tiling` (written by hand)
    keeps it. `-debug-only=kiln-select-tiling` prints each decision.

    ```mlir
    %0 = linalg.matmul ins(%x, %w : tensor<?x784xf32>, tensor<784x300xf32>)
                       outs(%b : tensor<?x300xf32>) -> tensor<?x300xf32>
    // becomes, on an AVX2 target with two threads
    %0 = linalg.matmul {kiln.tiling = #kiln.tiling<threads = 2,
        split = columns, mr = 4, nr = 16, kc = 392, pack_b = by_rows>}
        ins(...) outs(...) -> tensor<?x300xf32>
    ```
  }];
  let dependentDialects = ["kiln::KilnDialect"];
}

def KilnContiguousBPass : Pass<"kiln-contiguous-b", "mlir::func::FuncOp"> {
  let summary = "Make the kernels' contractions read B by rows";
  let description = [{
    Runs after kiln-select-tiling, before kiln-tile. A kernel (an op with a
    `#kiln.tiling`) that is a 2-D contraction reading B transposed,
    C += A * B^T with B indexed (n, k) (the input gradient of a dense
    layer), reads a `linalg.transpose` of B made just before it instead:
    kiln-tile's register tiles then load contiguous rows of B, and the
    transpose is tiled and vectorized like any other op. Nothing else
    changes (no folding). The transform is `kiln::makeBContiguous`
    (compiler/Codegen/ContiguousB.h).

    ```mlir
    %dx = linalg.matmul indexing_maps = [(m, n, k) -> (m, k),
        (m, n, k) -> (n, k), (m, n, k) -> (m, n)] ins(%dy, %w) ...
    // becomes
    %t = linalg.transpose ins(%w) outs(%e) permutation = [1, 0]
    %dx = linalg.matmul indexing_maps = [(m, n, k) -> (m, k),
        (m, n, k) -> (k, n), (m, n, k) -> (m, n)] ins(%dy, %t) ...
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def KilnTilePass : Pass<"kiln-tile", "mlir::func::FuncOp"> {
  let summary = "Tile and fuse linalg on tensors for the target CPU";
  let description = [{
    Tiles every linalg op of a function on tensors so that what is left
    inside the tiles has the sizes of vectors (kiln-vectorize-tiles then
    vectorizes them), through upstream machinery only (TilingInterface
    tile-and-fuse, loop peeling):

    * Contractions (matmul with contiguous rows of B: kiln-contiguous-b
      runs first) become register-tiled outer-product kernels. The root of
      the tiled loop nest is the last op of the epilogue chain: the init
      (bias broadcast or zero fill) and elementwise consumers (activation,
      activation gradient, optimizer update) are fused into the tile, so the
      accumulators never leave registers in between. Tile sizes, threads,
      cache blocks and packing are the kernel's `#kiln.tiling`
      (kiln-select-tiling, or written by hand); a kernel without one is an
      error.
    * With cache blocks (kc, nc), each kc x nc block of B is packed into
      contiguous nr-wide panels once for all the register tiles that read
      it (`pack_b`); the accumulators then start from C, and the init and
      epilogue run as passes of their own.
    * With `threads` > 1 the outer loop is an `scf.forall` over that many
      chunks (lowered to OpenMP by kiln-lower-to-llvm); a sum split along a
      reduction gets one partial result per thread, merged after.
    * Tiles are peeled so that full tiles are static; the partial tiles at
      the edges (N = 300, 100 or 10 with 16- or 32-wide vectors, or a ragged
      last batch) are left for masked vectors.
    * Every other linalg op is tiled to one vector along its innermost
      dimension (parallel loops outside, reductions inside).

    The example shows the result after kiln-vectorize-tiles.

    ```mlir
    %b = linalg.generic {bias broadcast} -> tensor<?x300xf32>
    %h = linalg.matmul ins(%x, %w) outs(%b)
    %a = linalg.generic {relu} ins(%h)
    // becomes
    %a = scf.forall (%j) in (2) shared_outs(...) {      // columns per thread
      scf.for %i ... step 8 {                            // full row tiles
        scf.for %jj ... step 32 {                        // full column tiles
          %acc0 = vector.transfer_read %bias ...         // bias, broadcast
          %acc = scf.for %k = 0 to 784 iter_args(%c = %acc0) {
            vector.contract ... vector<8x1xf32>, vector<1x32xf32>
          }
          %r = arith.maximumf %acc, %zero : vector<8x32xf32>
          vector.transfer_write %r ...
        }
        scf.for ... { masked column tile }               // 300 = 9 * 32 + 12
      }
      scf.for ... { masked row tiles }                   // a ragged batch
    }
    ```
  }];
  let dependentDialects = [
    "mlir::affine::AffineDialect", "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect", "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect", "mlir::vector::VectorDialect",
    "mlir::math::MathDialect"
  ];
}

def KilnVectorizeTilesPass
    : Pass<"kiln-vectorize-tiles", "mlir::func::FuncOp"> {
  let summary = "Vectorize kiln-tile's tiles and keep accumulators in registers";
  let description = [{
    Runs right after kiln-tile. Every linalg op is vectorized with the
    vector sizes of its tile (masked where the tile is partial); then the
    accumulators of every loop that carries a tensor read and written as
    vectors (the K loop of a register tile, a row's statistics) are hoisted
    out of it, so the loop carries vectors (`scf.for ... iter_args(%acc =
    ...) -> vector<8x32xf32>`); long chains of dependent accumulations are
    split into independent partial accumulators that are summed after the
    loop; and the masks of transfers become their mask operands.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect", "mlir::vector::VectorDialect",
    "mlir::math::MathDialect"
  ];
}

//===----------------------------------------------------------------------===//
// Buffer-level
//===----------------------------------------------------------------------===//

def KilnLowerVectorsPass : Pass<"kiln-lower-vectors", "mlir::func::FuncOp"> {
  let summary = "Lower kiln-tile's vector code to 1-D vector operations";
  let description = [{
    Runs after bufferization, before `convert-vector-to-llvm`, in stages so
    that each pattern sees the form it expects:

    1. `vector.contract` becomes outer products and then `vector.fma` on
       rows of the accumulator (one FMA per row and k step: the register
       kernel); masked transfers become transfers with a mask operand;
       transfer permutation maps become broadcasts and transposes;
       multi-reductions, shape casts, broadcasts and transposes are lowered;
       f32 `math` functions (exp, log, tanh, ...) get polynomial
       approximations, so that they stay vectorized instead of becoming one
       libm call per lane.
    2. n-D transfers are fully unrolled into 1-D ones (VectorToSCF).
    3. 1-D transfers become `vector.load`/`vector.store` (masked where the
       mask is not all-true) plus broadcasts.

    ```mlir
    %c = vector.contract {...} %a, %b, %acc
        : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
    // becomes, for each row i:
    %ai = vector.extract %a[i, 0] : f32 from vector<8x1xf32>
    %bi = vector.broadcast %ai : f32 to vector<32xf32>
    %ci = vector.fma %bi, %b0, %acc_i : vector<32xf32>
    ```
  }];
  let dependentDialects = [
    "mlir::vector::VectorDialect", "mlir::scf::SCFDialect",
    "mlir::memref::MemRefDialect", "mlir::arith::ArithDialect",
    "mlir::math::MathDialect"
  ];
}

def KilnHoistBuffersPass : Pass<"kiln-hoist-buffers", "mlir::func::FuncOp"> {
  let summary = "Move static temporaries out of sequential loops";
  let description = [{
    Runs right after one-shot bufferization, before deallocation is
    inserted. A `memref.alloc` of static shape inside `scf.for` loops (the
    temporary of a tile, such as the row statistics of a softmax tile) moves
    before the outermost of those loops, so that it is allocated once per
    step instead of once per tile. It never leaves an `scf.forall` or
    `scf.parallel` body: each thread keeps its own temporary. Upstream
    buffer-loop-hoisting treats parallel loops as loops too, which would
    share one temporary between threads.

    ```mlir
    scf.for %i = ... {
      %t = memref.alloc() : memref<8xf32>
      ...
    }
    // becomes
    %t = memref.alloc() : memref<8xf32>
    scf.for %i = ... { ... }
    ```
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def KilnGpuParallelDimsFirstPass
    : Pass<"kiln-gpu-parallel-dims-first", "mlir::func::FuncOp"> {
  let summary = "Parallel loops outside reductions, so each becomes one kernel";
  let description = [{
    For kiln-gpu-map, before convert-linalg-to-parallel-loops: a
    `linalg.generic` whose reduction dimensions come before parallel ones
    (a bias gradient, the sum over the batch of each unit's values) would
    become a sequential loop on the host launching one kernel per
    iteration. Its dimensions are interchanged so the parallel ones come
    first: one kernel whose threads each loop over the reduction, in the
    same order as before.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def KilnGpuSerialKernelsPass
    : Pass<"kiln-gpu-serial-kernels", "mlir::func::FuncOp"> {
  let summary = "A step's host loops over GPU temporaries as one-thread kernels";
  let description = [{
    For kiln-gpu-map, after convert-linalg-to-parallel-loops: what a
    bufferized step still computes on the host (full reductions such as the
    loss and the accuracy, which have no parallel loop, and the scalar
    copies into the results) would make the host read buffers the kernels
    wrote, moving their pages between the GPU and the host at every step.
    Each run of consecutive top-level loads, stores, sequential loops and
    scalar arithmetic whose values stay inside it, and that loops or reads
    a `gpu.alloc` temporary, is wrapped in a one-iteration `scf.parallel`:
    it becomes a kernel of one working thread, so the host code only
    allocates and launches. Loads whose values the host needs later (the
    learning rate, the step counter) stay where they are.

    ```mlir
    %s = memref.load %sum[] : memref<f32>
    %m = arith.divf %s, %n : f32
    memref.store %m, %mean[] : memref<f32>
    // becomes
    scf.parallel (%i) = (%c0) to (%c1) step (%c1) {
      %s = memref.load %sum[] : memref<f32>
      %m = arith.divf %s, %n : f32
      memref.store %m, %mean[] : memref<f32>
    }
    ```
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect"];
}

def KilnGpuHostSyncsPass
    : Pass<"kiln-gpu-host-syncs", "mlir::ModuleOp"> {
  let summary = "Waits for the GPU only where the host reads what kernels use";
  let description = [{
    For kiln-gpu-map, after outlining: the runtime makes a step's launches
    asynchronous on its thread's stream (runtime/gpu: the synchronization
    the lowering puts after each launch waits for nothing) and waits once,
    after the step. Where the host itself loads, stores or copies a buffer
    that a kernel launched before it (in program order, or in an earlier
    iteration of an enclosing loop) may use (the same buffer through any
    view), this pass inserts `call @kiln_gpu_synchronize()` before the
    access. Host-only scalars (the learning rate, the step counter) cost no
    wait.

    ```mlir
    gpu.launch_func @k::@k ... args(%t : memref<f32>)
    %v = memref.load %t[] : memref<f32>
    // becomes
    gpu.launch_func @k::@k ... args(%t : memref<f32>)
    call @kiln_gpu_synchronize() : () -> ()
    %v = memref.load %t[] : memref<f32>
    ```
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def KilnGpuMergeModulesPass
    : Pass<"kiln-gpu-merge-modules", "mlir::ModuleOp"> {
  let summary = "One gpu.module for the kernels each host function launches";
  let description = [{
    For kiln-gpu-map, after outlining: the kernels a function launches move
    from their one-kernel modules into one `gpu.module @<function>_kernels`,
    each renamed after the module it came from, and the launches follow.
    Serializing a module costs an LLVM target machine and a PTX module, and
    loading one a driver call, whatever its size: the CNN's steps go from
    132 modules to 3. A module some other function also launches, or one
    holding more than its one kernel or carrying attributes, stays.

    ```mlir
    gpu.launch_func @train_step_kernel::@train_step_kernel ...
    gpu.launch_func @train_step_kernel_0::@train_step_kernel ...
    // becomes
    gpu.launch_func @train_step_kernels::@train_step_kernel ...
    gpu.launch_func @train_step_kernels::@train_step_kernel_0 ...
    ```
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def KilnGpuSharedAllocsPass
    : Pass<"kiln-gpu-shared-allocs", "mlir::ModuleOp"> {
  let summary = "A step's temporaries in memory both the host and the GPU reach";
  let description = [{
    For kiln-to-nvvm: the buffers a bufferized step allocates become
    `gpu.alloc host_shared` (CUDA managed memory), so the outlined kernels
    and the host code between them (scalar reductions, the optimizer's bias
    correction) read and write the same temporaries. Their deallocations
    call the runtime's `kiln_gpu_free` with the buffer's address
    (upstream's `gpu.dealloc` lowers only in async form, which managed
    allocations cannot take).

    ```mlir
    %t = memref.alloc(%n) : memref<?x300xf32>
    memref.dealloc %t : memref<?x300xf32>
    // becomes
    %t = gpu.alloc host_shared (%n) : memref<?x300xf32>
    %p = memref.extract_aligned_pointer_as_index %t : memref<?x300xf32> -> index
    %a = arith.index_cast %p : index to i64
    call @kiln_gpu_free(%a) : (i64) -> ()
    ```
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect", "mlir::memref::MemRefDialect"];
}

def KilnGpuBlockReductionsPass
    : Pass<"kiln-gpu-block-reductions", "mlir::func::FuncOp"> {
  let summary = "Full reductions as one block's tree reduction in shared memory";
  let description = [{
    For kiln-gpu-map, on buffers, before convert-linalg-to-parallel-loops:
    a `linalg.generic` whose loops are all reductions into a 0-d output,
    with a body that yields `combine(x, out)` (`arith.addf`, `addi`,
    `maximumf`, `minimumf`, `maxnumf`, `minnumf`) and uses `out` nowhere
    else, becomes one `gpu.launch` of 256 threads. Each thread folds every
    256th element into a partial that starts at the combiner's identity
    (the body cloned, with the partial for `out`), the partials are
    combined in a tree in shared memory (a `gpu.barrier` after each of the
    8 halvings), and thread 0 combines the total with the output's value.
    The loss's and the metrics' sums over the batch were host loops run as
    one-thread kernels before.

    ```mlir
    linalg.generic {iterator_types = ["reduction"]} ins(%l : memref<?xf32>)
        outs(%sum : memref<f32>) { ... arith.addf %out, %x ... }
    // becomes
    gpu.launch blocks(...) in (%c1, %c1, %c1) threads(...) in (%c256, %c1, %c1)
        workgroup(%p : memref<256xf32, #gpu.address_space<workgroup>>) {
      %part = scf.for %i = %tx to %n step %c256 iter_args(%a = %zero) ...
      memref.store %part, %p[%tx]; gpu.barrier
      scf.if (%tx < 128) { %p[%tx] = %p[%tx] + %p[%tx + 128] }; gpu.barrier
      ...
      scf.if (%tx == 0) { %sum[] = %p[0] + %sum[] }
    }
    ```
  }];
  let options = [
    Option<"emulate", "emulate", "bool", /*default=*/"false",
           "for tests on the CPU: the same kernel as loops, each phase "
           "between barriers run for every thread in turn">,
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect", "mlir::memref::MemRefDialect"];
}

def KilnGpuTileContractionsPass
    : Pass<"kiln-gpu-tile-contractions", "mlir::func::FuncOp"> {
  let summary = "Contractions as shared-memory tiled GEMM kernels";
  let description = [{
    For kiln-gpu-map, on buffers, before convert-linalg-to-parallel-loops:
    each linalg op whose body is `out += a * b` (matmul in any
    transposition, batch matmul, a convolution as an implicit GEMM, their
    gradients) becomes one `gpu.launch` of 16x16-thread blocks. The loop
    dimensions used by the first input only are M (block x), by the second
    only N (block y), by both the batch (block z), and the reductions K.
    Each block owns a (16 TM) x (16 TN) tile of the output and each thread
    TM x TN accumulators; per K tile of 16 the block stages both inputs'
    tiles in shared memory (workgroup attributions), coalesced along each
    operand's contiguous dimension (4 elements with one 16-byte
    `vector.load` where that dimension's size is a multiple of 4 and the
    tile has a group of 4 for every thread), between two `gpu.barrier`s.
    TM and TN
    (1, 2, 4 or 8) come from a cost model: the smallest tile that covers a
    short dimension, halved while the grid has fewer blocks than the chip's
    multiprocessors. A dynamic extent counts as `assumed-extent`. The sums
    start from 0 and the output's value is added as they are stored.

    With `precision=tf32` an f32 contraction whose tile has 4 or more
    accumulators a thread runs on tensor cores: the 8 warps split the tile,
    each loading its A (16x8) and B (8x8) fragments from the same shared
    tiles (rows padded to 8 more than a multiple of 32), rounding them with
    `nvvm.convert.float.to.tf32` (rna) and accumulating with
    `nvvm.mma.sync` m16n8k8 (PTX's fragment layout from upstream's nvgpu
    MMA utilities).

    ```mlir
    linalg.matmul ins(%x, %w : memref<?x784xf32>, memref<784x300xf32>)
                  outs(%y : memref<?x300xf32>)
    // becomes
    gpu.launch blocks(...) in (%gm, %gn, %c1) threads(...) in (%c16, %c16, %c1)
        workgroup(%a : memref<16x65xf32, #gpu.address_space<workgroup>>,
                  %b : memref<16x65xf32, #gpu.address_space<workgroup>>) {
      %acc = scf.for %k0 = %c0 to %c784 step %c16 iter_args(...) {
        ... stage A and B tiles ...; gpu.barrier
        ... 16 steps of TM x TN multiply-adds from %a, %b ...; gpu.barrier
      }
      ... guarded stores of the accumulators ...
    }
    ```
  }];
  let options = [
    Option<"multiprocessors", "multiprocessors", "int64_t", /*default=*/"132",
           "the chip's multiprocessors (H100/H200: 132, A100: 108)">,
    Option<"assumedExtent", "assumed-extent", "int64_t", /*default=*/"256",
           "the extent the cost model takes for a dynamic dimension (the batch)">,
    Option<"precision", "precision", "std::string", /*default=*/"\"fp32\"",
           "fp32: multiply-adds on CUDA cores, as the CPU computes them; "
           "tf32: f32 contractions on tensor cores (mma.sync m16n8k8, "
           "operands rounded to TF32, f32 sums; sm_80 and later)">,
    Option<"emulate", "emulate", "bool", /*default=*/"false",
           "for tests on the CPU: the same kernels as loops over blocks and "
           "threads, each thread staging the whole tile, without barriers; "
           "an mma gathers the warp's fragments">,
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect", "mlir::memref::MemRefDialect",
                           "mlir::linalg::LinalgDialect", "mlir::vector::VectorDialect",
                           "mlir::LLVM::LLVMDialect", "mlir::NVVM::NVVMDialect"];
}

def KilnGpuMathPass : Pass<"kiln-gpu-math", "mlir::gpu::GPUModuleOp"> {
  let summary = "Math functions in kernels as polynomials, without libdevice";
  let description = [{
    convert-gpu-to-nvvm turns `math.exp`, `math.log`, `math.tanh`, ... into
    calls of libdevice's `__nv_expf` and friends, which only the CUDA
    toolkit ships: PTX that calls them does not load. This pass rewrites
    them first (math expansions, then MLIR's polynomial approximations,
    accurate to a few ulp in f32), and turns the ops NVPTX has instructions
    for (`fma`, `sqrt`, `floor`, `ceil`, `fabs`, `copysign`) into the LLVM
    intrinsics the backend selects them from, so a kernel's PTX calls no
    function.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect", "mlir::LLVM::LLVMDialect"];
}

def KilnVectorizeCopiesPass
    : Pass<"kiln-vectorize-copies", "mlir::func::FuncOp"> {
  let summary = "Vector loops for the copies and fills bufferization makes";
  let description = [{
    Bufferization materializes copies (out-of-place results, padding) and
    fills as `linalg.copy`/`linalg.fill` on buffers, after kiln-tile has
    run. Without this pass they lower to scalar loops. Each becomes loops
    over the outer dimensions and, along the innermost (unit-stride)
    dimension, full vectors of the target's width and one masked vector for
    the rest. A `linalg.map` with no inputs that yields one value (how
    bufferization fills the border of a `tensor.pad`) is a fill. Large
    passes at function level split their outermost loop over `threads`
    with an `scf.forall`.

    ```mlir
    linalg.copy ins(%a : memref<?x300xf32>) outs(%b : memref<?x300xf32>)
    // becomes
    scf.for %i = %c0 to %n step %c1 {
      scf.for %j = %c0 to %c288 step %c16 {
        %v = vector.transfer_read %a[%i, %j] ... : vector<16xf32>
        vector.transfer_write %v, %b[%i, %j] ... : vector<16xf32>
      }
      %m = vector.create_mask %c12 : vector<16xi1>
      %v = vector.transfer_read %a[%i, %c288], %pad, %m ...
      vector.transfer_write %v, %b[%i, %c288], %m ...
    }
    ```
  }];
  let dependentDialects = ["mlir::vector::VectorDialect",
                           "mlir::affine::AffineDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def KilnMemrefCopyToLinalgPass
    : Pass<"kiln-memref-copy-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Turn memref.copy into linalg.copy";
  let description = [{
    Bufferization materializes copies as `memref.copy`, which LLVM lowering
    turns into a call to the `memrefCopy` runtime function whenever a side
    is a strided view (a slice of a padded tensor, say). Kiln's generated
    code must not depend on MLIR's runner libraries, so copies become
    `linalg.copy` and lower to loops like every other linalg op.

    ```mlir
    memref.copy %a, %b : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
    // becomes
    linalg.copy ins(%a : memref<4x4xf32, strided<[8, 1]>>) outs(%b : memref<4x4xf32>)
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def KilnParallelToOpenMPPass
    : Pass<"kiln-parallel-to-openmp", "mlir::ModuleOp"> {
  let summary = "scf.parallel as omp.parallel, each thread its own block";
  let description = [{
    Replaces upstream's convert-scf-to-openmp for Kiln's parallel loops
    (chunks of whole tiles from scf.forall: about as many iterations as
    threads, no reductions). Each outermost `scf.parallel` becomes an
    `omp.parallel` in which every thread takes one contiguous block of the
    linearized iterations, from `omp_get_thread_num` and
    `omp_get_num_threads`: no worksharing-loop setup and no barrier but the
    region's join (upstream: `__kmpc_for_static_init`, a barrier after the
    loop, then the join). A loop whose trip count is not a constant above 1
    goes in `scf.if trips > 1`, with a sequential copy of it for one
    iteration (kiln-tile's one chunk of a small dynamic batch): no call into
    the OpenMP runtime then. Nested `scf.parallel` stay sequential loops of
    their thread. Regions ask for the target's threads (`num_threads`).

    ```mlir
    scf.parallel (%i) = (%lb) to (%ub) step (%s) { body(%i) }
    // becomes
    omp.parallel num_threads(%c2_i32 : i32) {
      %t = func.call @omp_get_thread_num() : () -> i32
      %n = func.call @omp_get_num_threads() : () -> i32
      // chunk = ceil(trips / n), [begin, end) = [t * chunk, + chunk) & trips
      scf.for %l = %begin to %end step %c1 {
        memref.alloca_scope { body(%lb + %l * %s) }
      }
      omp.terminator
    }
    ```
  }];
  let dependentDialects = ["mlir::omp::OpenMPDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect"];
}

#endif // KILN_CODEGEN_PASSES_TD
