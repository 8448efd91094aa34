// mgpu* on the CUDA driver API.
#include "runtime/gpu/Mgpu.h"
#include "runtime/gpu/CudaDriver.h"

#include "runtime/Error.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

using namespace kiln::gpu;

namespace {

std::mutex failureLock;
std::optional<std::string> failure;

// The device mgpuSetDefaultDevice chose, and the one whose context the
// calling thread has made current (-1: none yet), so a launch does not
// take the driver's lock and set the context every time.
int defaultDevice = 0;
thread_local int enteredDevice = -1;

void fail(const std::string &what) {
  std::lock_guard<std::mutex> guard(failureLock);
  if (!failure)
    failure = what;
}

bool failed() {
  std::lock_guard<std::mutex> guard(failureLock);
  return failure.has_value();
}

// Runs `body` with the driver entered, turning any kiln::Error into the
// recorded failure; false when it failed or an earlier call had.
template <typename Body>
bool guarded(const char *call, Body &&body) {
  if (failed())
    return false;
  try {
    Driver &d = Driver::get();
    if (enteredDevice != defaultDevice) {
      d.enter(defaultDevice);
      enteredDevice = defaultDevice;
    }
    body(d);
    return true;
  } catch (const kiln::Error &e) {
    fail(std::string(call) + ": " + e.what());
    return false;
  }
}

CUstream asStream(void *s) { return static_cast<CUstream>(s); }

// The stream of the calling thread: the lowered host code creates and
// destroys one around every launch, which costs more than a small kernel.
thread_local CUstream threadStream = nullptr;

// Managed blocks of the steps' temporaries, kept by size when freed: a step
// allocates the same sizes in the same order every time, and cuMemFree
// waits for the whole device.
constexpr size_t kGranule = 512;
constexpr size_t kMaxCachedBytes = size_t(4) << 30;
std::mutex poolLock;
std::unordered_map<void *, size_t> liveBlocks;
// By the stream that may still use them (their freeing thread's) and size.
std::multimap<std::pair<CUstream, size_t>, void *> freeBlocks;
size_t cachedBytes = 0; // in freeBlocks

size_t roundUp(uint64_t bytes) {
  return (std::max<uint64_t>(bytes, 1) + kGranule - 1) / kGranule * kGranule;
}

void *takeCached(size_t size) {
  std::lock_guard<std::mutex> guard(poolLock);
  auto it = freeBlocks.find({threadStream, size});
  if (it == freeBlocks.end())
    return nullptr;
  void *p = it->second;
  freeBlocks.erase(it);
  cachedBytes -= size;
  liveBlocks[p] = size;
  return p;
}

// Returns a live pooled block to the cache; false for a pointer the pool
// did not hand out, or when the cache is full (the caller frees it).
bool giveBack(void *p) {
  std::lock_guard<std::mutex> guard(poolLock);
  auto it = liveBlocks.find(p);
  if (it == liveBlocks.end())
    return false;
  size_t size = it->second;
  liveBlocks.erase(it);
  if (cachedBytes + size > kMaxCachedBytes)
    return false;
  freeBlocks.emplace(std::make_pair(threadStream, size), p);
  cachedBytes += size;
  return true;
}
CUdeviceptr asDevice(const void *p) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p));
}

} // namespace

namespace kiln::gpu {

std::optional<std::string> takeFailure() {
  std::lock_guard<std::mutex> guard(failureLock);
  std::optional<std::string> f = std::move(failure);
  failure.reset();
  return f;
}

void synchronize() {
  if (!threadStream)
    return;
  guarded("waiting for the GPU", [&](Driver &d) {
    d.check(d.api().cuStreamSynchronize(threadStream), "cuStreamSynchronize");
  });
}

std::vector<std::pair<const char *, void *>> mgpuSymbols() {
  return {
      {"mgpuModuleLoad", reinterpret_cast<void *>(&mgpuModuleLoad)},
      {"mgpuModuleLoadJIT", reinterpret_cast<void *>(&mgpuModuleLoadJIT)},
      {"mgpuModuleUnload", reinterpret_cast<void *>(&mgpuModuleUnload)},
      {"mgpuModuleGetFunction", reinterpret_cast<void *>(&mgpuModuleGetFunction)},
      {"mgpuLaunchKernel", reinterpret_cast<void *>(&mgpuLaunchKernel)},
      {"mgpuStreamCreate", reinterpret_cast<void *>(&mgpuStreamCreate)},
      {"mgpuStreamDestroy", reinterpret_cast<void *>(&mgpuStreamDestroy)},
      {"mgpuStreamSynchronize", reinterpret_cast<void *>(&mgpuStreamSynchronize)},
      {"mgpuMemAlloc", reinterpret_cast<void *>(&mgpuMemAlloc)},
      {"mgpuMemFree", reinterpret_cast<void *>(&mgpuMemFree)},
      {"mgpuMemcpy", reinterpret_cast<void *>(&mgpuMemcpy)},
      {"mgpuMemset32", reinterpret_cast<void *>(&mgpuMemset32)},
      {"mgpuMemset16", reinterpret_cast<void *>(&mgpuMemset16)},
      {"mgpuSetDefaultDevice", reinterpret_cast<void *>(&mgpuSetDefaultDevice)},
      {"kiln_gpu_free", reinterpret_cast<void *>(&kiln_gpu_free)},
      {"kiln_gpu_synchronize", reinterpret_cast<void *>(&kiln_gpu_synchronize)},
  };
}

} // namespace kiln::gpu

