// Kiln's side of benchmarks/compare: the same recipes as torch_compare.py and
// libtorch_compare.cpp, through the Keras-style frontend, plus a pure
// kiln.matmul compiled by the JIT. Prints one JSON object per line:
//   {"fw":"kiln","bench":"mlp_train","batch":32,"unit":"samples/s",
//    "median":...,"samples":[...],"loss":...,...}
//
//   kiln-compare [--only mlp,cnn,xor,infer,matmul,rnn,resnet] [--mlp-n 10240]
//                [--mlp-epochs 11] [--mlp-batches 32,128,256] [--cnn-n 1024]
//                [--cnn-epochs 4] [--rnn-n 2048] [--rnn-epochs 4]
//                [--rnn-batches 64,256] [--resnet-n 1024] [--resnet-epochs 4]
//                [--xor-runs 5] [--xor-epochs 3000]
//                [--infer-n1 1000] [--infer-runs 7]
//                [--matmul-sizes 256,512,1024,2048] [--matmul-threads 1,2]
//                [--min-time 1.0]
//                [--max-time 20] [--threads N]
//
// --threads N sets config::threading (the models' threads) before anything
// compiles: 0, the default, is all cores; --contended runs of run.sh compare
// the default with 1.
//
// Training runs time every epoch with a LambdaCallback; the first epoch is
// the warm-up and is not counted. "loss" is Keras's loss of the last epoch
// (sample-weighted mean over its batches), so every framework reports it
// after the same number of epochs on the same images.
#include "examples/SmallResNet.h"
#include "frontend/Keras.h"

#include "compiler/JIT/Compile.h"
#include "compiler/JIT/Jit.h"
#include "compiler/Registration.h"
#include "runtime/abi/MemRef.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace kiln;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string jsonList(const std::vector<double> &v) {
  std::ostringstream os;
  os.precision(6);
  os << "[";
  for (size_t i = 0; i < v.size(); ++i)
    os << (i ? "," : "") << v[i];
  return os.str() + "]";
}

std::string jsonEscape(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::vector<int64_t> parseList(const std::string &s) {
  std::vector<int64_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty())
      out.push_back(std::stoll(item));
  return out;
}

struct Config {
  std::set<std::string> only = {"mlp", "cnn", "xor", "infer", "matmul", "rnn", "resnet"};
  int64_t mlpN = 10240;
  int mlpEpochs = 11;
  std::vector<int64_t> mlpBatches = {32, 128, 256};
  int64_t cnnN = 1024;
  int cnnEpochs = 4;
  int64_t rnnN = 2048;
  int rnnEpochs = 4;
  std::vector<int64_t> rnnBatches = {64, 256};
  int64_t resnetN = 1024;
  int resnetEpochs = 4;
  int xorRuns = 5;
  int xorEpochs = 3000;
  int64_t inferN1 = 1000;
  int inferRuns = 7;
  std::vector<int64_t> matmulSizes = {256, 512, 1024, 2048};
  std::vector<int64_t> matmulThreads = {1, 2};
  double minTime = 1.0;
  double maxTime = 20.0;
  int64_t threads = 0;
};

