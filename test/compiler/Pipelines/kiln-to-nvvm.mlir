// RUN: kiln-opt %s --kiln-make-steps --kiln-lower-to-linalg --kiln-bufferize --kiln-gpu-map | FileCheck %s --check-prefix=MAP
// RUN: kiln-opt %s --kiln-make-steps --kiln-lower-to-linalg --kiln-bufferize --kiln-gpu-map | FileCheck %s --check-prefix=HOST
// RUN: kiln-opt %s --kiln-make-steps --kiln-lower-to-linalg --kiln-bufferize --kiln-gpu-map | FileCheck %s --check-prefix=RED
// RUN: kiln-opt %s --kiln-make-steps --kiln-to-nvvm="chip=sm_80" | FileCheck %s --check-prefixes=PTX,SM80
// RUN: kiln-opt %s --kiln-make-steps --kiln-to-nvvm="chip=sm_90 features=+ptx80" | FileCheck %s --check-prefixes=PTX,SM90
// RUN: kiln-opt %S/../Transforms/count-memory-passes-cnn.mlir --kiln-make-steps --kiln-to-nvvm="chip=sm_90" | FileCheck %s --check-prefixes=CNN,CNN90
// RUN: kiln-opt %S/../Transforms/count-memory-passes-cnn.mlir --kiln-make-steps --kiln-to-nvvm="chip=sm_80" | FileCheck %s --check-prefixes=CNN,CNN80
// RUN: kiln-opt %S/../Transforms/count-memory-passes.mlir --kiln-make-steps --kiln-to-nvvm="chip=sm_80" | FileCheck %s --check-prefix=MLP
// RUN: kiln-opt %S/../Transforms/count-memory-passes.mlir --kiln-make-steps --kiln-to-nvvm="chip=sm_90" | FileCheck %s --check-prefix=MLP
// RUN: kiln-opt %S/../Transforms/count-memory-passes.mlir --kiln-make-steps --kiln-to-nvvm="chip=sm_80 precision=tf32" | FileCheck %s --check-prefix=MLPTF32
// RUN: kiln-opt %S/../Transforms/count-memory-passes-cnn.mlir --kiln-make-steps --kiln-to-nvvm="chip=sm_90 precision=tf32" | FileCheck %s --check-prefix=CNNTF32

// Tests the GPU lowering of a one-layer softmax classifier's steps (the
// CPU's kiln-to-llvm.mlir model): kiln-gpu-map puts the step's temporaries
// in managed memory (gpu.alloc host_shared, freed by the runtime's
// kiln_gpu_free), maps every parallel loop to blocks of 32x8 threads and
// outlines the kernels into one gpu.module a step (kiln-gpu-merge-modules)
// launched from the step; kiln-gpu-lower
// serializes each module to PTX for the chip (no ptxas, no libdevice: no
// __nv_ calls) and leaves host code in the LLVM dialect that calls the
// mgpu* entry points of runtime/gpu.
module attributes {kiln.optimizer = #kiln.optimizer<kind = adam, learning_rate = 1.0e-03>} {
func.func @forward(%w: tensor<4x3xf32> {kiln.param}, %b: tensor<3xf32> {kiln.param}, %x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %z = kiln.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x3xf32>, tensor<3xf32>
  %p = kiln.softmax %z axis = -1 : tensor<?x3xf32>
  return %p : tensor<?x3xf32>
}
func.func @loss(%w: tensor<4x3xf32> {kiln.param, kiln.trainable}, %b: tensor<3xf32> {kiln.param, kiln.trainable}, %x: tensor<?x4xf32>, %y: tensor<?xi32>) -> (tensor<f32>, tensor<f32>) {
  %p = call @forward(%w, %b, %x) : (tensor<4x3xf32>, tensor<3xf32>, tensor<?x4xf32>) -> tensor<?x3xf32>
  %l = kiln.sparse_categorical_crossentropy %y, %p : tensor<?xi32>, tensor<?x3xf32>
  %a = kiln.sparse_categorical_accuracy %y, %p : tensor<?xi32>, tensor<?x3xf32>
  return %l, %a : tensor<f32>, tensor<f32>
}
}

