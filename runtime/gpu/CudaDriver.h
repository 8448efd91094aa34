// The CUDA driver API, loaded at run time: Kiln links no CUDA library, so it
// builds and runs on machines without a GPU or a CUDA toolkit, and says so
// clearly when a GPU step is asked for there. The handles are the driver's
// own (CUcontext, CUmodule, ... as opaque pointers); only the calls Kiln
// makes are resolved.
#ifndef KILN_RUNTIME_GPU_CUDADRIVER_H
#define KILN_RUNTIME_GPU_CUDADRIVER_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kiln::gpu {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;

/// The entry points of libcuda.so.1 that Kiln calls (the _v2 versions where
/// the driver has them).
struct DriverApi {
  CUresult (*cuInit)(unsigned flags);
  CUresult (*cuDriverGetVersion)(int *version);
  CUresult (*cuDeviceGetCount)(int *count);
  CUresult (*cuDeviceGet)(CUdevice *device, int ordinal);
  CUresult (*cuDeviceGetName)(char *name, int length, CUdevice device);
  CUresult (*cuDeviceGetAttribute)(int *value, int attribute, CUdevice device);
  CUresult (*cuDeviceTotalMem)(size_t *bytes, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*cuCtxSetCurrent)(CUcontext context);
  CUresult (*cuModuleLoadDataEx)(CUmodule *module, const void *image,
                                 unsigned numOptions, int *options,
                                 void **values);
  CUresult (*cuModuleUnload)(CUmodule module);
  CUresult (*cuModuleGetFunction)(CUfunction *function, CUmodule module,
                                  const char *name);
  CUresult (*cuLaunchKernel)(CUfunction function, unsigned gridX,
                             unsigned gridY, unsigned gridZ, unsigned blockX,
                             unsigned blockY, unsigned blockZ,
                             unsigned sharedBytes, CUstream stream,
                             void **params, void **extra);
  CUresult (*cuStreamCreate)(CUstream *stream, unsigned flags);
  CUresult (*cuStreamDestroy)(CUstream stream);
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuMemAlloc)(CUdeviceptr *ptr, size_t bytes);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *ptr, size_t bytes, unsigned flags);
  CUresult (*cuMemFree)(CUdeviceptr ptr);
  CUresult (*cuMemcpyAsync)(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                            CUstream stream);
  CUresult (*cuMemsetD32Async)(CUdeviceptr dst, unsigned value, size_t count,
                               CUstream stream);
  CUresult (*cuMemsetD16Async)(CUdeviceptr dst, unsigned short value,
                               size_t count, CUstream stream);
  CUresult (*cuGetErrorName)(CUresult error, const char **name);
  CUresult (*cuGetErrorString)(CUresult error, const char **text);
};

/// One GPU as the driver describes it.
struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  /// Compute capability, e.g. 9.0 for an H100 ("sm_90").
  int major = 0, minor = 0;
  int multiprocessors = 0;
  size_t memoryBytes = 0;
  size_t sharedMemoryPerBlock = 0;
  /// The multiprocessors' peak clock, 0 when unknown.
  int clockKHz = 0;
  /// "sm_<major><minor>", the chip kiln-to-nvvm compiles for.
  std::string chip() const;
};

/// The loaded driver, once per process. Loading opens libcuda.so.1 (or
/// KILN_CUDA_DRIVER, a path, when set) and calls cuInit; any failure is
/// kept and reported by name, never retried.
class Driver {
public:
  /// The driver; throws kiln::Error "no CUDA driver: <why>" when there is
  /// none.
  static Driver &get();
  /// The driver, or nullptr with `why` filled (never throws).
  static Driver *tryGet(std::string *why = nullptr);

  const DriverApi &api() const { return api_; }
  const std::vector<DeviceInfo> &devices() const { return devices_; }
  /// The primary context of device `ordinal`, made current on the calling
  /// thread.
  CUcontext enter(int ordinal = 0);
  /// Throws kiln::Error naming `call` and the driver's error name and text
  /// unless `result` is success.
  void check(CUresult result, const char *call) const;
  std::string errorText(CUresult result) const;

private:
  Driver() = default;
  DriverApi api_{};
  std::vector<DeviceInfo> devices_;
  std::vector<CUcontext> contexts_;
};

/// The GPUs present (empty without a driver or a device; never throws).
std::vector<DeviceInfo> devices();
/// Why devices() is empty ("" when it is not): no driver, the driver's
/// error, or no device.
std::string unavailableReason();

} // namespace kiln::gpu

#endif // KILN_RUNTIME_GPU_CUDADRIVER_H
