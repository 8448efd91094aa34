// The managed buffers around an ahead-of-time GPU artifact's predict step.
#include "runtime/gpu/AotGpu.h"
#include "runtime/gpu/Mgpu.h"

#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

namespace {

thread_local std::string lastError;

// Takes the recorded failure, if any, as the calling thread's last error.
bool tookFailure() {
  std::optional<std::string> failure = kiln::gpu::takeFailure();
  if (!failure)
    return false;
  lastError = *failure;
  return true;
}

void *managed(int64_t bytes) {
  void *p = mgpuMemAlloc(uint64_t(bytes > 0 ? bytes : 1), nullptr,
                         /*hostShared=*/true);
  if (!p && !tookFailure())
    lastError = "no managed memory for " + std::to_string(bytes) + " bytes";
  return p;
}

} // namespace

extern "C" {

void *kiln_gpu_aot_weights(const void *src, int64_t bytes) {
  // By address: an artifact's weights are a constant blob of its own.
  static std::mutex lock;
  static std::unordered_map<const void *, void *> copies;
  std::lock_guard<std::mutex> guard(lock);
  auto it = copies.find(src);
  if (it != copies.end())
    return it->second;
  void *copy = kiln_gpu_aot_upload(src, bytes);
  if (copy)
    copies.emplace(src, copy);
  return copy;
}

void *kiln_gpu_aot_upload(const void *src, int64_t bytes) {
  void *p = managed(bytes);
  // A failure recorded earlier (loading the modules when the artifact
  // loaded) is this call's too: the step would launch nothing.
  if (p && tookFailure()) {
    mgpuMemFree(p, nullptr);
    return nullptr;
  }
  if (p && src && bytes > 0)
    std::memcpy(p, src, size_t(bytes));
  return p;
}

int32_t kiln_gpu_aot_finish(void *input, void *result, void *out,
                            int64_t bytes) {
  kiln::gpu::synchronize();
  bool failed = tookFailure();
  if (!failed && bytes > 0)
    std::memcpy(out, result, size_t(bytes));
  mgpuMemFree(input, nullptr);
  mgpuMemFree(result, nullptr);
  return failed ? 4 : 0;
}

void kiln_gpu_aot_free(void *buffer) { mgpuMemFree(buffer, nullptr); }

const char *kiln_gpu_aot_error(void) { return lastError.c_str(); }

} // extern "C"