Config parseArgs(int argc, char **argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc)
      throw std::runtime_error("flag " + flag + " needs a value");
    std::string v = argv[++i];
    if (flag == "--only") {
      c.only.clear();
      std::stringstream ss(v);
      std::string item;
      while (std::getline(ss, item, ','))
        c.only.insert(item);
    } else if (flag == "--mlp-n")
      c.mlpN = std::stoll(v);
    else if (flag == "--mlp-epochs")
      c.mlpEpochs = std::stoi(v);
    else if (flag == "--mlp-batches")
      c.mlpBatches = parseList(v);
    else if (flag == "--cnn-n")
      c.cnnN = std::stoll(v);
    else if (flag == "--cnn-epochs")
      c.cnnEpochs = std::stoi(v);
    else if (flag == "--rnn-n")
      c.rnnN = std::stoll(v);
    else if (flag == "--rnn-epochs")
      c.rnnEpochs = std::stoi(v);
    else if (flag == "--rnn-batches")
      c.rnnBatches = parseList(v);
    else if (flag == "--resnet-n")
      c.resnetN = std::stoll(v);
    else if (flag == "--resnet-epochs")
      c.resnetEpochs = std::stoi(v);
    else if (flag == "--xor-runs")
      c.xorRuns = std::stoi(v);
    else if (flag == "--xor-epochs")
      c.xorEpochs = std::stoi(v);
    else if (flag == "--infer-n1")
      c.inferN1 = std::stoll(v);
    else if (flag == "--infer-runs")
      c.inferRuns = std::stoi(v);
    else if (flag == "--matmul-sizes")
      c.matmulSizes = parseList(v);
    else if (flag == "--matmul-threads")
      c.matmulThreads = parseList(v);
    else if (flag == "--min-time")
      c.minTime = std::stod(v);
    else if (flag == "--max-time")
      c.maxTime = std::stod(v);
    else if (flag == "--threads")
      c.threads = std::stoll(v);
    else
      throw std::runtime_error("unknown flag " + flag);
  }
  return c;
}

void emit(const std::string &bench, const std::string &fields) {
  std::printf("{\"fw\":\"kiln\",\"bench\":\"%s\",%s}\n", bench.c_str(), fields.c_str());
  std::fflush(stdout);
}

std::string fmt(const char *f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

/// Trains `model` for `epochs` epochs over (x, y) at `batch` and times every
/// epoch; returns per-epoch throughput (samples/s) without the first epoch,
/// and the last epoch's loss.
std::pair<std::vector<double>, double> timedFit(Model &model, const Tensor &x, const Tensor &y,
                                                int64_t batch, int epochs) {
  std::vector<double> seconds;
  double start = 0;
  auto timer = callbacks::LambdaCallback(
      {.on_epoch_begin = [&](int, Logs &) { start = now(); },
       .on_epoch_end = [&](int, Logs &) { seconds.push_back(now() - start); }});
  History h = model.fit(
      x, y,
      {.epochs = epochs, .batch_size = batch, .verbose = 0, .callbacks = {timer}, .shuffle = true});
  std::vector<double> rates;
  for (size_t e = 1; e < seconds.size(); ++e)
    rates.push_back(static_cast<double>(x.shape()[0]) / seconds[e]);
  return {rates, h.history.at("loss").back()};
}

Sequential makeMlp() {
  Sequential model;
  model.add(layers::Flatten({.input_shape = {28, 28}}));
  model.add(layers::Dense(300, {.activation = "relu"}));
  model.add(layers::Dense(100, {.activation = "relu"}));
  model.add(layers::Dense(10, {.activation = "softmax"}));
  return model;
}

void benchMlpTrain(const Config &c, const Tensor &x, const Tensor &y) {
  for (int64_t batch : c.mlpBatches) {
    utils::set_random_seed(42);
    Sequential model = makeMlp();
    model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.01},
                   .loss = "sparse_categorical_crossentropy"});
    auto [rates, loss] = timedFit(model, x, y, batch, c.mlpEpochs);
    emit("mlp_train", "\"batch\":" + std::to_string(batch) +
                          ",\"unit\":\"samples/s\",\"median\":" + fmt("%.3f", median(rates)) +
                          ",\"samples\":" + jsonList(rates) + ",\"loss\":" + fmt("%.6f", loss) +
                          ",\"epochs\":" + std::to_string(c.mlpEpochs) +
                          ",\"n\":" + std::to_string(x.shape()[0]) +
                          ",\"compile_s\":" + fmt("%.3f", model.compile_seconds()));
  }
}

