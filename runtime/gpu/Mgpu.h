// The mgpu* entry points MLIR's gpu-to-llvm lowering calls from a step's
// host code (module load, kernel launch, streams, memory), implemented on
// the CUDA driver (CudaDriver.h): Debian's MLIR ships no
// libmlir_cuda_runtime. Compiled code cannot take an exception, so a
// failing call records the first failure, later calls do nothing, and the
// runtime reports it after the step (takeFailure).
//
// A step's launches are asynchronous: every launch of a thread goes to that
// thread's one stream (mgpuStreamCreate), in order, and waiting on it
// (mgpuStreamSynchronize, which the lowering calls after each launch) is
// left to synchronize(): after the step (StepDevice::finish) and where the
// host code touches a buffer kernels use (kiln_gpu_synchronize, inserted by
// kiln-gpu-host-syncs). Freed temporaries are reused by the same thread's
// later allocations only, which its stream orders after their last use.
#ifndef KILN_RUNTIME_GPU_MGPU_H
#define KILN_RUNTIME_GPU_MGPU_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

extern "C" {
void *mgpuModuleLoad(void *data, size_t size);
void *mgpuModuleLoadJIT(void *data, int optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedBytes, void *stream,
                      void **params, void **extra, size_t paramsCount);
void *mgpuStreamCreate();
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared);
void mgpuMemFree(void *ptr, void *stream);
void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream);
void mgpuMemset32(void *dst, unsigned value, size_t count, void *stream);
void mgpuMemset16(void *dst, unsigned short value, size_t count, void *stream);
void mgpuSetDefaultDevice(int32_t device);
/// Frees a step's temporary (kiln-gpu-shared-allocs): its address.
void kiln_gpu_free(int64_t address);
/// Waits for the calling thread's launches: where the host code touches a
/// buffer kernels use (kiln-gpu-host-syncs).
void kiln_gpu_synchronize();
}

namespace kiln::gpu {

/// The first failure of an mgpu call since the last takeFailure(), which
/// clears it: the call and the driver's message.
std::optional<std::string> takeFailure();

/// Waits for the work the calling thread's steps launched (their stream:
/// mgpuStreamCreate hands each thread one stream, kept for its life).
/// Failures are recorded, as every mgpu call's.
void synchronize();

/// The mgpu symbols by name, for a JIT to resolve the lowered host code's
/// calls against.
std::vector<std::pair<const char *, void *>> mgpuSymbols();

} // namespace kiln::gpu

#endif // KILN_RUNTIME_GPU_MGPU_H