// MAP: module attributes {gpu.container_module
// MAP-LABEL: func.func @train_step
// MAP: %[[T:.*]] = gpu.alloc host_shared (%{{.*}}) : memref<?x3xf32>
// MAP: gpu.launch_func @train_step_kernels::@train_step_kernel blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%c32, %c8, %c1)
// MAP: %[[P:.*]] = memref.extract_aligned_pointer_as_index
// MAP: %[[A:.*]] = arith.index_cast %[[P]] : index to i64
// MAP: call @kiln_gpu_free(%[[A]]) : (i64) -> ()
// The step's kernels follow it, in one module.
// MAP: gpu.module @train_step_kernels
// MAP: gpu.func @train_step_kernel({{.*}}) kernel attributes {known_block_size = array<i32: 32, 8, 1>}
// MAP: gpu.block_id  x
// MAP: gpu.thread_id  x
// MAP: gpu.thread_id  y
// The dense layer's matmul (kiln-gpu-tile-contractions): 16x16 threads
// staging K tiles of x and the kernel in shared memory.
// MAP-NOT: gpu.module
// MAP: gpu.func @train_step_kernel_0({{.*}}) workgroup({{.*}} : memref<16x17xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<16x17xf32, #gpu.address_space<workgroup>>) kernel attributes {known_block_size = array<i32: 16, 16, 1>}
// MAP: gpu.barrier
// MAP-LABEL: func.func @eval_step
// MAP: gpu.launch_func @eval_step_kernels::@eval_step_kernel
// MAP: gpu.module @eval_step_kernels
// MAP-LABEL: func.func @predict_step
// MAP: gpu.launch_func @predict_step_kernels::@predict_step_kernel
// MAP: gpu.module @predict_step_kernels
// MAP-NOT: gpu.module
// MAP: func.func private @kiln_gpu_free(i64)

// The host code of a step allocates and launches: its loops (the loss's
// and accuracy's sums over the batch) run in kernels
// (kiln-gpu-serial-kernels), no loop over the batch launches a kernel per
// row (kiln-gpu-parallel-dims-first, for the bias gradient), and it never
// touches what kernels use, so it never waits for them
// (kiln-gpu-host-syncs): the step's launches run back to back.
// The loss's and the accuracy's sums over the batch are block reductions
// (kiln-gpu-block-reductions): one block of 256 threads each.
// RED-LABEL: func.func @train_step
// RED-COUNT-2: blocks in (%c1, %c1, %c1) threads in (%c256, %c1, %c1)
// RED-LABEL: func.func @eval_step
// RED-COUNT-2: blocks in (%c1, %c1, %c1) threads in (%c256, %c1, %c1)
// RED-LABEL: func.func @predict_step
// RED-NOT: threads in (%c256

// HOST-LABEL: func.func @train_step
// HOST-NOT: {{scf.for|kiln_gpu_synchronize}}
// HOST: {{^ *}}return
// HOST-LABEL: func.func @eval_step
// HOST-NOT: {{scf.for|kiln_gpu_synchronize}}
// HOST: {{^ *}}return

// PTX: llvm.func @train_step(
// PTX-NOT: memref.
// PTX: llvm.call @mgpuMemAlloc
// PTX: gpu.launch_func @train_step_kernels::@train_step_kernel
// PTX: llvm.call @kiln_gpu_free
// PTX: gpu.binary @train_step_kernels
// SM80-SAME: #nvvm.target<chip = "sm_80"
// SM90-SAME: #nvvm.target<chip = "sm_90", features = "+ptx80"
// SM80-SAME: .target sm_80
// SM90-SAME: .target sm_90
// PTX-SAME: .visible .entry train_step_kernel(
// The matmul's kernel, in the same module, declares its tiles in shared
// memory and syncs.
// PTX-SAME: .visible .entry train_step_kernel_0(
// PTX-SAME: .shared .align 4 .b8 __wg_train_step_kernel_0_0[1088]
// PTX-SAME: bar.sync
// PTX-NOT: __nv_
// PTX: gpu.binary @eval_step_kernels
// PTX: gpu.binary @predict_step_kernels
// PTX-NOT: gpu.binary

