// RUN: kiln-opt %s --kiln-gpu-merge-modules | FileCheck %s

// kiln-gpu-merge-modules: the kernels a function launches move into one
// gpu.module named after it, each renamed after the module it came from;
// the launches follow. A module two functions launch stays as it is, and
// so does a function's only other module, and a module of two kernels.

// CHECK-LABEL: func.func @step
// CHECK: gpu.launch_func @step_kernels::@step_kernel blocks
// CHECK: gpu.launch_func @step_kernels::@step_kernel_0 blocks
// CHECK: gpu.launch_func @step_kernels::@step_kernel_0 blocks
// CHECK: gpu.launch_func @shared::@shared blocks
// CHECK: gpu.module @step_kernels {
// CHECK: gpu.func @step_kernel(%{{.*}}: memref<4xf32>) kernel
// CHECK: memref.store
// CHECK: gpu.func @step_kernel_0(%{{.*}}: memref<4xf32>) kernel
// CHECK: arith.addf
// CHECK-NOT: gpu.module @step_kernel
// CHECK: gpu.module @shared
// CHECK-LABEL: func.func @other
// CHECK: gpu.launch_func @shared::@shared blocks
// CHECK: gpu.launch_func @other_kernel::@other_kernel blocks
// CHECK: gpu.module @other_kernel
// CHECK-LABEL: func.func @single
// CHECK: gpu.launch_func @single_kernel::@single_kernel blocks
// CHECK: gpu.module @single_kernel
// CHECK: gpu.func @single_kernel
// CHECK-LABEL: func.func @pair
// CHECK: gpu.launch_func @pair_kernels::@first blocks
// CHECK: gpu.launch_func @pair_kernels::@second blocks
// CHECK: gpu.launch_func @pair_kernel::@pair_kernel blocks
// CHECK: gpu.module @pair_kernels {
// CHECK: gpu.func @first
// CHECK: gpu.func @second
// CHECK: gpu.module @pair_kernel {
module attributes {gpu.container_module} {
  func.func @step(%m: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @step_kernel::@step_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @step_kernel_0::@step_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @step_kernel_0::@step_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @shared::@shared blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    return
  }
  gpu.module @step_kernel {
    gpu.func @step_kernel(%m: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %x = arith.constant 1.0 : f32
      memref.store %x, %m[%c0] : memref<4xf32>
      gpu.return
    }
  }
  gpu.module @step_kernel_0 {
    gpu.func @step_kernel(%m: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %x = memref.load %m[%c0] : memref<4xf32>
      %y = arith.addf %x, %x : f32
      memref.store %y, %m[%c0] : memref<4xf32>
      gpu.return
    }
  }
  gpu.module @shared {
    gpu.func @shared(%m: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @other(%m: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @shared::@shared blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @other_kernel::@other_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    return
  }
  gpu.module @other_kernel {
    gpu.func @other_kernel(%m: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @single(%m: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @single_kernel::@single_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    return
  }
  gpu.module @single_kernel {
    gpu.func @single_kernel(%m: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @pair(%m: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @pair_kernels::@first blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @pair_kernels::@second blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @pair_kernel::@pair_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    return
  }
  gpu.module @pair_kernels {
    gpu.func @first(%m: memref<4xf32>) kernel {
      gpu.return
    }
    gpu.func @second(%m: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @pair_kernel {
    gpu.func @pair_kernel(%m: memref<4xf32>) kernel {
      gpu.return
    }
  }
}
