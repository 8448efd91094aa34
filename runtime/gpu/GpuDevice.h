// A GPU as the place compiled steps run (abi::StepDevice): the runtime's
// buffers in managed memory (cuMemAllocManaged), which the kernels and the
// host both address, so parameters and optimizer state stay on the device
// between steps (the driver migrates a page only when the host touches
// it: get_weights, a callback), and a step's failures come back as
// kiln::Errors.
#ifndef KILN_RUNTIME_GPU_GPUDEVICE_H
#define KILN_RUNTIME_GPU_GPUDEVICE_H

#include "runtime/abi/Steps.h"

#include <memory>
#include <string>

namespace kiln::gpu {

/// Device `ordinal`; throws kiln::Error "no CUDA device: <why>" when
/// there is no driver or no such device.
std::shared_ptr<const abi::StepDevice> stepDevice(int ordinal = 0);

/// `bytes` of managed memory on device `ordinal`, freed with the last
/// reference; throws kiln::Error naming the size when the driver refuses.
std::shared_ptr<void> allocateManaged(size_t bytes, int ordinal = 0);

} // namespace kiln::gpu

#endif // KILN_RUNTIME_GPU_GPUDEVICE_H