void benchCnnTrain(const Config &c, const Tensor &x, const Tensor &y) {
  utils::set_random_seed(42);
  Sequential model;
  model.add(layers::Conv2D(32, 3, {.activation = "relu", .input_shape = {28, 28, 1}}));
  model.add(layers::MaxPooling2D());
  model.add(layers::Conv2D(64, 3, {.activation = "relu"}));
  model.add(layers::MaxPooling2D());
  model.add(layers::Flatten());
  model.add(layers::Dense(128, {.activation = "relu"}));
  model.add(layers::Dense(10, {.activation = "softmax"}));
  model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
  const int64_t batch = 64;
  auto [rates, loss] = timedFit(model, x, y, batch, c.cnnEpochs);
  emit("cnn_train", "\"batch\":64,\"unit\":\"images/s\",\"median\":" + fmt("%.3f", median(rates)) +
                        ",\"samples\":" + jsonList(rates) + ",\"loss\":" + fmt("%.6f", loss) +
                        ",\"epochs\":" + std::to_string(c.cnnEpochs) +
                        ",\"n\":" + std::to_string(x.shape()[0]) +
                        ",\"compile_s\":" + fmt("%.3f", model.compile_seconds()));
}

/// Fashion-MNIST rows as sequences (28 steps of 28): LSTM(128) or GRU(128),
/// then Dense(10, softmax), Adam; training samples/s per batch size.
void benchRnnTrain(const Config &c, const Tensor &x, const Tensor &y) {
  for (const char *cell : {"lstm", "gru"})
    for (int64_t batch : c.rnnBatches) {
      utils::set_random_seed(42);
      Sequential model;
      if (std::string(cell) == "lstm")
        model.add(layers::LSTM(128, {.input_shape = {28, 28}}));
      else
        model.add(layers::GRU(128, {.input_shape = {28, 28}}));
      model.add(layers::Dense(10, {.activation = "softmax"}));
      model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
      auto [rates, loss] = timedFit(model, x, y, batch, c.rnnEpochs);
      emit(std::string(cell) + "_train",
           "\"batch\":" + std::to_string(batch) +
               ",\"unit\":\"samples/s\",\"median\":" + fmt("%.3f", median(rates)) +
               ",\"samples\":" + jsonList(rates) + ",\"loss\":" + fmt("%.6f", loss) +
               ",\"epochs\":" + std::to_string(c.rnnEpochs) +
               ",\"n\":" + std::to_string(x.shape()[0]) +
               ",\"compile_s\":" + fmt("%.3f", model.compile_seconds()));
    }
}

/// examples/SmallResNet.h (BatchNormalization, residual Adds, global
/// average pooling, Dropout), Adam, batch 64: training images/s.
void benchResnetTrain(const Config &c, const Tensor &x, const Tensor &y) {
  utils::set_random_seed(42);
  Model model = examples::smallResNet();
  model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
  auto [rates, loss] = timedFit(model, x, y, 64, c.resnetEpochs);
  emit("resnet_train", "\"batch\":64,\"unit\":\"images/s\",\"median\":" +
                           fmt("%.3f", median(rates)) + ",\"samples\":" + jsonList(rates) +
                           ",\"loss\":" + fmt("%.6f", loss) +
                           ",\"epochs\":" + std::to_string(c.resnetEpochs) +
                           ",\"n\":" + std::to_string(x.shape()[0]) +
                           ",\"compile_s\":" + fmt("%.3f", model.compile_seconds()));
}

/// The XOR model's starting weights, shared by all three frameworks so that
/// the losses after 3000 epochs compare: Kiln's Glorot-uniform draw with
/// utils::set_random_seed(1) (examples/xor_minimal.cpp). Kernels are
/// (in, units), as Keras stores them.
const std::vector<float> kXorKernel1 = {-0.896815419f, -0.890617251f, -0.119498596f, -1.17324626f};
const std::vector<float> kXorKernel2 = {-0.421723813f, 1.16349626f};

