// Where models run (suite FrontendDevice): the device names compile()
// takes and their errors, the GPU steps compiled into a JIT without a GPU,
// and, where the CUDA driver sees a GPU (scripts/gpu-check.sh on the device
// machine), the same steps on the GPU against the CPU's. Elsewhere those
// skip with "no CUDA device: <why>".
#include "FrontendTestUtil.h"

#include "../ScopedEnv.h"
#include "compiler/JIT/Compile.h"
#include "compiler/Registration.h"
#include "frontend/Device.h"
#include "runtime/gpu/CudaDriver.h"
#include "runtime/gpu/Mgpu.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

namespace kiln::test {
namespace {

bool haveGpu() { return !gpu::devices().empty(); }

#define SKIP_WITHOUT_GPU()                                                     \
  if (!haveGpu())                                                              \
  GTEST_SKIP() << "no CUDA device: " << gpu::unavailableReason()

TEST(FrontendDevice, ListsTheCpuFirstThenEachGpu) {
  std::vector<Device> all = devices();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all[0].name, "cpu:0");
  EXPECT_EQ(all[0].kind, "cpu");
  EXPECT_NE(all[0].description.find("cores"), std::string::npos)
      << all[0].description;
  std::vector<gpu::DeviceInfo> gpus = gpu::devices();
  ASSERT_EQ(all.size(), gpus.size() + 1);
  for (size_t i = 0; i < gpus.size(); ++i) {
    EXPECT_EQ(all[i + 1].name, "gpu:" + std::to_string(i));
    EXPECT_NE(all[i + 1].description.find(gpus[i].chip()), std::string::npos);
  }
  EXPECT_EQ(gpu_unavailable_reason().empty(), !gpus.empty());
}

TEST(FrontendDevice, ResolvesNamesAndRefusesOthers) {
  ScopedEnv env("KILN_DEVICE", nullptr);
  EXPECT_EQ(resolve_device(""), "cpu");
  EXPECT_EQ(resolve_device("cpu"), "cpu");
  EXPECT_EQ(resolve_device("auto"), haveGpu() ? "gpu:0" : "cpu");
  EXPECT_NE(errorOf([] { resolve_device("tpu"); })
                .find("compile()'s device: unknown device 'tpu' (expected "
                      "cpu, gpu, gpu:N or auto)"),
            std::string::npos);
  EXPECT_NE(errorOf([] { resolve_device("gpu:x"); }).find("unknown device 'gpu:x'"),
            std::string::npos);
  EXPECT_NE(errorOf([] { resolve_device("gpu:99"); }).find("no CUDA device"),
            std::string::npos);
  EXPECT_NE(errorOf([] { config::set_device("npu"); }).find("unknown device 'npu'"),
            std::string::npos);
  EXPECT_EQ(config::get_device(), "");
  {
    ScopedEnv bad("KILN_DEVICE", "gpu:one");
    EXPECT_NE(errorOf([] { resolve_device(""); })
                  .find("KILN_DEVICE: unknown device 'gpu:one'"),
              std::string::npos);
    // compile()'s own device comes first.
    EXPECT_EQ(resolve_device("cpu"), "cpu");
  }
}

TEST(FrontendDevice, Float32MatmulPrecisionNamesAndErrors) {
  ScopedEnv env("KILN_FLOAT32_MATMUL_PRECISION", nullptr);
  EXPECT_EQ(config::get_float32_matmul_precision(), "highest");
  config::set_float32_matmul_precision("high");
  EXPECT_EQ(config::get_float32_matmul_precision(), "high");
  std::string e = errorOf([] { config::set_float32_matmul_precision("medium"); });
  EXPECT_NE(e.find("config::set_float32_matmul_precision: unknown float32 "
                   "matmul precision 'medium' (expected highest or high"),
            std::string::npos)
      << e;
  EXPECT_EQ(config::get_float32_matmul_precision(), "high"); // unchanged
  config::set_float32_matmul_precision("");
  {
    ScopedEnv high("KILN_FLOAT32_MATMUL_PRECISION", "high");
    EXPECT_EQ(config::get_float32_matmul_precision(), "high");
  }
  ScopedEnv bad("KILN_FLOAT32_MATMUL_PRECISION", "tf32");
  EXPECT_NE(errorOf([] { (void)config::get_float32_matmul_precision(); })
                .find("KILN_FLOAT32_MATMUL_PRECISION: unknown float32 matmul "
                      "precision 'tf32'"),
            std::string::npos);
}

// Without a GPU, asking for one fails in compile() with the driver's
// reason, and the model stays uncompiled; "auto" trains on the CPU.
TEST(FrontendDevice, GpuWithoutOneIsAClearError) {
  if (haveGpu())
    GTEST_SKIP() << "this machine has a GPU";
  ScopedEnv env("KILN_DEVICE", nullptr);
  Sequential model;
  model.add(layers::Dense(2, {.input_shape = {3}}));
  std::string e = errorOf([&] {
    model.compile({.optimizer = "sgd", .loss = "mse", .device = "gpu"});
  });
  EXPECT_NE(e.find("compile()'s device 'gpu': no CUDA device: " +
                   gpu::unavailableReason()),
            std::string::npos)
      << e;
  EXPECT_NE(errorOf([&] { model.fit(Tensor::zeros({4, 3}), Tensor::zeros({4, 2})); })
                .find("call compile() before fit()"),
            std::string::npos);
  {
    ScopedEnv gpuEnv("KILN_DEVICE", "gpu");
    e = errorOf([&] { model.compile({.optimizer = "sgd", .loss = "mse"}); });
    EXPECT_NE(e.find("KILN_DEVICE 'gpu': no CUDA device"), std::string::npos) << e;
  }
  model.compile({.optimizer = "sgd", .loss = "mse", .device = "auto"});
  History h = model.fit(Tensor::zeros({4, 3}), Tensor::zeros({4, 2}), {.epochs = 1});
  EXPECT_EQ(h.history.at("loss").size(), 1u);
}

// The whole GPU compile path needs no GPU: the example MLP's kiln IR
// through kiln-make-steps and kiln-to-nvvm, its PTX embedded in host code
// that the JIT links against runtime/gpu. Loading the PTX is the first
// thing that needs the driver (the modules load when the JIT links).
TEST(FrontendDevice, GpuStepsCompileAndLinkWithoutAGpu) {
  Sequential model = exampleMlp();
  mlir::DialectRegistry registry;
  registerAllDialects(registry);
  registerAllPasses();
  mlir::MLIRContext ctx(registry);
  ctx.disableMultithreading();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(model.to_mlir(), &ctx);
  ASSERT_TRUE(module);
  (void)gpu::takeFailure();
  for (auto [chip, precision] : {std::pair{"sm_80", "fp32"},
                                 {"sm_90", "fp32"}, {"sm_90", "tf32"}}) {
    JitOptions options;
    options.device = "gpu";
    options.gpuChip = chip;
    options.gpuPrecision = precision;
    mlir::OwningOpRef<mlir::ModuleOp> copy = module->clone();
    auto jit = compileToJit(*copy, "kiln-make-steps", options);
    ASSERT_TRUE(static_cast<bool>(jit)) << llvm::toString(jit.takeError());
    for (const char *step : {"train_step", "eval_step", "predict_step"}) {
      auto fn = (*jit)->lookup(step);
      EXPECT_TRUE(static_cast<bool>(fn)) << step;
      if (!fn)
        llvm::consumeError(fn.takeError());
      EXPECT_TRUE((*jit)->layout(step).has_value()) << step;
    }
    std::optional<std::string> failure = gpu::takeFailure();
    if (haveGpu()) {
      EXPECT_FALSE(failure) << *failure;
    } else {
      ASSERT_TRUE(failure) << chip;
      EXPECT_NE(failure->find("compiling a GPU module (PTX): no CUDA device"),
                std::string::npos)
          << *failure;
    }
  }
  JitOptions bad;
  bad.device = "tpu";
  auto jit = compileToJit(*module, "kiln-make-steps", bad);
  ASSERT_FALSE(static_cast<bool>(jit));
  EXPECT_NE(llvm::toString(jit.takeError()).find("unknown device 'tpu'"),
            std::string::npos);
}

// One step of each kind on the GPU against the CPU, from the same weights:
// `build` makes the model, compiled with `device`.
void expectGpuMatchesCpu(Sequential (*build)(const std::string &),
                         const Tensor &x, const Tensor &y, float tol) {
  std::mt19937 rng(7);
  Sequential cpu = build("cpu");
  Sequential gpu = build("gpu");
  std::vector<Tensor> w = randomizeWeights(cpu, rng, -0.1f, 0.1f);
  gpu.set_weights(w);
  expectTensorNear(gpu.predict(x), cpu.predict(x), tol, "predict");
  std::vector<double> ec = cpu.evaluate(x, y), eg = gpu.evaluate(x, y);
  ASSERT_EQ(ec.size(), eg.size());
  for (size_t i = 0; i < ec.size(); ++i)
    EXPECT_NEAR(eg[i], ec[i], tol) << "evaluate result " << i;
  History hc = cpu.fit(x, y, {.epochs = 1, .batch_size = 16, .shuffle = false});
  History hg = gpu.fit(x, y, {.epochs = 1, .batch_size = 16, .shuffle = false});
  EXPECT_NEAR(hg.history.at("loss")[0], hc.history.at("loss")[0], tol);
  expectWeightsNear(gpu.get_weights(), cpu.get_weights(), tol);
}

// Labels (i * step) % 10 for n samples.
Tensor labelsOf(int64_t n, int32_t step) {
  std::vector<int32_t> labels(static_cast<size_t>(n));
  for (size_t i = 0; i < labels.size(); ++i)
    labels[i] = int32_t((i * step) % 10);
  return Tensor::fromVector(labels, {n});
}

TEST(FrontendDevice, MlpStepsOnTheGpuMatchTheCpu) {
  SKIP_WITHOUT_GPU();
  std::mt19937 rng(1);
  expectGpuMatchesCpu(exampleMlp, uniform(rng, {48, 28, 28}, 0.f, 1.f),
                      labelsOf(48, 1), 1e-4f);
}

TEST(FrontendDevice, CnnStepsOnTheGpuMatchTheCpu) {
  SKIP_WITHOUT_GPU();
  std::mt19937 rng(2);
  expectGpuMatchesCpu(exampleCnn, uniform(rng, {32, 28, 28, 1}, 0.f, 1.f),
                      labelsOf(32, 7), 1e-4f);
}

// With TF32 tensor cores each product's operands keep 10 mantissa bits
// (a relative error up to 2^-11 each), so the steps are near the CPU's,
// not equal.
// Sets the float32 matmul precision for a scope (a failed assertion
// included).
struct ScopedPrecision {
  explicit ScopedPrecision(const char *precision) {
    config::set_float32_matmul_precision(precision);
  }
  ~ScopedPrecision() { config::set_float32_matmul_precision(""); }
};

TEST(FrontendDevice, Tf32StepsOnTheGpuAreNearTheCpu) {
  SKIP_WITHOUT_GPU();
  ScopedPrecision high("high");
  std::mt19937 rng(3);
  expectGpuMatchesCpu(exampleMlp, uniform(rng, {48, 28, 28}, 0.f, 1.f),
                      labelsOf(48, 3), 5e-3f);
  expectGpuMatchesCpu(exampleCnn, uniform(rng, {32, 28, 28, 1}, 0.f, 1.f),
                      labelsOf(32, 7), 5e-3f);
}

// The examples' accuracy: the MLP on 10,000 Fashion-MNIST images, 3 epochs,
// the same seed on both devices, within half a point on the test set.
TEST(FrontendDevice, MlpTrainsToTheCpusAccuracy) {
  SKIP_WITHOUT_GPU();
  auto [train, test] = datasets::fashion_mnist::load_data();
  Tensor x = train.x.slice(0, 10000) / 255.0, y = train.y.slice(0, 10000);
  Tensor xt = test.x / 255.0;
  std::vector<double> accuracy;
  for (const char *precision : {"highest", "highest", "high"}) {
    const char *device = accuracy.empty() ? "cpu" : "gpu";
    ScopedPrecision scoped(precision);
    utils::set_random_seed(5);
    Sequential model = exampleMlp(device);
    model.fit(x, y, {.epochs = 3});
    accuracy.push_back(model.evaluate(xt, test.y)[1]);
    std::printf("%s (%s): test accuracy %.4f\n", device, precision,
                accuracy.back());
  }
  EXPECT_GT(accuracy[1], 0.75);
  EXPECT_NEAR(accuracy[1], accuracy[0], 0.005);
  EXPECT_NEAR(accuracy[2], accuracy[0], 0.005) << "TF32 tensor cores";
}

} // namespace
} // namespace kiln::test
