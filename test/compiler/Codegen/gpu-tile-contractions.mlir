// RUN: kiln-opt %s --kiln-gpu-tile-contractions --canonicalize --cse | FileCheck %s
// RUN: kiln-opt %s --kiln-gpu-tile-contractions=multiprocessors=1 --canonicalize --cse | FileCheck %s --check-prefix=BIG
// RUN: kiln-opt %s --kiln-gpu-tile-contractions=precision=tf32 --canonicalize --cse | FileCheck %s --check-prefix=TF32
// RUN: not kiln-opt %s --kiln-gpu-tile-contractions=precision=bf8 2>&1 | FileCheck %s --check-prefix=BAD

// kiln-gpu-tile-contractions: each contraction on buffers becomes one
// gpu.launch of 16x16 threads that stages K tiles of both inputs in shared
// memory (workgroup attributions, rows padded by one) between barriers.

// A dense layer (M = the batch, dynamic, taken as 256; N = 300; K = 784):
// on 132 multiprocessors the cost model halves the 8x8 tile per thread to
// 1x2 (16 x 32 outputs a block) to give the grid 160 blocks. With one
// multiprocessor (BIG) it keeps 8x8: 128 x 128 outputs a block.
// CHECK-LABEL: func.func @dense
// CHECK-SAME: (%[[X:.*]]: memref<?x784xf32>, %[[W:.*]]: memref<784x300xf32>, %[[Y:.*]]: memref<?x300xf32>)
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C10:.*]] = arith.constant 10 : index
// CHECK: %[[M:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[GM:.*]] = arith.ceildivui %[[M]], %[[C16]] : index
// CHECK: gpu.launch blocks({{[^)]*}}) in ({{[^)]*}} = %[[GM]], {{[^)]*}} = %[[C10]], {{[^)]*}} = %c1)
// CHECK-SAME: threads(%[[TX:[a-z0-9_]+]], %[[TY:[a-z0-9_]+]], {{[^)]*}}) in ({{[^)]*}} = %[[C16]], {{[^)]*}} = %[[C16]], {{[^)]*}} = %c1)
// CHECK-SAME: workgroup(%[[TA:.*]] : memref<16x17xf32, #gpu.address_space<workgroup>>, %[[TB:.*]] : memref<16x33xf32, #gpu.address_space<workgroup>>)
// The sums start from 0; the output's own value (the bias the init holds)
// is added when they are stored.
// CHECK: %[[ACC:.*]]:2 = scf.for %[[K0:.*]] = %c0 to %c784 step %[[C16]] iter_args(%{{.*}} = %cst, %{{.*}} = %cst)
// x is row-major: consecutive threads load consecutive k.
// CHECK: %[[II:.*]] = arith.divui %[[FLAT:.*]], %[[C16]]
// CHECK: %[[KK:.*]] = arith.remui %[[FLAT]], %[[C16]]
// CHECK: %[[XV:.*]] = memref.load %[[X]]
// CHECK: %[[XZ:.*]] = arith.select %{{.*}}, %[[XV]], %cst : f32
// CHECK: memref.store %[[XZ]], %[[TA]][%[[KK]], %[[II]]]
// CHECK: memref.load %[[W]]
// CHECK: memref.store %{{.*}}, %[[TB]]
// CHECK: memref.load %[[W]]
// CHECK: memref.store %{{.*}}, %[[TB]]
// CHECK: gpu.barrier
// CHECK: scf.for %[[KI:.*]] = %c0 to %[[C16]] step %c1
// CHECK: %[[A:.*]] = memref.load %[[TA]][%[[KI]], %[[TY]]]
// CHECK: %[[B0:.*]] = memref.load %[[TB]][%[[KI]], %[[TX]]]
// CHECK: %[[B1:.*]] = memref.load %[[TB]][%[[KI]], %{{.*}}]
// CHECK: %[[P:.*]] = arith.mulf %[[A]], %[[B0]] fastmath<contract> : f32
// CHECK: arith.addf %{{.*}}, %[[P]] fastmath<contract> : f32
// CHECK: arith.mulf %[[A]], %[[B1]] fastmath<contract> : f32
// CHECK: gpu.barrier
// Outputs past the edges are not stored.
// CHECK: scf.if
// CHECK: %[[Y0:.*]] = memref.load %[[Y]][%[[R0:.*]], %[[C0:.*]]]
// CHECK-NEXT: %[[S0:.*]] = arith.addf %[[Y0]], %[[ACC]]#0
// CHECK-NEXT: memref.store %[[S0]], %[[Y]][%[[R0]], %[[C0]]]
// CHECK: scf.if
// CHECK: memref.load %[[Y]]
// CHECK-NEXT: arith.addf %{{.*}}, %[[ACC]]#1
// CHECK-NEXT: memref.store
// CHECK: gpu.terminator
// CHECK-NOT: linalg.matmul
// BIG-LABEL: func.func @dense
// BIG: gpu.launch
// BIG-SAME: workgroup(%[[TA:.*]] : memref<16x129xf32, #gpu.address_space<workgroup>>, %[[TB:.*]] : memref<16x129xf32, #gpu.address_space<workgroup>>)
// With 128-wide tiles each thread stages 4 consecutive elements with one
// 16-byte load (784 and 300 are multiples of 4): x's along k, clamped to
// the last group (780), w's along n (296). x's four go down a column of
// the shared tile, w's along a row.
// BIG: scf.for
// BIG: %[[XK:.*]] = arith.minui %{{.*}}, %c780
// BIG: %[[XV:.*]] = vector.load %{{.*}}[%{{.*}}, %[[XK]]] {alignment = 16 : i64} : memref<?x784xf32>, vector<4xf32>
// BIG-NEXT: %[[XS:.*]] = arith.select %{{.*}}, %[[XV]], %{{.*}} : vector<4xf32>
// BIG-NEXT: %[[X0:.*]] = vector.extract %[[XS]][0]
// BIG-NEXT: memref.store %[[X0]], %[[TA]][%[[K0:.*]], %[[I0:.*]]]
// BIG: vector.extract %[[XS]][1]
// BIG-NEXT: %[[K1:.*]] = arith.addi %[[K0]], %c1
// BIG-NEXT: memref.store %{{.*}}, %[[TA]][%[[K1]], %[[I0]]]
// BIG: %[[WN:.*]] = arith.minui %{{.*}}, %c296
// BIG: vector.load %{{.*}}[%{{.*}}, %[[WN]]] {alignment = 16 : i64} : memref<784x300xf32>, vector<4xf32>
// BIG: gpu.barrier
// With TF32 tensor cores the tile keeps 4 accumulators a thread (2x2: 32 x
// 32 outputs a block, 8 x 10 blocks); the 8 warps are 2 x 4, each one
// 16x8 mma tile. Rows are padded to 40 (8 more than a multiple of 32).
// Per K tile of 16, two mma.sync m16n8k8, each from 4 A and 2 B values
// rounded to TF32.
// TF32-LABEL: func.func @dense
// TF32: %[[GM:.*]] = arith.ceildivui %{{.*}}, %c32 : index
// TF32: gpu.launch blocks({{[^)]*}}) in ({{[^)]*}} = %[[GM]], {{[^)]*}} = %c10, {{[^)]*}} = %c1)
// TF32-SAME: workgroup(%[[TA:.*]] : memref<16x40xf32, #gpu.address_space<workgroup>>, %[[TB:.*]] : memref<16x40xf32, #gpu.address_space<workgroup>>)
// TF32: scf.for {{.*}} iter_args(%[[C0:.*]] = %cst, %[[C1:.*]] = %cst, %[[C2:.*]] = %cst, %[[C3:.*]] = %cst) -> (f32, f32, f32, f32)
// TF32: gpu.barrier
// TF32-COUNT-4: nvvm.convert.float.to.tf32 %{{.*}} {rnd = #nvvm.fp_rnd_mode<rna>}
// TF32: memref.load %[[TB]]
// TF32-NEXT: nvvm.convert.float.to.tf32
// TF32: memref.load %[[TB]]
// TF32-NEXT: nvvm.convert.float.to.tf32
// TF32-NEXT: %[[D:.*]] = nvvm.mma.sync A[{{.*}}]  B[{{.*}}]  C[%[[C0]], %[[C1]], %[[C2]], %[[C3]]]  {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<tf32>, multiplicandBPtxType = #nvvm.mma_type<tf32>, shape = #nvvm.shape<m = 16, n = 8, k = 8>}
// TF32: nvvm.mma.sync
// TF32-SAME: C[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}]
// TF32-NOT: nvvm.mma.sync
// TF32: gpu.barrier
// TF32: scf.if
// TF32: gpu.terminator
// BAD: kiln-gpu-tile-contractions: unknown precision 'bf8' (expected fp32 or tf32)
func.func @dense(%x: memref<?x784xf32>, %w: memref<784x300xf32>, %y: memref<?x300xf32>) {
  linalg.matmul ins(%x, %w : memref<?x784xf32>, memref<784x300xf32>) outs(%y : memref<?x300xf32>)
  return
}

