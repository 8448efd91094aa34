// The CUDA driver API through dlopen.
#include "runtime/gpu/CudaDriver.h"

#include "runtime/Error.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

namespace kiln::gpu {
namespace {

// cuDeviceGetAttribute's attributes Kiln reads (the driver API's values).
constexpr int kMaxSharedMemoryPerBlock = 8;
constexpr int kClockRate = 13;
constexpr int kMultiprocessorCount = 16;
constexpr int kComputeCapabilityMajor = 75;
constexpr int kComputeCapabilityMinor = 76;

struct Loaded {
  Driver *driver = nullptr;
  std::string why;
};

// Resolves `name` into `fn`; false (with `why`) when the library lacks it.
template <typename Fn>
bool resolve(void *library, const char *name, Fn &fn, std::string &why) {
  fn = reinterpret_cast<Fn>(dlsym(library, name));
  if (!fn)
    why = std::string("the driver has no ") + name;
  return fn != nullptr;
}

} // namespace

std::string DeviceInfo::chip() const {
  return "sm_" + std::to_string(major) + std::to_string(minor);
}

Driver *Driver::tryGet(std::string *why) {
  static Loaded loaded = [] {
    Loaded l;
    const char *path = std::getenv("KILN_CUDA_DRIVER");
    const char *library = path && *path ? path : "libcuda.so.1";
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *error = dlerror();
      l.why = std::string("cannot load ") + library + " (" +
              (error ? error : "not found") +
              "); is the NVIDIA driver installed on this machine?";
      return l;
    }
    auto *d = new Driver();
    DriverApi &a = d->api_;
    std::string missing;
    bool ok = resolve(handle, "cuInit", a.cuInit, missing) &&
              resolve(handle, "cuDriverGetVersion", a.cuDriverGetVersion, missing) &&
              resolve(handle, "cuDeviceGetCount", a.cuDeviceGetCount, missing) &&
              resolve(handle, "cuDeviceGet", a.cuDeviceGet, missing) &&
              resolve(handle, "cuDeviceGetName", a.cuDeviceGetName, missing) &&
              resolve(handle, "cuDeviceGetAttribute", a.cuDeviceGetAttribute, missing) &&
              resolve(handle, "cuDeviceTotalMem_v2", a.cuDeviceTotalMem, missing) &&
              resolve(handle, "cuDevicePrimaryCtxRetain", a.cuDevicePrimaryCtxRetain, missing) &&
              resolve(handle, "cuCtxSetCurrent", a.cuCtxSetCurrent, missing) &&
              resolve(handle, "cuModuleLoadDataEx", a.cuModuleLoadDataEx, missing) &&
              resolve(handle, "cuModuleUnload", a.cuModuleUnload, missing) &&
              resolve(handle, "cuModuleGetFunction", a.cuModuleGetFunction, missing) &&
              resolve(handle, "cuLaunchKernel", a.cuLaunchKernel, missing) &&
              resolve(handle, "cuStreamCreate", a.cuStreamCreate, missing) &&
              resolve(handle, "cuStreamDestroy_v2", a.cuStreamDestroy, missing) &&
              resolve(handle, "cuStreamSynchronize", a.cuStreamSynchronize, missing) &&
              resolve(handle, "cuMemAlloc_v2", a.cuMemAlloc, missing) &&
              resolve(handle, "cuMemAllocManaged", a.cuMemAllocManaged, missing) &&
              resolve(handle, "cuMemFree_v2", a.cuMemFree, missing) &&
              resolve(handle, "cuMemcpyAsync", a.cuMemcpyAsync, missing) &&
              resolve(handle, "cuMemsetD32Async", a.cuMemsetD32Async, missing) &&
              resolve(handle, "cuMemsetD16Async", a.cuMemsetD16Async, missing) &&
              resolve(handle, "cuGetErrorName", a.cuGetErrorName, missing) &&
              resolve(handle, "cuGetErrorString", a.cuGetErrorString, missing);
    if (!ok) {
      l.why = std::string(library) + " is not a usable CUDA driver: " + missing;
      delete d;
      return l;
    }
    if (CUresult r = a.cuInit(0); r != 0) {
      l.why = "cuInit failed: " + d->errorText(r);
      delete d;
      return l;
    }
    int count = 0;
    if (CUresult r = a.cuDeviceGetCount(&count); r != 0) {
      l.why = "cuDeviceGetCount failed: " + d->errorText(r);
      delete d;
      return l;
    }
    for (int i = 0; i < count; ++i) {
      DeviceInfo info;
      info.ordinal = i;
      CUdevice device = 0;
      char name[256] = {0};
      int shared = 0;
      if (a.cuDeviceGet(&device, i) != 0 ||
          a.cuDeviceGetName(name, sizeof(name) - 1, device) != 0 ||
          a.cuDeviceGetAttribute(&info.major, kComputeCapabilityMajor, device) != 0 ||
          a.cuDeviceGetAttribute(&info.minor, kComputeCapabilityMinor, device) != 0 ||
          a.cuDeviceGetAttribute(&info.multiprocessors, kMultiprocessorCount, device) != 0 ||
          a.cuDeviceGetAttribute(&shared, kMaxSharedMemoryPerBlock, device) != 0 ||
          a.cuDeviceTotalMem(&info.memoryBytes, device) != 0)
        continue;
      info.name = name;
      info.sharedMemoryPerBlock = size_t(shared);
      // For benchmark tables only: 0 where the driver no longer reports it.
      if (a.cuDeviceGetAttribute(&info.clockKHz, kClockRate, device) != 0)
        info.clockKHz = 0;
      d->devices_.push_back(info);
    }
    d->contexts_.assign(d->devices_.size(), nullptr);
    if (d->devices_.empty()) {
      l.why = "the CUDA driver sees no device";
      delete d;
      return l;
    }
    l.driver = d;
    return l;
  }();
  if (!loaded.driver && why)
    *why = loaded.why;
  return loaded.driver;
}

Driver &Driver::get() {
  std::string why;
  Driver *d = tryGet(&why);
  if (!d)
    throwError("no CUDA device: ", why);
  return *d;
}

CUcontext Driver::enter(int ordinal) {
  if (ordinal < 0 || size_t(ordinal) >= devices_.size())
    throwError("no CUDA device ", ordinal, "; this machine has ",
               devices_.size());
  static std::mutex lock;
  std::lock_guard<std::mutex> guard(lock);
  CUcontext &context = contexts_[size_t(ordinal)];
  if (!context) {
    CUdevice device = 0;
    check(api_.cuDeviceGet(&device, ordinal), "cuDeviceGet");
    check(api_.cuDevicePrimaryCtxRetain(&context, device),
          "cuDevicePrimaryCtxRetain");
  }
  check(api_.cuCtxSetCurrent(context), "cuCtxSetCurrent");
  return context;
}

std::string Driver::errorText(CUresult result) const {
  const char *name = nullptr, *text = nullptr;
  if (api_.cuGetErrorName)
    api_.cuGetErrorName(result, &name);
  if (api_.cuGetErrorString)
    api_.cuGetErrorString(result, &text);
  return std::string(name ? name : "CUDA error " + std::to_string(result)) +
         (text ? std::string(" (") + text + ")" : std::string());
}

void Driver::check(CUresult result, const char *call) const {
  if (result != 0)
    throwError(call, " failed: ", errorText(result));
}

std::vector<DeviceInfo> devices() {
  Driver *d = Driver::tryGet();
  return d ? d->devices() : std::vector<DeviceInfo>();
}

std::string unavailableReason() {
  std::string why;
  Driver::tryGet(&why);
  return why;
}

} // namespace kiln::gpu
