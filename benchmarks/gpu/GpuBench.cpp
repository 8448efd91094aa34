// kiln-gpu-bench: issue 24's GPU figures, each beside the CPU's (the same
// program, the same models, compiled for each device in turn):
//   matmul GFLOP/s at N = 1024 ... 8192 (a bias-free Dense(N) predicting N
//     rows: one N x N x N product per step, its batch copied in), on CUDA
//     cores and, on the GPU alone, on TF32 tensor cores
//     (config::set_float32_matmul_precision("high")),
//   the examples' MLP and CNN training images/s at batch 256 and 1024,
//   predict latency at batch 1 and throughput at batch 65536,
//   the per-step overhead: a 1 x 1 Dense layer's predict at batch 1.
// Medians of timed repeats after a warm-up. The matmul rows also give the
// GPU's share of its peak (FP32 on CUDA cores, dense TF32 on tensor cores)
// on A100- and H100/H200-class chips, from their multiprocessors, peak
// clock and per-multiprocessor rates. Without a GPU it says so and prints
// the CPU's column alone. scripts/gpu-check.sh runs it.
//   kiln-gpu-bench [--quick] [--cpu-max-n N]
#include "../TutorialModels.h"
#include "runtime/gpu/CudaDriver.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace kiln;

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median seconds of `repeats` calls of `fn` after one untimed call.
double timeIt(const std::function<void()> &fn, int repeats) {
  fn();
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    auto start = Clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  return median(t);
}

Tensor randomTensor(Shape shape, uint32_t seed) {
  Tensor t = Tensor::empty(shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  for (int64_t i = 0; i < t.size(); ++i)
    t.data<float>()[i] = u(rng);
  return t;
}

Tensor labels(int64_t n) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[size_t(i)] = int32_t(i % 10);
  return Tensor::fromVector(v, {n});
}

double matmulGflops(int64_t n, int repeats) {
  Sequential model("matmul");
  model.add(layers::Dense(n, {.use_bias = false, .input_shape = {n}}));
  Tensor x = randomTensor({n, n}, 1);
  double s = timeIt([&] { model.predict(x, {.batch_size = n}); }, repeats);
  return 2.0 * double(n) * double(n) * double(n) / s / 1e9;
}

double trainImagesPerSecond(Sequential (*build)(), Shape sample, int64_t batch,
                            int64_t samples) {
  Sequential model = build();
  Shape shape{samples};
  shape.insert(shape.end(), sample.begin(), sample.end());
  Tensor x = randomTensor(shape, 2), y = labels(samples);
  double s = timeIt(
      [&] { model.fit(x, y, {.epochs = 1, .batch_size = batch, .verbose = 0}); },
      3);
  return double(samples) / s;
}

struct Row {
  std::string what, unit;
  std::function<double()> measure;
  bool onCpu = true; // too slow on a small CPU for the largest sizes
  /// Which peak the GPU's figure is a share of: "fp32", "tf32" or none.
  std::string peak = "";
};

/// The chip's peak GFLOP/s for `kind` ("fp32" on CUDA cores, "tf32" dense
/// on tensor cores), 0 where Kiln does not know its per-multiprocessor rate
/// (FLOPs a clock: sm_80 128 and 1024, sm_90 256 and 2048) or the clock.
double peakGflops(const gpu::DeviceInfo &d, const std::string &kind) {
  int perClock = 0;
  if (d.major == 8 && d.minor == 0)
    perClock = kind == "fp32" ? 128 : 1024;
  else if (d.major == 9 && d.minor == 0)
    perClock = kind == "fp32" ? 256 : 2048;
  return double(perClock) * d.multiprocessors * d.clockKHz * 1e-6;
}

} // namespace