// The weight gradient x^T dz sums over the batch (K, dynamic): x is read
// transposed, so consecutive threads load consecutive m (x's rows are
// contiguous along m) and the loop runs to the batch size.
// CHECK-LABEL: func.func @weight_gradient
// CHECK-SAME: (%[[X:.*]]: memref<?x784xf32>, %[[DZ:.*]]: memref<?x300xf32>, %{{.*}}: memref<784x300xf32>)
// CHECK: %[[N:.*]] = memref.dim %[[X]], %c0
// CHECK: gpu.launch
// CHECK: scf.for %[[K0:.*]] = %c0 to %[[N]] step %c16
// CHECK: %[[KK:.*]] = arith.divui %{{.*}}, %c32
// CHECK: %[[II:.*]] = arith.remui %{{.*}}, %c32
// CHECK: %[[GM:.*]] = arith.addi %{{.*}}, %[[II]]
// CHECK: %[[GK:.*]] = arith.addi %[[K0]], %[[KK]]
// CHECK: %[[CK:.*]] = arith.minui %[[GK]], %{{.*}}
// CHECK: %[[CM:.*]] = arith.minui %[[GM]], %c783
// CHECK: memref.load %[[X]][%[[CK]], %[[CM]]]
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[KK]], %[[II]]]
#xT = affine_map<(m, n, k) -> (k, m)>
#dz = affine_map<(m, n, k) -> (k, n)>
#dw = affine_map<(m, n, k) -> (m, n)>
func.func @weight_gradient(%x: memref<?x784xf32>, %dz: memref<?x300xf32>, %dw: memref<784x300xf32>) {
  linalg.matmul indexing_maps = [#xT, #dz, #dw] ins(%x, %dz : memref<?x784xf32>, memref<?x300xf32>) outs(%dw : memref<784x300xf32>)
  return
}

// A batch matmul: the batch is the grid's z and indexes all three operands.
// CHECK-LABEL: func.func @batch
// CHECK: gpu.launch blocks({{[^,]*}}, {{[^,]*}}, %[[BZ:[a-z0-9_]+]]) in ({{[^)]*}}, {{[^)]*}} = %c4)
// CHECK: memref.load %{{.*}}[%[[BZ]], %{{.*}}, %{{.*}}] : memref<4x?x64xf32>
// CHECK: memref.load %{{.*}}[%[[BZ]], %{{.*}}, %{{.*}}] : memref<4x64x?xf32>
// CHECK: memref.load %{{.*}}[%[[BZ]], %{{.*}}, %{{.*}}] : memref<4x?x?xf32>
func.func @batch(%a: memref<4x?x64xf32>, %b: memref<4x64x?xf32>, %c: memref<4x?x?xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<4x?x64xf32>, memref<4x64x?xf32>) outs(%c : memref<4x?x?xf32>)
  return
}

