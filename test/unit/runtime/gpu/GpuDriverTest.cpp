// The CUDA driver loaded at run time and the mgpu* entry points on it.
// Without a GPU (CI): no driver gives an empty device list and a clear
// reason, a library that is not a driver is named, and the mgpu calls
// record their failure instead of crashing. With one (the device machine):
// the devices are described and a kernel of hand-written PTX runs on
// managed memory.
#include "runtime/Error.h"
#include "runtime/gpu/CudaDriver.h"
#include "runtime/gpu/Mgpu.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace kiln::gpu {
namespace {

// Each death test re-runs the binary, so the driver is loaded afresh with
// the environment the test sets.
class RuntimeGpuDriver : public ::testing::Test {
protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

// Prints unavailableReason() and exits 0 when it holds `expected`.
[[noreturn]] void reasonHas(const char *driver, const char *expected) {
  setenv("KILN_CUDA_DRIVER", driver, 1);
  std::string why = unavailableReason();
  std::fprintf(stderr, "%s\n", why.c_str());
  std::exit(devices().empty() && why.find(expected) != std::string::npos ? 0 : 1);
}

TEST_F(RuntimeGpuDriver, MissingDriverIsNamed) {
  EXPECT_EXIT(reasonHas("/nonexistent/libcuda.so.1",
                        "cannot load /nonexistent/libcuda.so.1"),
              ::testing::ExitedWithCode(0), "is the NVIDIA driver installed");
}

TEST_F(RuntimeGpuDriver, LibraryThatIsNotADriverIsNamed) {
  EXPECT_EXIT(reasonHas("libz.so.1", "is not a usable CUDA driver: the driver has no cuInit"),
              ::testing::ExitedWithCode(0), "libz.so.1");
}

// Tests what this machine has: devices described (chip, memory), or none
// with a reason and Driver::get() throwing it.
TEST_F(RuntimeGpuDriver, DevicesOrAClearReason) {
  std::vector<DeviceInfo> found = devices();
  if (found.empty()) {
    std::string why = unavailableReason();
    EXPECT_FALSE(why.empty());
    try {
      Driver::get();
      ADD_FAILURE() << "Driver::get() did not throw";
    } catch (const Error &e) {
      EXPECT_NE(std::string(e.what()).find("no CUDA device: " + why), std::string::npos)
          << e.what();
    }
    GTEST_SKIP() << "no CUDA device: " << why;
  }
  for (const DeviceInfo &d : found) {
    EXPECT_FALSE(d.name.empty());
    EXPECT_GE(d.major, 5);
    EXPECT_EQ(d.chip(), "sm_" + std::to_string(d.major) + std::to_string(d.minor));
    EXPECT_GT(d.memoryBytes, size_t(1) << 30);
    EXPECT_GT(d.multiprocessors, 0);
    std::printf("device %d: %s, %s, %d SMs, %.1f GiB\n", d.ordinal, d.name.c_str(),
                d.chip().c_str(), d.multiprocessors, double(d.memoryBytes) / (1 << 30));
  }
  EXPECT_EQ(unavailableReason(), "");
}

// Tests that a failing mgpu call records its failure (with the call named)
// and the calls after it do nothing until the failure is taken.
TEST_F(RuntimeGpuDriver, FailuresAreRecordedNotThrown) {
  takeFailure();
  EXPECT_EQ(mgpuModuleLoadJIT(const_cast<char *>("this is not PTX"), 2), nullptr);
  std::optional<std::string> f = takeFailure();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->rfind("compiling a GPU module (PTX): ", 0), 0u) << *f;
  EXPECT_FALSE(takeFailure().has_value());
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "k"), nullptr);
  f = takeFailure();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->rfind("finding a kernel: ", 0), 0u) << *f;
}

// On a GPU: y[i] = 2 * x[i] + 1 in hand-written PTX, loaded, launched on
// managed memory through the mgpu calls the lowered host code makes.
TEST_F(RuntimeGpuDriver, HandWrittenKernelRuns) {
  if (devices().empty())
    GTEST_SKIP() << "no CUDA device: " << unavailableReason();
  static const char ptx[] = R"(
.version 7.0
.target sm_50
.address_size 64
.visible .entry axpb(.param .u64 x, .param .u64 y, .param .u32 n) {
  .reg .pred %p;
  .reg .b32 %r<6>;
  .reg .f32 %f<3>;
  .reg .b64 %rd<6>;
  ld.param.u64 %rd1, [x];
  ld.param.u64 %rd2, [y];
  ld.param.u32 %r1, [n];
  mov.u32 %r2, %ctaid.x;
  mov.u32 %r3, %ntid.x;
  mov.u32 %r4, %tid.x;
  mad.lo.s32 %r5, %r2, %r3, %r4;
  setp.ge.s32 %p, %r5, %r1;
  @%p ret;
  mul.wide.s32 %rd3, %r5, 4;
  add.s64 %rd4, %rd1, %rd3;
  add.s64 %rd5, %rd2, %rd3;
  ld.global.f32 %f1, [%rd4];
  fma.rn.f32 %f2, %f1, 0f40000000, 0f3F800000;
  st.global.f32 [%rd5], %f2;
  ret;
}
)";
  takeFailure();
  void *module = mgpuModuleLoadJIT(const_cast<char *>(ptx), 2);
  ASSERT_NE(module, nullptr) << takeFailure().value_or("");
  void *kernel = mgpuModuleGetFunction(module, "axpb");
  ASSERT_NE(kernel, nullptr) << takeFailure().value_or("");
  const int n = 1000;
  auto *x = static_cast<float *>(mgpuMemAlloc(n * sizeof(float), nullptr, true));
  auto *y = static_cast<float *>(mgpuMemAlloc(n * sizeof(float), nullptr, true));
  ASSERT_NE(x, nullptr);
  for (int i = 0; i < n; ++i)
    x[i] = float(i);
  void *stream = mgpuStreamCreate();
  int count = n;
  void *params[] = {&x, &y, &count};
  mgpuLaunchKernel(kernel, (n + 255) / 256, 1, 1, 256, 1, 1, 0, stream, params,
                   nullptr, 3);
  // The thread's stream: launches are asynchronous until synchronize().
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  synchronize();
  ASSERT_FALSE(takeFailure().has_value());
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(y[i], 2.f * float(i) + 1.f) << i;
  kiln_gpu_free(int64_t(reinterpret_cast<uintptr_t>(x)));
  kiln_gpu_free(int64_t(reinterpret_cast<uintptr_t>(y)));
  mgpuModuleUnload(module);
  EXPECT_FALSE(takeFailure().has_value());
}

} // namespace
} // namespace kiln::gpu