void benchXor(const Config &c) {
  Tensor x = Tensor::fromVector<float>({1, 1, 1, 0, 0, 1, 0, 0}, {4, 2});
  Tensor y = Tensor::fromVector<float>({0, 1, 1, 0}, {4, 1});
  Sequential model;
  model.add(layers::Dense(2, {.activation = "sigmoid", .input_dim = 2}));
  model.add(layers::Dense(1, {.activation = "sigmoid"}));
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.1}, .loss = "mse"});
  const std::vector<Tensor> initial = {
      Tensor::fromVector<float>(kXorKernel1, {2, 2}), Tensor::zeros({2}),
      Tensor::fromVector<float>(kXorKernel2, {2, 1}), Tensor::zeros({1})};
  model.set_weights(initial);
  // One warm-up epoch, then `xorRuns` whole trainings from the same weights.
  model.fit(x, y, {.epochs = 1, .batch_size = 1, .verbose = 0});
  std::vector<double> seconds;
  double loss = 0;
  for (int r = 0; r < c.xorRuns; ++r) {
    model.set_weights(initial);
    double t0 = now();
    History h = model.fit(x, y, {.epochs = c.xorEpochs, .batch_size = 1, .verbose = 0});
    seconds.push_back(now() - t0);
    loss = h.history.at("loss").back();
  }
  emit("xor", "\"unit\":\"s\",\"median\":" + fmt("%.6f", median(seconds)) +
                  ",\"samples\":" + jsonList(seconds) + ",\"loss\":" + fmt("%.6f", loss) +
                  ",\"epochs\":" + std::to_string(c.xorEpochs));
}

void benchInfer(const Config &c, const Tensor &xTrain, const Tensor &yTrain, const Tensor &xTest) {
  utils::set_random_seed(42);
  Sequential model = makeMlp();
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.01},
                 .loss = "sparse_categorical_crossentropy"});
  // A trained model is not needed for speed, but one epoch makes the outputs
  // meaningful (and checks that predict agrees with the labels).
  model.fit(xTrain, yTrain, {.epochs = 1, .batch_size = 32, .verbose = 0});

  // Batch 1: one predict() call per image, as an application would.
  const int64_t n1 = std::min<int64_t>(c.inferN1, xTest.shape()[0]);
  for (int64_t i = 0; i < std::min<int64_t>(n1, 50); ++i) // warm-up
    model.predict(xTest.slice(i, i + 1), {.batch_size = 1});
  std::vector<double> latencies; // microseconds per image, one value per run
  for (int r = 0; r < c.inferRuns; ++r) {
    double t0 = now();
    for (int64_t i = 0; i < n1; ++i)
      model.predict(xTest.slice(i, i + 1), {.batch_size = 1});
    latencies.push_back((now() - t0) / static_cast<double>(n1) * 1e6);
  }
  emit("mlp_infer_b1",
       "\"batch\":1,\"unit\":\"us/sample\",\"median\":" + fmt("%.3f", median(latencies)) +
           ",\"samples\":" + jsonList(latencies) + ",\"n\":" + std::to_string(n1));

  // Batch 10000: the whole test set in one step.
  const int64_t big = xTest.shape()[0];
  Tensor probs = model.predict(xTest, {.batch_size = big}); // warm-up
  std::vector<double> rates;
  for (int r = 0; r < c.inferRuns; ++r) {
    double t0 = now();
    probs = model.predict(xTest, {.batch_size = big});
    rates.push_back(static_cast<double>(big) / (now() - t0));
  }
  emit("mlp_infer_b10000", "\"batch\":" + std::to_string(big) +
                               ",\"unit\":\"images/s\",\"median\":" + fmt("%.3f", median(rates)) +
                               ",\"samples\":" + jsonList(rates));
}

