// RUN: kiln-opt %s --kiln-make-steps --kiln-lower-to-linalg --kiln-optimize="cpu=sapphirerapids threads=2 l1-kib=48 l2-kib=2048" | FileCheck %s --check-prefix=OPT
// RUN: kiln-opt %s --kiln-make-steps --kiln-to-llvm="cpu=sapphirerapids threads=2 l1-kib=48 l2-kib=2048" | FileCheck %s --check-prefix=OMP
// RUN: kiln-opt %s --kiln-make-steps --kiln-to-llvm="cpu=sapphirerapids threads=1 l1-kib=48 l2-kib=2048" | FileCheck %s --check-prefix=SERIAL
// RUN: kiln-opt %s --kiln-make-steps --kiln-to-llvm="cpu=haswell threads=1 l1-kib=48 l2-kib=2048" | FileCheck %s --check-prefix=AVX2

// Tests that a dense layer big enough to share splits its columns over the
// threads (scf.forall), which kiln-lower-to-llvm turns into an OpenMP
// parallel region (each thread its block, kiln-parallel-to-openmp), and
// that one thread keeps plain loops. The vector width follows the target:
// 512-bit FMAs on 32-wide rows, 256-bit on 16-wide.
func.func @forward(%w: tensor<784x300xf32> {kiln.param}, %b: tensor<300xf32> {kiln.param}, %x: tensor<?x784xf32>) -> tensor<?x300xf32> {
  %h = kiln.dense %x, %w, %b : tensor<?x784xf32>, tensor<784x300xf32>, tensor<300xf32>
  %a = kiln.relu %h : tensor<?x300xf32>
  return %a : tensor<?x300xf32>
}
func.func @loss(%w: tensor<784x300xf32> {kiln.param, kiln.trainable}, %b: tensor<300xf32> {kiln.param, kiln.trainable}, %x: tensor<?x784xf32>, %y: tensor<?x300xf32>) -> tensor<f32> {
  %p = call @forward(%w, %b, %x) : (tensor<784x300xf32>, tensor<300xf32>, tensor<?x784xf32>) -> tensor<?x300xf32>
  %l = kiln.mse %y, %p : tensor<?x300xf32>, tensor<?x300xf32>
  return %l : tensor<f32>
}

// OPT-LABEL: func.func @predict_step
// OPT: scf.forall (%{{.*}}) = (0) to (300) step (160)
// OPT: vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// OPT: arith.maximumf %{{.*}} : vector<8x32xf32>

// OMP-LABEL: llvm.func @predict_step
// OMP: omp.parallel num_threads(%{{.*}} : i32)
// OMP-NOT: omp.wsloop
// OMP: llvm.call @omp_get_thread_num()
// OMP: llvm.call @omp_get_num_threads()
// OMP: llvm.intr.fmuladd{{.*}} : (vector<32xf32>, vector<32xf32>, vector<32xf32>) -> vector<32xf32>

// SERIAL-LABEL: llvm.func @predict_step
// SERIAL-NOT: omp.
// SERIAL: llvm.intr.fmuladd{{.*}} : (vector<32xf32>, vector<32xf32>, vector<32xf32>) -> vector<32xf32>
// SERIAL-LABEL: llvm.func @_mlir_ciface_predict_step

// AVX2-LABEL: llvm.func @predict_step
// AVX2: llvm.intr.fmuladd{{.*}} : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