// A convolution as an implicit GEMM: M = (n, oh, ow), N = f, K = (kh, kw,
// c); the input is read at (n, oh + kh, ow + kw, c) from the delinearized
// row and K index. K = 9 is one tile: the K loop folds away.
// CHECK-LABEL: func.func @conv
// CHECK-SAME: (%[[IN:.*]]: memref<?x30x30x1xf32>, %[[K:.*]]: memref<3x3x1x32xf32>, %[[OUT:.*]]: memref<?x28x28x32xf32>)
// CHECK: %[[N:.*]] = memref.dim %[[IN]], %c0
// CHECK: %[[M:.*]] = arith.muli %[[N]], %c784 : index
// CHECK: gpu.launch
// CHECK: %[[KI:.*]] = arith.minui %{{.*}}, %c8
// CHECK-NEXT: %[[KW:.*]] = arith.remui %[[KI]], %c3
// CHECK-NEXT: %[[KH:.*]] = arith.divui %[[KI]], %c3
// CHECK: %[[ROW:.*]] = arith.minui
// CHECK-NEXT: %[[OW:.*]] = arith.remui %[[ROW]], %c28
// CHECK-NEXT: %[[R1:.*]] = arith.divui %[[ROW]], %c28
// CHECK-NEXT: %[[OH:.*]] = arith.remui %[[R1]], %c28
// CHECK-NEXT: %[[B:.*]] = arith.divui %[[R1]], %c28
// CHECK-NEXT: %[[H:.*]] = arith.addi %[[OH]], %[[KH]]
// CHECK-NEXT: %[[W:.*]] = arith.addi %[[OW]], %[[KW]]
// CHECK: memref.load %[[IN]][%[[B]], %[[H]], %[[W]], %c0]
// CHECK: gpu.barrier
// CHECK-NOT: scf.for %{{.*}} = %c0 to %c9
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf
func.func @conv(%in: memref<?x30x30x1xf32>, %k: memref<3x3x1x32xf32>, %out: memref<?x28x28x32xf32>) {
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%in, %k : memref<?x30x30x1xf32>, memref<3x3x1x32xf32>) outs(%out : memref<?x28x28x32xf32>)
  return
}

// Not contractions: a max over the window (pooling) and a sum of products
// whose output is broadcast along a dimension neither input uses stay
// linalg ops for the parallel-loop mapping.
// CHECK-LABEL: func.func @not_contractions
// CHECK-NOT: gpu.launch
// CHECK: linalg.pooling_nhwc_max
// CHECK: linalg.generic
// CHECK-NOT: gpu.launch
// CHECK: return
#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (i, k)>
#c = affine_map<(i, j, k) -> (i, j)>
func.func @not_contractions(%in: memref<?x28x28x32xf32>, %win: memref<2x2xf32>, %out: memref<?x14x14x32xf32>,
                            %p: memref<8x4xf32>, %q: memref<8x4xf32>, %r: memref<8x5xf32>) {
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%in, %win : memref<?x28x28x32xf32>, memref<2x2xf32>) outs(%out : memref<?x14x14x32xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%p, %q : memref<8x4xf32>, memref<8x4xf32>) outs(%r : memref<8x5xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}
