// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=haswell threads=2 l1-kib=32 l2-kib=1024 l1-ways=8" --kiln-select-tiling | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=haswell threads=1 l1-kib=32 l2-kib=1024 l1-ways=8" --kiln-select-tiling | FileCheck %s --check-prefix=ONE
// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=sapphirerapids threads=2 l1-kib=48 l2-kib=2048 l1-ways=12" --kiln-select-tiling | FileCheck %s --check-prefix=AVX512
// RUN: not kiln-opt %s --split-input-file --kiln-select-tiling 2>&1 | FileCheck %s --check-prefix=NOTARGET

// kiln-select-tiling's decisions, as attributes only.

// Tests the MLP's first layer over a dynamic batch: columns over the
// threads, B (784 x 300, over half of L2) blocked with kc from half of L1
// and packed in the version for many rows; AVX-512 on a 2 MiB L2 keeps B
// whole.
// CHECK-LABEL: func.func @dense1
// CHECK: linalg.matmul {kiln.tiling = #kiln.tiling<threads = 2, split = columns, mr = 4, nr = 16, kc = 392, pack_b = by_rows>}
// ONE-LABEL: func.func @dense1
// ONE: linalg.matmul {kiln.tiling = #kiln.tiling<mr = 4, nr = 16, kc = 392, pack_b = by_rows>}
// AVX512-LABEL: func.func @dense1
// AVX512: linalg.matmul {kiln.tiling = #kiln.tiling<threads = 2, split = columns, mr = 8, nr = 32>}
// NOTARGET: error: kiln-select-tiling needs the module's kiln.target attribute
func.func @dense1(%x: tensor<?x784xf32>, %w: tensor<784x300xf32>, %init: tensor<?x300xf32>) -> tensor<?x300xf32> {
  %h = linalg.matmul ins(%x, %w : tensor<?x784xf32>, tensor<784x300xf32>) outs(%init : tensor<?x300xf32>) -> tensor<?x300xf32>
  return %h : tensor<?x300xf32>
}

// -----

// Tests that the last layer (N = 10) over a dynamic batch splits its rows
// only from enough rows on, at run time; one thread has no split.
// CHECK-LABEL: func.func @dense3
// CHECK: linalg.matmul {kiln.tiling = #kiln.tiling<threads = 2, split_from_rows = 525, mr = 4, nr = 16>}
// ONE-LABEL: func.func @dense3
// ONE: linalg.matmul {kiln.tiling = #kiln.tiling<mr = 4, nr = 16>}
func.func @dense3(%x: tensor<?x100xf32>, %w: tensor<100x10xf32>, %init: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %h = linalg.matmul ins(%x, %w : tensor<?x100xf32>, tensor<100x10xf32>) outs(%init : tensor<?x10xf32>) -> tensor<?x10xf32>
  return %h : tensor<?x10xf32>
}

// -----

// Tests that a bias gradient (a sum over 512 rows into 300 values) is split
// over the threads into partials, and a tiling written by hand stays.
// CHECK-LABEL: func.func @sums
// CHECK: linalg.generic {{{.*}}kiln.tiling = #kiln.tiling<threads = 2, split = reduction>
// CHECK: linalg.matmul {kiln.tiling = #kiln.tiling<mr = 2, nr = 8>}
// ONE-LABEL: func.func @sums
// ONE-NOT: split = reduction
func.func @sums(%dy: tensor<512x300xf32>, %init: tensor<300xf32>, %x: tensor<?x784xf32>, %w: tensor<784x300xf32>, %o: tensor<?x300xf32>) -> (tensor<300xf32>, tensor<?x300xf32>) {
  %db = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%dy : tensor<512x300xf32>) outs(%init : tensor<300xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<300xf32>
  %h = linalg.matmul {kiln.tiling = #kiln.tiling<mr = 2, nr = 8>} ins(%x, %w : tensor<?x784xf32>, tensor<784x300xf32>) outs(%o : tensor<?x300xf32>) -> tensor<?x300xf32>
  return %db, %h : tensor<300xf32>, tensor<?x300xf32>
}
