// Devices: the host CPU and the CUDA driver's GPUs.
#include "frontend/Device.h"

#include "compiler/JIT/Jit.h"
#include "runtime/Error.h"
#include "runtime/gpu/CudaDriver.h"

#include <cstdlib>
#include <mutex>
#include <thread>

namespace kiln {
namespace {

std::mutex settingLock;
std::string &setting() {
  static std::string device;
  return device;
}
std::string &precisionSetting() {
  static std::string precision;
  return precision;
}

std::string checkedPrecision(const std::string &precision, const char *from) {
  if (precision != "highest" && precision != "high")
    throwError(from, ": unknown float32 matmul precision '", precision,
               "' (expected highest or high; Kiln has no bfloat16 'medium')");
  return precision;
}

std::string gpuDescription(const gpu::DeviceInfo &info) {
  return info.name + ", " + info.chip() + ", " +
         std::to_string(info.multiprocessors) + " multiprocessors, " +
         std::to_string(info.memoryBytes >> 20) + " MiB";
}

// resolve_device, with the name of where `requested` came from.
std::string resolveFrom(const std::string &requested, const char *from) {
  std::string device = requested;
  if (device.empty()) {
    device = config::get_device();
    from = "config::set_device";
  }
  if (device.empty()) {
    const char *env = std::getenv("KILN_DEVICE");
    device = env ? env : "";
    from = "KILN_DEVICE";
  }
  if (device.empty() || device == "cpu" || device == "cpu:0")
    return "cpu";
  if (device == "auto")
    return gpu::devices().empty() ? "cpu" : "gpu:0";
  int ordinal = -1;
  if (device == "gpu") {
    ordinal = 0;
  } else if (device.rfind("gpu:", 0) == 0 && device.size() > 4 &&
             device.find_first_not_of("0123456789", 4) == std::string::npos &&
             device.size() < 8) {
    ordinal = std::atoi(device.c_str() + 4);
  } else {
    throwError(from, ": unknown device '", device,
               "' (expected cpu, gpu, gpu:N or auto)");
  }
  std::vector<gpu::DeviceInfo> gpus = gpu::devices();
  if (gpus.empty())
    throwError(from, " '", device, "': no CUDA device: ",
               gpu::unavailableReason());
  if (size_t(ordinal) >= gpus.size())
    throwError(from, " '", device, "': no CUDA device ", ordinal,
               " (this machine has ", gpus.size(), ")");
  return "gpu:" + std::to_string(ordinal);
}

} // namespace

std::vector<Device> devices() {
  std::string cpu = describeHostCpu();
  // The CPU's name, without its long feature list.
  cpu = cpu.substr(0, cpu.find(' '));
  std::vector<Device> all{
      {"cpu:0", "cpu",
       cpu + ", " + std::to_string(std::thread::hardware_concurrency()) +
           " cores"}};
  for (const gpu::DeviceInfo &info : gpu::devices())
    all.push_back({"gpu:" + std::to_string(info.ordinal), "gpu",
                   gpuDescription(info)});
  return all;
}

std::string gpu_unavailable_reason() { return gpu::unavailableReason(); }

namespace config {
void set_device(const std::string &device) {
  if (!device.empty())
    (void)resolveFrom(device, "config::set_device"); // refuses it now
  std::lock_guard<std::mutex> guard(settingLock);
  setting() = device;
}

std::string get_device() {
  std::lock_guard<std::mutex> guard(settingLock);
  return setting();
}

void set_float32_matmul_precision(const std::string &precision) {
  if (!precision.empty())
    checkedPrecision(precision, "config::set_float32_matmul_precision");
  std::lock_guard<std::mutex> guard(settingLock);
  precisionSetting() = precision;
}

std::string get_float32_matmul_precision() {
  {
    std::lock_guard<std::mutex> guard(settingLock);
    if (!precisionSetting().empty())
      return precisionSetting();
  }
  const char *env = std::getenv("KILN_FLOAT32_MATMUL_PRECISION");
  if (!env || !*env)
    return "highest";
  return checkedPrecision(env, "KILN_FLOAT32_MATMUL_PRECISION");
}
} // namespace config

std::string resolve_device(const std::string &requested) {
  return resolveFrom(requested, "compile()'s device");
}

} // namespace kiln
