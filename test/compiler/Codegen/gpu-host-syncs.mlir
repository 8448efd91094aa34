// RUN: kiln-opt %s --kiln-gpu-host-syncs | FileCheck %s

// kiln-gpu-host-syncs: the host waits for the GPU only before touching a
// buffer (through any view) that a kernel launched before it uses.
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @k(%m: memref<4xf32>) kernel {
      gpu.return
    }
  }

  // CHECK-LABEL: func.func @after_launch
  // CHECK: memref.load %[[LR:.*]][] : memref<f32>
  // CHECK-NEXT: gpu.launch_func @k::@k
  // CHECK-NEXT: memref.store %{{.*}}, %[[HOST:.*]][] : memref<f32>
  // CHECK-NEXT: memref.subview
  // CHECK-NEXT: call @kiln_gpu_synchronize() : () -> ()
  // CHECK-NEXT: memref.load
  // CHECK-NEXT: memref.load
  // CHECK-NEXT: gpu.launch_func @k::@k
  // CHECK-NEXT: call @kiln_gpu_synchronize() : () -> ()
  // CHECK-NEXT: memref.store
  // CHECK-NEXT: return
  func.func @after_launch(%t: memref<4xf32>, %lr: memref<f32>, %host: memref<f32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %rate = memref.load %lr[] : memref<f32>
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%t : memref<4xf32>)
    // A host-only buffer: no wait.
    memref.store %rate, %host[] : memref<f32>
    // The kernel's buffer through a view (making the view reads nothing):
    // one wait covers both loads.
    %v = memref.subview %t[1] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1], offset: 1>>
    %a = memref.load %v[%c0] : memref<2xf32, strided<[1], offset: 1>>
    %b = memref.load %t[%c0] : memref<4xf32>
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%t : memref<4xf32>)
    memref.store %a, %t[%c1] : memref<4xf32>
    return
  }

  // A loop's next iteration follows its launch: the load at the top of
  // the body waits.
  // CHECK-LABEL: func.func @in_a_loop
  // CHECK: scf.for
  // CHECK-NEXT: func.call @kiln_gpu_synchronize() : () -> ()
  // CHECK-NEXT: memref.load
  // CHECK-NEXT: gpu.launch_func
  // CHECK: func.func private @kiln_gpu_synchronize()
  func.func @in_a_loop(%t: memref<4xf32>, %n: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %n step %c1 {
      %x = memref.load %t[%c0] : memref<4xf32>
      gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%t : memref<4xf32>)
    }
    return
  }
}
