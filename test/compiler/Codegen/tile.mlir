// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=sapphirerapids threads=2 l1-kib=48 l2-kib=2048" --kiln-select-tiling --kiln-contiguous-b --kiln-tile --kiln-vectorize-tiles | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=haswell threads=1 l1-kib=48 l2-kib=2048" --kiln-select-tiling --kiln-contiguous-b --kiln-tile --kiln-vectorize-tiles | FileCheck %s --check-prefix=AVX2
// RUN: kiln-opt %s --split-input-file --kiln-set-target="cpu=x86-64 threads=1 l1-kib=48 l2-kib=2048" --kiln-select-tiling --kiln-contiguous-b --kiln-tile --kiln-vectorize-tiles | FileCheck %s --check-prefix=SSE

// Tests that bias, matmul and relu become one tiled loop nest: columns split
// over two threads in whole 32-wide register tiles (300 = 160 + 140), full
// 8x32 tiles accumulating in registers over k from the broadcast bias, relu
// applied to the accumulators, and masked partial tiles (300 = 9 * 32 + 12,
// a ragged batch) instead of scalar loops. No linalg op is left.
// CHECK-LABEL: func.func @dense_relu
// CHECK: scf.forall (%{{.*}}) = (0) to (300) step (160)
// CHECK: scf.for %{{.*}} step %c8
// CHECK: scf.for %{{.*}} step %c32
// CHECK: %[[BIAS:.*]] = vector.transfer_read %{{.*}} {in_bounds = [true, true], permutation_map = #{{.*}}} : tensor<300xf32>, vector<8x32xf32>
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} = %c0 to %c784 step %c1 iter_args(%{{.*}} = %[[BIAS]]) -> (vector<8x32xf32>)
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK: %[[RELU:.*]] = arith.maximumf %[[ACC]], %{{.*}} : vector<8x32xf32>
// CHECK: vector.transfer_write %[[RELU]]
// The partial column tile: masked loads of B, a masked store.
// CHECK: vector.create_mask %{{.*}} : vector<32xi1>
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK: vector.transfer_write {{.*}}, %{{.*}} {in_bounds = [true, true]} : vector<8x32xf32>, tensor<8x?xf32>
// The partial row tile goes row by row.
// CHECK: vector.contract {{.*}} : vector<1x1xf32>, vector<1x32xf32> into vector<1x32xf32>
// CHECK-NOT: linalg.
// One thread: the dynamic rows in one chunk, a loop of one iteration.
// AVX2-LABEL: func.func @dense_relu
// AVX2: scf.forall (%{{.*}}) = (0) to (%{{.*}}) step (%{{.*}})
// AVX2: vector.contract {{.*}} : vector<4x1xf32>, vector<1x16xf32> into vector<4x16xf32>
// SSE-LABEL: func.func @dense_relu
// SSE: vector.contract {{.*}} : vector<4x1xf32>, vector<1x8xf32> into vector<4x8xf32>
func.func @dense_relu(%x: tensor<?x784xf32>, %w: tensor<784x300xf32>, %b: tensor<300xf32>) -> tensor<?x300xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x784xf32>
  %e = tensor.empty(%n) : tensor<?x300xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%b : tensor<300xf32>) outs(%e : tensor<?x300xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<?x300xf32>
  %h = linalg.matmul ins(%x, %w : tensor<?x784xf32>, tensor<784x300xf32>) outs(%bias : tensor<?x300xf32>) -> tensor<?x300xf32>
  %e2 = tensor.empty(%n) : tensor<?x300xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%h : tensor<?x300xf32>) outs(%e2 : tensor<?x300xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x300xf32>
  return %a : tensor<?x300xf32>
}

// -----

// Tests that the input gradient dy * W^T first copies W transposed, so that
// the kernel reads rows of B, and that the copy is vectorized too.
// CHECK-LABEL: func.func @dx
// CHECK: vector.transfer_write %{{.*}} : vector<1x32xf32>, tensor<100x300xf32>
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK-NOT: linalg.
func.func @dx(%dy: tensor<?x100xf32>, %w: tensor<300x100xf32>) -> tensor<?x300xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %dy, %c0 : tensor<?x100xf32>
  %e = tensor.empty(%n) : tensor<?x300xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x300xf32>) -> tensor<?x300xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%dy, %w : tensor<?x100xf32>, tensor<300x100xf32>) outs(%f : tensor<?x300xf32>) -> tensor<?x300xf32>
  return %r : tensor<?x300xf32>
}

// -----

