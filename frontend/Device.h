// Where a compiled model runs: the CPU, or an NVIDIA GPU.
//   for (const kiln::Device &d : kiln::devices()) std::cout << d.name;
//   model.compile({..., .device = "gpu"});      // or "cpu", "auto", "gpu:1"
//   kiln::config::set_device("gpu");           // every compile() after it
//   KILN_DEVICE=gpu ./train                      // the same from outside
// fit, evaluate and predict are the same on either.
#ifndef KILN_FRONTEND_DEVICE_H
#define KILN_FRONTEND_DEVICE_H

#include <string>
#include <vector>

namespace kiln {

struct Device {
  /// "cpu:0", "gpu:0", "gpu:1", ...: what compile's device takes.
  std::string name;
  /// "cpu" or "gpu".
  std::string kind;
  /// The CPU's LLVM name and features' count and cores, or the GPU's name,
  /// chip (sm_90), multiprocessors and memory.
  std::string description;
};

/// The CPU, then each GPU the CUDA driver sees (none without a driver).
std::vector<Device> devices();

/// Why devices() lists no GPU ("" when it lists one).
std::string gpu_unavailable_reason();

namespace config {
/// The device compile() takes when its options name none: "cpu", "gpu",
/// "gpu:N" or "auto"; "" (the default) takes KILN_DEVICE, else "cpu".
void set_device(const std::string &device);
std::string get_device();

/// How a GPU computes f32 matrix products and convolutions (the CPU's are
/// f32 either way), named as torch.set_float32_matmul_precision names it:
/// "highest", f32 multiply-adds on CUDA cores, the CPU's results; or
/// "high", tensor cores with TF32 operands (10 mantissa bits, rounded to
/// nearest) and f32 sums, on sm_80 and later (older GPUs keep "highest").
/// "" (the default) takes KILN_FLOAT32_MATMUL_PRECISION, else "highest".
/// Applies to models compiled after it.
void set_float32_matmul_precision(const std::string &precision);
/// The precision compile() takes now: the setting, else the environment's,
/// else "highest". Throws kiln::Error naming a bad environment value.
std::string get_float32_matmul_precision();
} // namespace config

/// `requested` (a compile() device, "" for the default above) as "cpu" or
/// "gpu:N". "auto" is the first GPU when there is one, else the CPU.
/// Throws kiln::Error naming the value when it is none of these, and "no
/// CUDA device: <why>" for a GPU this machine does not have.
std::string resolve_device(const std::string &requested);

} // namespace kiln

#endif // KILN_FRONTEND_DEVICE_H