/// JitOptions::threads (the generated code's thread count) is new; these
/// keep kiln-compare building with and without it.
template <typename O> constexpr bool hasThreadsOption() {
  return requires(O o) { o.threads; };
}
template <typename O> void setThreads(O &options, int64_t threads) {
  if constexpr (hasThreadsOption<O>())
    options.threads = threads;
}
template <typename O> std::string defaultThreads() {
  if constexpr (hasThreadsOption<O>())
    return std::to_string(O{}.threads);
  else
    return "\"single-threaded code\"";
}

/// kiln.matmul on static N x N memrefs, through the normal kiln-to-llvm
/// pipeline and the JIT (the path every model's matmuls take).
std::string matmulSource(int64_t n) {
  std::string d = std::to_string(n) + "x" + std::to_string(n) + "xf32";
  std::string m = "memref<" + d + ">", t = "tensor<" + d + ">";
  return "func.func @mm(%a: " + m + ", %b: " + m + ", %c: " + m +
         ") attributes {llvm.emit_c_interface} {\n"
         "  %at = bufferization.to_tensor %a restrict : " +
         m + " to " + t +
         "\n"
         "  %bt = bufferization.to_tensor %b restrict : " +
         m + " to " + t +
         "\n"
         "  %r = kiln.matmul %at, %bt : " +
         t + ", " + t +
         "\n"
         "  bufferization.materialize_in_destination %r in restrict writable %c : (" +
         t + ", " + m +
         ") -> ()\n"
         "  return\n}\n";
}

void benchMatmul(const Config &c) {
  kiln::registerAllPasses();
  mlir::DialectRegistry registry;
  kiln::registerAllDialects(registry);
  // With a thread option, 1 and 2 threads (like OpenBLAS); else the
  // single-threaded code once.
  std::vector<int64_t> threadCounts = {1};
  if (hasThreadsOption<JitOptions>())
    threadCounts = c.matmulThreads;
  for (int64_t n : c.matmulSizes) {
    for (int64_t threads : threadCounts) {
      mlir::MLIRContext context(registry);
      std::string diagnostics;
      llvm::raw_string_ostream os(diagnostics);
      llvm::SourceMgr sourceMgr;
      mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, os);
      auto module = mlir::parseSourceString<mlir::ModuleOp>(matmulSource(n), &context);
      if (!module)
        throw std::runtime_error("matmul: parse failed: " + diagnostics);
      CompileTimings timings;
      JitOptions jitOptions;
      setThreads(jitOptions, threads);
      auto jit = compileToJit(*module, "", jitOptions, &timings);
      if (!jit)
        throw std::runtime_error("matmul: compile failed: " + llvm::toString(jit.takeError()) +
                                 diagnostics);
      auto fn = (*jit)->lookup("mm");
      if (!fn)
        throw std::runtime_error("matmul: " + llvm::toString(fn.takeError()));

      Tensor a = Tensor::empty({n, n}), b = Tensor::empty({n, n}), out = Tensor::zeros({n, n});
      std::mt19937 rng(42);
      std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
      for (int64_t i = 0; i < n * n; ++i)
        a.data<float>()[i] = dist(rng), b.data<float>()[i] = dist(rng);
      abi::ArgPack pack(3);
      pack[0].bind(a.data<float>(), {n, n});
      pack[1].bind(b.data<float>(), {n, n});
      pack[2].bind(out.data<float>(), {n, n});

      double t0 = now();
      pack.call(*fn); // warm-up (and the correctness check below)
      double first = now() - t0;
      // Spot-check 64 entries against a double-precision dot product.
      double maxRel = 0;
      std::uniform_int_distribution<int64_t> pick(0, n - 1);
      for (int k = 0; k < 64; ++k) {
        int64_t i = pick(rng), j = pick(rng);
        double ref = 0, mag = 0;
        for (int64_t p = 0; p < n; ++p) {
          double v = double(a.data<float>()[i * n + p]) * b.data<float>()[p * n + j];
          ref += v, mag += std::abs(v);
        }
        maxRel = std::max(maxRel, std::abs(out.data<float>()[i * n + j] - ref) / (mag + 1e-30));
      }
      // Samples until there are 3 and minTime has passed, at most 50; a call
      // slower than 2 s is its own warm-up (it counts), and sampling stops
      // after maxTime, so naive code at 2048 does not take minutes.
      const double flop = 2.0 * double(n) * double(n) * double(n);
      std::vector<double> gflops;
      if (first >= 2.0)
        gflops.push_back(flop / first * 1e-9);
      double start = now();
      while (gflops.size() < 50) {
        double elapsed = now() - start;
        if (gflops.size() >= 3 && elapsed >= c.minTime)
          break;
        if (!gflops.empty() && elapsed + first >= c.maxTime)
          break;
        double s = now();
        pack.call(*fn);
        gflops.push_back(flop / (now() - s) * 1e-9);
      }
      emit("matmul",
           "\"n\":" + std::to_string(n) + ",\"threads\":" + std::to_string(threads) +
               ",\"unit\":\"GFLOP/s\",\"median\":" + fmt("%.3f", median(gflops)) +
               ",\"samples\":" + jsonList(gflops) + ",\"max_rel_err\":" + fmt("%.3g", maxRel) +
               ",\"compile_s\":" + fmt("%.3f", timings.pipelineSeconds + timings.jitSeconds));
    }
  }
}

} // namespace