// Tests that the kernel gradient x^T dy reads columns of x^T (rows of x)
// directly and that the SGD update is fused into its epilogue: the weights
// are read and written once, from the accumulators, with no gradient tensor.
// CHECK-LABEL: func.func @dw_sgd
// CHECK-SAME: %[[W:[a-z0-9]+]]: tensor<300x100xf32>
// CHECK: scf.forall {{.*}} shared_outs(%{{.*}} = %[[W]])
// CHECK: %[[G:.*]] = scf.for {{.*}} -> (vector<15x16xf32>)
// CHECK: vector.contract {{.*}} : vector<1x15xf32>, vector<1x16xf32> into vector<15x16xf32>
// CHECK: arith.mulf %[[G]]
// CHECK: arith.subf
// CHECK-NOT: linalg.
// CHECK-NOT: tensor.empty() : tensor<300x100xf32>
func.func @dw_sgd(%x: tensor<?x300xf32>, %dy: tensor<?x100xf32>, %w: tensor<300x100xf32>) -> tensor<300x100xf32> {
  %zero = arith.constant 0.0 : f32
  %lr = arith.constant 0.01 : f32
  %e = tensor.empty() : tensor<300x100xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<300x100xf32>) -> tensor<300x100xf32>
  %g = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %dy : tensor<?x300xf32>, tensor<?x100xf32>) outs(%f : tensor<300x100xf32>) -> tensor<300x100xf32>
  %u = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g : tensor<300x100xf32>) outs(%w : tensor<300x100xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.mulf %in, %lr : f32
    %d = arith.subf %out, %s : f32
    linalg.yield %d : f32
  } -> tensor<300x100xf32>
  return %u : tensor<300x100xf32>
}

// -----

// Tests that a row statistic and its consumer are computed in one loop over
// blocks of 8 rows (softmax statistics and normalization in one pass).
// CHECK-LABEL: func.func @softmax_rows
// CHECK: scf.for %{{.*}} step %c8
// CHECK-NOT: return
// CHECK: vector.multi_reduction <maximumf>, {{.*}} : vector<1x10xf32> to vector<1xf32>
// CHECK-NOT: return
// CHECK: math.exp %{{.*}} : vector<1x10xf32>
// CHECK: return
func.func @softmax_rows(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %c0 = arith.constant 0 : index
  %ninf = arith.constant 0xFF800000 : f32
  %n = tensor.dim %x, %c0 : tensor<?x10xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %max = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<?x10xf32>) outs(%f : tensor<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %out : f32
    linalg.yield %m : f32
  } -> tensor<?xf32>
  %e2 = tensor.empty(%n) : tensor<?x10xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %max : tensor<?x10xf32>, tensor<?xf32>) outs(%e2 : tensor<?x10xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %ex = math.exp %d : f32
    linalg.yield %ex : f32
  } -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}

// -----

// Tests that an elementwise op runs in 32-wide vectors with a 12-wide
// remainder (300 = 9 * 32 + 12) instead of masks in every iteration.
// CHECK-LABEL: func.func @elementwise
// CHECK: scf.for %{{.*}} = %c0 to %c288 step %c32
// CHECK: arith.addf %{{.*}} : vector<1x32xf32>
// CHECK: arith.addf %{{.*}} : vector<1x12xf32>
// CHECK-NOT: linalg.
func.func @elementwise(%a: tensor<?x300xf32>, %b: tensor<300xf32>) -> tensor<?x300xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?x300xf32>
  %e = tensor.empty(%n) : tensor<?x300xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a, %b : tensor<?x300xf32>, tensor<300xf32>) outs(%e : tensor<?x300xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<?x300xf32>
  return %r : tensor<?x300xf32>
}

// -----

// Tests the cache-blocked path: B (1024 x 1024, 4 MiB) outgrows half of the
// 2 MiB L2, so K goes in blocks of 512 (the 8-row tile's 512 columns of A
// take 16 of the 48 KiB L1, capped at 512), N in blocks of 512 (a 512 x 512
// block of B in half of L2). From 64 rows on (the first version) each block
// of B is packed into 32-wide panels stacked as rows (masked reads,
// contiguous writes), and the kernel reads packed B and A in place (8 rows,
// each read along k). The zero fill runs as its own pass, before the K loop
// that carries C.
// CHECK-LABEL: func.func @blocked
// CHECK: vector.transfer_write %{{.*}} : vector<1x32xf32>, tensor<?x1024xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c1024 step %c512 iter_args
// CHECK: vector.create_mask %{{.*}} : vector<32xi1>
// CHECK: vector.transfer_read %{{.*}} {in_bounds = [true]} : tensor<512x{{[0-9]+}}xf32>, vector<32xf32>
// CHECK: vector.transfer_write %{{.*}} : vector<32xf32>, tensor<{{[0-9]+}}x32xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c1 iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK: vector.transfer_read %arg0{{.*}} : tensor<?x1024xf32>, vector<8x1xf32>
// CHECK: vector.transfer_read %{{.*}} : tensor<{{[0-9]+}}x32xf32>, vector<1x32xf32>
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
func.func @blocked(%a: tensor<?x1024xf32>, %b: tensor<1024x1024xf32>) -> tensor<?x1024xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %a, %c0 : tensor<?x1024xf32>
  %e = tensor.empty(%n) : tensor<?x1024xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  %h = linalg.matmul ins(%a, %b : tensor<?x1024xf32>, tensor<1024x1024xf32>) outs(%f : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  return %h : tensor<?x1024xf32>
}
