// Tests kilnc's GPU targets (--target=sm_NN): the artifacts carry the
// kernels' PTX for the named chip and Kiln's GPU runtime with its symbols
// hidden, need no LLVM and no CUDA library at link time, and either predict
// as the JIT does on the CPU (on a machine with a GPU) or say clearly that
// there is none; kilnc refuses what a GPU artifact cannot be.
#include "test/unit/aot/AotFixture.h"
#include "runtime/data/Npy.h"
#include "runtime/gpu/CudaDriver.h"
#include "test/unit/Subprocess.h"

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using namespace kiln;
using namespace kiln::test;

namespace {

bool haveGpu() { return !gpu::devices().empty(); }

std::string readFile(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

size_t count(const std::string &text, const std::string &what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

// The shared library: its exports, its PTX, its header, and its
// predictions (within 1e-4 of the CPU's, as the GPU steps are) or the
// reason it cannot run.
TEST_F(AotTest, GpuTargetLibraryPredictsAsTheCpuOrSaysWhyNot) {
  std::string keras = (dir / "small.keras").string();
  Sequential model = smallCnn(keras);
  std::string lib = (dir / "libgsmall.so").string();
  Command r = run(kilnc(keras + " --target=sm_90 --name=gsmall -o " + lib));
  ASSERT_EQ(r.status, 0) << r.output;

  // The model's entry points alone: the runtime's symbols (mgpu*, the C++
  // library's inline functions) stay inside.
  Command nm = run("nm -D --defined-only " + lib);
  ASSERT_EQ(nm.status, 0) << nm.output;
  EXPECT_EQ(count(nm.output, "\n"), 3u) << nm.output;
  for (const char *symbol : {"gsmall_predict", "gsmall_version",
                             "gsmall_gpu_error"})
    EXPECT_NE(nm.output.find(symbol), std::string::npos) << nm.output;
  Command ldd = run("ldd " + lib);
  EXPECT_EQ(ldd.output.find("LLVM"), std::string::npos) << ldd.output;
  EXPECT_EQ(ldd.output.find("libcuda"), std::string::npos) << ldd.output;

  std::string bytes = readFile(lib);
  EXPECT_EQ(count(bytes, ".target sm_90"), 1u); // one gpu.module
  EXPECT_GE(count(bytes, ".visible .entry predict_step_kernel"), 3u);
  std::string header = readFile(dir / "gsmall.h");
  EXPECT_NE(header.find("the NVIDIA sm_90 GPU (host code: x86-64)"),
            std::string::npos) << header;
  EXPECT_NE(header.find("GSMALL_GPU_FAILED = 4"), std::string::npos) << header;
  EXPECT_NE(header.find("const char *gsmall_gpu_error(void);"),
            std::string::npos) << header;

  PredictFn predict = load(lib, "gsmall");
  ASSERT_NE(predict, nullptr);
  auto gpuError = reinterpret_cast<VersionFn>(
      dlsym(handles.back(), "gsmall_gpu_error"));
  ASSERT_NE(gpuError, nullptr);
  const int64_t n = 37;
  Tensor x = inputs(n);
  std::vector<float> out(n * 5, -1.f);
  std::vector<float> in(64, 0.5f);
  EXPECT_EQ(predict(in.data(), -1, out.data()), 1);
  EXPECT_EQ(predict(nullptr, 0, nullptr), 0);
  if (!haveGpu()) {
    // Twice: the first call reports the failure of loading the kernels
    // when the library loaded, the second its own.
    for (int call = 0; call < 2; ++call) {
      EXPECT_EQ(predict(x.data<float>(), n, out.data()), 4);
      EXPECT_NE(std::string(gpuError()).find("no CUDA device"),
                std::string::npos) << gpuError();
    }
    EXPECT_EQ(out[0], -1.f); // untouched
    GTEST_SKIP() << "no CUDA device: " << gpu::unavailableReason();
  }
  Tensor expected = model.predict(x, {.verbose = 0});
  ASSERT_EQ(predict(x.data<float>(), n, out.data()), 0) << gpuError();
  EXPECT_LE(maxAbsDiff(out.data(), expected.data<float>(), out.size()), 1e-4f);
  // Again, and one sample: the weights' device copy is reused.
  std::vector<float> one(5);
  ASSERT_EQ(predict(x.data<float>() + 10 * 64, 1, one.data()), 0) << gpuError();
  EXPECT_LE(maxAbsDiff(one.data(), expected.data<float>() + 10 * 5, 5), 1e-4f);
}

// The executable and the static library (with tensor cores): built with
// the C compiler alone, reading the model's file, and on a GPU classifying
// Fashion-MNIST as Keras does (within half a point with TF32).
TEST_F(AotTest, GpuTargetExecutableAndStaticLibrary) {
  std::string keras = (dir / "small.keras").string();
  Sequential model = smallCnn(keras);
  std::string exe = (dir / "gsmall").string();
  Command r = run(kilnc(keras + " --target=sm_90 --emit=exe -o " + exe));
  ASSERT_EQ(r.status, 0) << r.output;
  const int64_t n = 9;
  Tensor x = inputs(n);
  io::writeNpy((dir / "in.npy").string(), x);
  r = run(exe + " " + (dir / "in.npy").string() + " -o " +
          (dir / "out.npy").string());
  if (!haveGpu()) {
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("the model cannot run on the GPU: "),
              std::string::npos) << r.output;
    EXPECT_NE(r.output.find("no CUDA device"), std::string::npos) << r.output;
  } else {
    ASSERT_EQ(r.status, 0) << r.output;
    Tensor got = io::readNpy((dir / "out.npy").string());
    Tensor expected = model.predict(x, {.verbose = 0});
    ASSERT_EQ(got.size(), expected.size());
    EXPECT_LE(maxAbsDiff(got.data<float>(), expected.data<float>(),
                         size_t(got.size())),
              1e-4f);
  }

  const std::string fmnist = KILN_SOURCE_DIR "/../shared"
      "/keras-files/k3-cnn-dotkeras-fmnist/fashion_mnist_cnn.keras";
  const std::string data = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(fmnist) || !fs::exists(data + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "needs " << fmnist << " and Debian's dataset-fashion-mnist";
  std::string archive = (dir / "libmodel.a").string();
  r = run(kilnc(fmnist + " --name=model --target=sm_80 --precision=tf32 "
                         "--emit=staticlib -o " + archive));
  ASSERT_EQ(r.status, 0) << r.output;
  Command members = run("ar t " + archive);
  EXPECT_EQ(members.output, "model.o\nmodel-gpu-runtime.o\n");
  std::string bytes = readFile(archive);
  EXPECT_EQ(count(bytes, ".target sm_80"), 1u);
  // The convolutions and the dense layer on tensor cores.
  EXPECT_GE(count(bytes, "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32"),
            3u);
  std::string classify = (dir / "classify").string();
  r = run(std::string(KILN_C_COMPILER) + " -O2 -I" + dir.string() + " " +
          KILN_SOURCE_DIR "/examples/aot/classify.c " + archive +
          " -lstdc++ -ldl -lpthread -lz -lm -o " + classify);
  ASSERT_EQ(r.status, 0) << r.output;
  r = run(classify + " " + data);
  if (!haveGpu()) {
    EXPECT_NE(r.output.find("model_predict failed with 4"), std::string::npos)
        << r.output;
    GTEST_SKIP() << "no CUDA device: " << gpu::unavailableReason();
  }
  ASSERT_EQ(r.status, 0) << r.output;
  // ../shared/keras-files/README.md: 9096/10000 with Keras.
  size_t at = r.output.find("accuracy: ");
  ASSERT_NE(at, std::string::npos) << r.output;
  int correct = std::stoi(r.output.substr(at + 10));
  EXPECT_NEAR(correct, 9096, 50) << r.output;
}

TEST_F(AotTest, KilncRefusesWhatAGpuArtifactCannotBe) {
  std::string keras = (dir / "small.keras").string();
  smallCnn(keras);
  struct Case {
    std::string flags, error;
  };
  const Case cases[] = {
      {"--target=sm_60", "--target=sm_60 is not an NVIDIA chip Kiln compiles "
                         "for (sm_70 to sm_90"},
      {"--target=sm_100", "--target=sm_100 is not an NVIDIA chip"},
      {"--target=sm_9x", "--target=sm_9x is not an NVIDIA chip"},
      {"--precision=tf32", "--precision=tf32 is for GPU targets"},
      {"--target=sm_75 --precision=tf32", "sm_80 or later, not sm_75"},
      {"--target=sm_90 --precision=bf16",
       "--precision takes fp32 or tf32, not 'bf16'"},
      {"--target=sm_90 --emit=obj", "use --emit=staticlib"},
      {"--target=sm_90 --train", "training ahead of time runs on the CPU"},
      {"--target=sm_90 --weights=external",
       "external weights are for CPU targets"},
      // "--threads is for CPU targets", or in a build without OpenMP,
      // which refuses any --threads above 1 first, "--threads above 1
      // needs the OpenMP runtime".
      {"--target=sm_90 --threads=2", "--threads "},
      {"--target=sm_90 --emit=mlir --stage=optimized",
       "unknown stage 'optimized' (for sm_90: steps, linalg, bufferized, "
       "gpu, llvm)"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.flags);
    fs::path out = dir / "refused.so";
    Command r = run(kilnc(keras + " " + c.flags + " -o " + out.string()));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find(c.error), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out));
  }
  // The stages of the GPU pipeline: kernels outlined after "gpu"; after
  // "llvm" the PTX embedded and the host code in the LLVM dialect.
  fs::path mlir = dir / "gpu.mlir";
  Command r = run(kilnc(keras + " --target=sm_90 --emit=mlir --stage=gpu -o " +
                        mlir.string()));
  ASSERT_EQ(r.status, 0) << r.output;
  std::string text = readFile(mlir);
  EXPECT_NE(text.find("gpu.module @predict_step_kernels"), std::string::npos);
  EXPECT_NE(text.find("gpu.launch_func"), std::string::npos);
  r = run(kilnc(keras + " --target=sm_90 --emit=mlir --stage=llvm -o " +
                mlir.string()));
  ASSERT_EQ(r.status, 0) << r.output;
  text = readFile(mlir);
  EXPECT_NE(text.find("gpu.binary @predict_step_kernels"), std::string::npos);
  EXPECT_NE(text.find("llvm.call @mgpuMemAlloc"), std::string::npos);
}

} // namespace