int main(int argc, char **argv) try {
  bool quick = false;
  int64_t cpuMaxN = 2048;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick"))
      quick = true;
    else if (!std::strcmp(argv[i], "--cpu-max-n") && i + 1 < argc)
      cpuMaxN = std::atoll(argv[++i]);
  }
  std::vector<Row> rows;
  for (int64_t n : {1024, 2048, 4096, 8192})
    if (!quick || n <= 2048)
      rows.push_back({"matmul " + std::to_string(n), "GFLOP/s",
                      [n] { return matmulGflops(n, n >= 4096 ? 3 : 5); },
                      n <= cpuMaxN, "fp32"});
  for (int64_t n : {1024, 2048, 4096, 8192})
    if (!quick || n <= 2048)
      rows.push_back({"matmul " + std::to_string(n) + " TF32", "GFLOP/s",
                      [n] {
                        config::set_float32_matmul_precision("high");
                        double g = matmulGflops(n, n >= 4096 ? 3 : 5);
                        config::set_float32_matmul_precision("");
                        return g;
                      },
                      /*onCpu=*/false, "tf32"});
  for (int64_t batch : {256, 1024}) {
    rows.push_back({"MLP train b" + std::to_string(batch), "images/s", [batch] {
                      return trainImagesPerSecond(bench::mlp, {28, 28}, batch,
                                                  16384);
                    }});
    rows.push_back({"CNN train b" + std::to_string(batch), "images/s", [batch] {
                      return trainImagesPerSecond(bench::cnn, {28, 28, 1},
                                                  batch, 8192);
                    }});
  }
  rows.push_back({"MLP predict b1", "us", [] {
                    Sequential model = bench::mlp();
                    Tensor x = randomTensor({1, 28, 28}, 3);
                    return 1e6 * timeIt([&] { model.predict(x); }, 200);
                  }});
  rows.push_back({"MLP predict b65536", "images/s", [] {
                    Sequential model = bench::mlp();
                    Tensor x = randomTensor({65536, 28, 28}, 4);
                    return 65536.0 /
                           timeIt([&] { model.predict(x, {.batch_size = 65536}); }, 5);
                  }});
  rows.push_back({"step overhead (1x1 Dense, b1)", "us", [] {
                    Sequential model("tiny");
                    model.add(layers::Dense(1, {.input_shape = {1}}));
                    Tensor x = randomTensor({1, 1}, 5);
                    return 1e6 * timeIt([&] { model.predict(x); }, 500);
                  }});

  std::vector<Device> all = devices();
  bool gpu = all.size() > 1;
  std::printf("host: %s\n", all[0].description.c_str());
  if (gpu)
    std::printf("gpu:  %s\n", all[1].description.c_str());
  else
    std::printf("gpu:  none (no CUDA device: %s)\n",
                gpu_unavailable_reason().c_str());
  std::vector<gpu::DeviceInfo> gpus = gpu::devices();
  for (const char *kind : {"fp32", "tf32"})
    if (!gpus.empty() && peakGflops(gpus[0], kind) > 0)
      std::printf("peak %s: %.0f GFLOP/s (%d multiprocessors at %d MHz)\n",
                  kind, peakGflops(gpus[0], kind), gpus[0].multiprocessors,
                  gpus[0].clockKHz / 1000);
  std::printf("\n| measure | unit | CPU | GPU | GPU / CPU | GPU / peak |\n"
              "|---|---|---|---|---|---|\n");
  for (const Row &row : rows) {
    double cpu = 0, onGpu = 0;
    if (row.onCpu) {
      config::set_device("cpu");
      cpu = row.measure();
    }
    if (gpu) {
      config::set_device("gpu");
      onGpu = row.measure();
    }
    auto cell = [](double v) {
      char b[32];
      std::snprintf(b, sizeof b, v == 0 ? "-" : v < 100 ? "%.2f" : "%.0f", v);
      return std::string(b);
    };
    std::string ratio = "-";
    if (cpu > 0 && onGpu > 0) {
      // Times: the CPU's over the GPU's, so above 1 is the GPU ahead.
      double r = row.unit == "us" ? cpu / onGpu : onGpu / cpu;
      ratio = cell(r) + "x";
    }
    std::string share = "-";
    if (onGpu > 0 && !row.peak.empty() && peakGflops(gpus[0], row.peak) > 0)
      share = cell(100 * onGpu / peakGflops(gpus[0], row.peak)) + "%";
    std::printf("| %s | %s | %s | %s | %s | %s |\n", row.what.c_str(),
                row.unit.c_str(), cell(cpu).c_str(), cell(onGpu).c_str(),
                ratio.c_str(), share.c_str());
    std::fflush(stdout);
  }
  config::set_device("");
  return 0;
} catch (const std::exception &e) {
  std::fprintf(stderr, "kiln-gpu-bench: %s\n", e.what());
  return 1;
}