// The CNN (Conv32-Pool-Conv64-Pool-Dense128-Dense10): every convolution,
// pooling and dense layer of the three steps as PTX kernels for sm_90 and
// sm_80. Its contractions stage two tiles in shared memory (the kernels
// with a second workgroup buffer, __wg_<kernel>_1): in train_step the two
// convolutions and two dense layers, the four weight gradients and the
// input gradients of the second convolution and the two dense layers (11);
// in eval_step and predict_step the four forward ones.
// CNN: llvm.func @train_step(
// CNN: gpu.binary @train_step_kernels
// CNN90-SAME: .target sm_90
// CNN80-SAME: .target sm_80
// CNN-COUNT-11: {{__wg_train_step_kernel(_[0-9]+)?_1\[}}
// CNN-NOT: {{__wg_train_step_kernel(_[0-9]+)?_1\[}}
// CNN: gpu.binary @eval_step_kernels
// CNN-COUNT-4: {{__wg_eval_step_kernel(_[0-9]+)?_1\[}}
// CNN-NOT: {{__wg_eval_step_kernel(_[0-9]+)?_1\[}}
// CNN: gpu.binary @predict_step_kernels
// CNN-COUNT-4: {{__wg_predict_step_kernel(_[0-9]+)?_1\[}}
// CNN-NOT: {{__wg_predict_step_kernel(_[0-9]+)?_1\[|__nv_}}

// The MLP (784-300-100-10): three dense layers forward, three weight and
// two input gradients in train_step (8 shared-memory GEMMs), three in eval
// and predict.
// MLP: gpu.binary @train_step_kernels
// MLP-COUNT-8: {{__wg_train_step_kernel(_[0-9]+)?_1\[}}
// MLP-NOT: {{__wg_train_step_kernel(_[0-9]+)?_1\[}}
// MLP: gpu.binary @eval_step_kernels
// MLP-COUNT-3: {{__wg_eval_step_kernel(_[0-9]+)?_1\[}}
// MLP-NOT: {{__wg_eval_step_kernel(_[0-9]+)?_1\[}}
// MLP: gpu.binary @predict_step_kernels
// MLP-COUNT-3: {{__wg_predict_step_kernel(_[0-9]+)?_1\[}}
// MLP-NOT: {{__wg_predict_step_kernel(_[0-9]+)?_1\[|__nv_}}

// With precision=tf32 the MLP's 8/3/3 GEMM kernels run on tensor cores,
// each with two mma.sync per K tile of 16, operands rounded by cvt.rna.
// The CNN's too, except the first convolution's weight gradient (9 x 32
// outputs: under 4 accumulators a thread, so CUDA cores); its kernels
// have two or more mma.sync per K tile.
// MLPTF32: gpu.binary @train_step_kernels
// MLPTF32: cvt.rna.tf32.f32
// MLPTF32-COUNT-16: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// MLPTF32-NOT: mma.sync
// MLPTF32: gpu.binary @eval_step_kernels
// MLPTF32-COUNT-6: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// MLPTF32-NOT: mma.sync
// MLPTF32: gpu.binary @predict_step_kernels
// MLPTF32-COUNT-6: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// MLPTF32-NOT: mma.sync
// CNNTF32: gpu.binary @train_step_kernels
// CNNTF32-COUNT-48: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// CNNTF32-NOT: mma.sync
// CNNTF32: gpu.binary @eval_step_kernels
// CNNTF32-COUNT-28: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// CNNTF32-NOT: mma.sync
// CNNTF32: gpu.binary @predict_step_kernels
// CNNTF32-COUNT-28: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// CNNTF32-NOT: mma.sync
