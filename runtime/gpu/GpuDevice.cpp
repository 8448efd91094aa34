// abi::StepDevice on a CUDA GPU.
#include "runtime/gpu/GpuDevice.h"
#include "runtime/gpu/CudaDriver.h"
#include "runtime/gpu/Mgpu.h"

#include "runtime/Error.h"

namespace kiln::gpu {
namespace {

class GpuStepDevice final : public abi::StepDevice {
public:
  explicit GpuStepDevice(DeviceInfo info) : info_(std::move(info)) {}

  std::string describe() const override {
    return "gpu:" + std::to_string(info_.ordinal) + " (" + info_.name + ", " +
           info_.chip() + ")";
  }

  Tensor empty(const Shape &shape, DType dtype) const override {
    return Tensor::borrow(allocateManaged(shapeBytes(shape, dtype), info_.ordinal),
                          shape, dtype);
  }

  void finish(const char *step) const override {
    // What failed on the way was recorded, as compiled code cannot throw.
    synchronize();
    if (std::optional<std::string> failure = takeFailure())
      throwError(step, " failed on ", describe(), ": ", *failure);
  }

private:
  static size_t shapeBytes(const Shape &shape, DType dtype) {
    size_t count = 1;
    for (int64_t d : shape) {
      if (d < 0)
        throwError("invalid shape ", shapeToString(shape), " for GPU memory");
      count *= static_cast<size_t>(d);
    }
    return count * dtypeSize(dtype);
  }

  DeviceInfo info_;
};

} // namespace

std::shared_ptr<void> allocateManaged(size_t bytes, int ordinal) {
  Driver &d = Driver::get();
  d.enter(ordinal);
  CUdeviceptr ptr = 0;
  // Even an empty tensor gets a real block, so raw() is never null.
  CUresult r = d.api().cuMemAllocManaged(&ptr, bytes ? bytes : 256,
                                         1 /*CU_MEM_ATTACH_GLOBAL*/);
  if (r != 0)
    throwError("cannot allocate ", bytes, " bytes of GPU (managed) memory: ",
               d.errorText(r));
  return std::shared_ptr<void>(
      reinterpret_cast<void *>(static_cast<uintptr_t>(ptr)), [ordinal](void *p) {
        // A tensor that outlives the driver's context (at exit) has nothing
        // left to free.
        try {
          if (Driver *driver = Driver::tryGet()) {
            driver->enter(ordinal);
            driver->api().cuMemFree(
                static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p)));
          }
        } catch (const Error &) {
          // The context is gone: so is the memory.
        }
      });
}

std::shared_ptr<const abi::StepDevice> stepDevice(int ordinal) {
  std::string why;
  Driver *d = Driver::tryGet(&why);
  if (!d)
    throwError("no CUDA device: ", why);
  if (ordinal < 0 || size_t(ordinal) >= d->devices().size())
    throwError("no CUDA device ", ordinal, ": this machine has ",
               d->devices().size());
  return std::make_shared<GpuStepDevice>(d->devices()[size_t(ordinal)]);
}

} // namespace kiln::gpu