extern "C" {

void *mgpuModuleLoad(void *data, size_t size) {
  (void)size;
  CUmodule module = nullptr;
  guarded("loading a GPU module", [&](Driver &d) {
    d.check(d.api().cuModuleLoadDataEx(&module, data, 0, nullptr, nullptr),
            "cuModuleLoadDataEx");
  });
  return module;
}

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  CUmodule module = nullptr;
  guarded("compiling a GPU module (PTX)", [&](Driver &d) {
    // The driver compiles the PTX; its error log says why it could not.
    char log[8192] = {0};
    int options[] = {5 /*CU_JIT_ERROR_LOG_BUFFER*/,
                     6 /*CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES*/,
                     7 /*CU_JIT_OPTIMIZATION_LEVEL*/};
    void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof(log))),
                      reinterpret_cast<void *>(uintptr_t(optLevel))};
    CUresult r = d.api().cuModuleLoadDataEx(&module, data, 3, options, values);
    if (r != 0)
      kiln::throwError("cuModuleLoadDataEx failed: ", d.errorText(r),
                       log[0] ? std::string("; the PTX compiler said: ") + log
                              : std::string());
  });
  return module;
}

void mgpuModuleUnload(void *module) {
  if (!module)
    return;
  guarded("unloading a GPU module", [&](Driver &d) {
    d.check(d.api().cuModuleUnload(static_cast<CUmodule>(module)),
            "cuModuleUnload");
  });
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  CUfunction function = nullptr;
  guarded("finding a kernel", [&](Driver &d) {
    if (!module)
      kiln::throwError("no module holds kernel ", name);
    d.check(d.api().cuModuleGetFunction(&function,
                                        static_cast<CUmodule>(module), name),
            "cuModuleGetFunction");
  });
  return function;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedBytes, void *stream,
                      void **params, void **extra, size_t paramsCount) {
  (void)paramsCount;
  guarded("launching a kernel", [&](Driver &d) {
    if (gridX <= 0 || gridY <= 0 || gridZ <= 0)
      return; // an empty batch: nothing to do
    d.check(d.api().cuLaunchKernel(static_cast<CUfunction>(function),
                                   unsigned(gridX), unsigned(gridY),
                                   unsigned(gridZ), unsigned(blockX),
                                   unsigned(blockY), unsigned(blockZ),
                                   unsigned(sharedBytes), asStream(stream),
                                   params, extra),
            "cuLaunchKernel");
  });
}

void *mgpuStreamCreate() {
  if (threadStream)
    return threadStream;
  guarded("creating a stream", [&](Driver &d) {
    d.check(d.api().cuStreamCreate(&threadStream, 1 /*CU_STREAM_NON_BLOCKING*/),
            "cuStreamCreate");
  });
  return threadStream;
}

void mgpuStreamDestroy(void *stream) {
  // The thread's stream stays for its next launch.
  if (!stream || stream == threadStream)
    return;
  guarded("destroying a stream", [&](Driver &d) {
    d.check(d.api().cuStreamDestroy(asStream(stream)), "cuStreamDestroy");
  });
}

void mgpuStreamSynchronize(void *stream) {
  // The thread's stream is waited for by synchronize(), not after every
  // launch.
  if (stream && stream == threadStream)
    return;
  guarded("waiting for the GPU", [&](Driver &d) {
    d.check(d.api().cuStreamSynchronize(asStream(stream)),
            "cuStreamSynchronize");
  });
}

void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared) {
  (void)stream;
  if (bytes == 0)
    return nullptr;
  if (hostShared)
    if (void *p = takeCached(roundUp(bytes)))
      return p;
  CUdeviceptr ptr = 0;
  guarded("allocating GPU memory", [&](Driver &d) {
    if (hostShared)
      d.check(d.api().cuMemAllocManaged(&ptr, roundUp(bytes),
                                        1 /*CU_MEM_ATTACH_GLOBAL*/),
              "cuMemAllocManaged");
    else
      d.check(d.api().cuMemAlloc(&ptr, bytes), "cuMemAlloc");
  });
  void *p = reinterpret_cast<void *>(uintptr_t(ptr));
  if (p && hostShared) {
    std::lock_guard<std::mutex> guard(poolLock);
    liveBlocks[p] = roundUp(bytes);
  }
  return p;
}

void mgpuMemFree(void *ptr, void *stream) {
  (void)stream;
  if (!ptr || giveBack(ptr))
    return;
  // The block may still be read by a kernel on the thread's stream.
  kiln::gpu::synchronize();
  guarded("freeing GPU memory", [&](Driver &d) {
    d.check(d.api().cuMemFree(asDevice(ptr)), "cuMemFree");
  });
}

void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  guarded("copying GPU memory", [&](Driver &d) {
    d.check(d.api().cuMemcpyAsync(asDevice(dst), asDevice(src), bytes,
                                  asStream(stream)),
            "cuMemcpyAsync");
  });
}

void mgpuMemset32(void *dst, unsigned value, size_t count, void *stream) {
  guarded("filling GPU memory", [&](Driver &d) {
    d.check(d.api().cuMemsetD32Async(asDevice(dst), value, count,
                                     asStream(stream)),
            "cuMemsetD32Async");
  });
}

void mgpuMemset16(void *dst, unsigned short value, size_t count, void *stream) {
  guarded("filling GPU memory", [&](Driver &d) {
    d.check(d.api().cuMemsetD16Async(asDevice(dst), value, count,
                                     asStream(stream)),
            "cuMemsetD16Async");
  });
}

void mgpuSetDefaultDevice(int32_t device) { defaultDevice = device; }

void kiln_gpu_free(int64_t address) {
  mgpuMemFree(reinterpret_cast<void *>(uintptr_t(address)), nullptr);
}

void kiln_gpu_synchronize() { kiln::gpu::synchronize(); }

} // extern "C"