int main(int argc, char **argv) try {
  Config c = parseArgs(argc, argv);
  config::threading::set_intra_op_parallelism_threads(c.threads);
  // Models compile with the frontend's choices (threads: --threads).
  emit("info", "\"host_cpu\":\"" + jsonEscape(describeHostCpu()) +
                   "\",\"jit_default_threads\":" + defaultThreads<JitOptions>() +
                   ",\"threads\":" + std::to_string(c.threads));
  // A benchmark that fails (e.g. a lowering error while the compiler is being
  // changed) is reported as an "error" line; the others still run.
  int failures = 0;
  auto guarded = [&](const std::string &name, auto &&fn) {
    if (!c.only.count(name))
      return;
    try {
      fn();
    } catch (const std::exception &e) {
      ++failures;
      std::cerr << "kiln-compare: " << name << ": " << e.what() << "\n";
      emit("error", "\"what\":\"" + name + "\",\"message\":\"" + jsonEscape(e.what()) + "\"");
    }
  };
  const bool needData = c.only.count("mlp") || c.only.count("cnn") ||
                        c.only.count("infer") || c.only.count("rnn") ||
                        c.only.count("resnet");
  datasets::Dataset data;
  if (needData)
    data = datasets::fashion_mnist::load_data();
  guarded("mlp", [&] {
    Tensor x = data.train.x.slice(0, c.mlpN) / 255.0;
    benchMlpTrain(c, x, data.train.y.slice(0, c.mlpN));
  });
  guarded("cnn", [&] {
    Tensor x = (data.train.x.slice(0, c.cnnN) / 255.0).reshape({c.cnnN, 28, 28, 1});
    benchCnnTrain(c, x, data.train.y.slice(0, c.cnnN));
  });
  guarded("rnn", [&] {
    benchRnnTrain(c, data.train.x.slice(0, c.rnnN) / 255.0, data.train.y.slice(0, c.rnnN));
  });
  guarded("resnet", [&] {
    Tensor x = (data.train.x.slice(0, c.resnetN) / 255.0).reshape({c.resnetN, 28, 28, 1});
    benchResnetTrain(c, x, data.train.y.slice(0, c.resnetN));
  });
  guarded("xor", [&] { benchXor(c); });
  guarded("infer", [&] {
    Tensor x = data.train.x.slice(0, c.mlpN) / 255.0;
    benchInfer(c, x, data.train.y.slice(0, c.mlpN), data.test.x / 255.0);
  });
  guarded("matmul", [&] { benchMatmul(c); });
  return failures ? 1 : 0;
} catch (const std::exception &e) {
  std::cerr << "kiln-compare: error: " << e.what() << "\n";
  return 1;
}
