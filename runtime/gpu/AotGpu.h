// What the C entry points of a model compiled ahead of time for a GPU
// (kilnc --target=sm_90) call around its predict step: the step's kernels
// read device-visible memory only, so the weights get one managed copy and
// each batch goes in and comes out through managed buffers. kilnc links
// these, the mgpu* entry points (Mgpu.h) and the driver loader
// (CudaDriver.h) into the artifact, their symbols hidden.
#ifndef KILN_RUNTIME_GPU_AOTGPU_H
#define KILN_RUNTIME_GPU_AOTGPU_H

#include <cstdint>

extern "C" {
/// The managed copy of an artifact's embedded weights (`bytes` at `src`),
/// made by the first call and shared by every later one. Null when the
/// GPU fails (kiln_gpu_aot_error says why).
void *kiln_gpu_aot_weights(const void *src, int64_t bytes);
/// A managed buffer of `bytes` holding a copy of `src` (no copy when `src`
/// is null). Null when the GPU fails.
void *kiln_gpu_aot_upload(const void *src, int64_t bytes);
/// Waits for the calling thread's launches, copies `bytes` from the managed
/// `result` to `out` and gives `input` and `result` back: 0, or 4 (the
/// artifact's GPU failure code) when a call since the last finish failed,
/// leaving `out` as it was.
int32_t kiln_gpu_aot_finish(void *input, void *result, void *out,
                            int64_t bytes);
/// Gives back a buffer of kiln_gpu_aot_upload.
void kiln_gpu_aot_free(void *buffer);
/// Why the calling thread's last failed call failed ("" when none has).
const char *kiln_gpu_aot_error(void);
}

#endif // KILN_RUNTIME_GPU_AOTGPU_H
