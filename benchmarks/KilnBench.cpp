// Google Benchmark suite of Kiln's generated code:
//   Matmul/M/N/K        C = A B (+ layouts of the backward pass), GFLOP/s
//   MlpTrainStep/B      the Fashion-MNIST 784-300-100-10 MLP's train_step
//   CnnTrainStep/B      the Fashion-MNIST CNN's train_step (Adam)
//   MlpPredict/B        predict_step: latency at batch 1, throughput at 10000
// Every benchmark JIT-compiles through the same path as Model::compile
// (kiln-make-steps, kiln-to-llvm for the host, ORC at -O3) and calls the
// packed entry points directly, so the numbers are the generated code's.
// Counters: GFLOP/s (matmuls), samples/s and the last loss (train steps),
// samples/s and us/sample (predict). The memory passes per step are counted
// by kiln-count-memory-passes (see its lit test).
//
//   build/bin/kiln-bench --benchmark_filter=Mlp --benchmark_repetitions=5
//   KILN_THREADS=1 KILN_CPU=x86-64 build/bin/kiln-bench  (other targets)
#include "compiler/JIT/Compile.h"
#include "compiler/Registration.h"
#include "compiler/Codegen/Target.h"
#include "benchmarks/TutorialModels.h"
#include "frontend/Keras.h"
#include "runtime/abi/MemRef.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using kiln::JitModule;

mlir::MLIRContext &context() {
  static mlir::MLIRContext *ctx = [] {
    mlir::DialectRegistry registry;
    kiln::registerAllDialects(registry);
    kiln::registerAllPasses();
    auto *c = new mlir::MLIRContext(registry);
    c->loadAllAvailableDialects();
    return c;
  }();
  return *ctx;
}

kiln::JitOptions jitOptions() {
  kiln::JitOptions o;
  if (const char *cpu = std::getenv("KILN_CPU"))
    o.cpu = cpu;
  if (const char *t = std::getenv("KILN_THREADS"))
    o.threads = std::atoi(t);
  return o;
}

std::unique_ptr<JitModule> compile(const std::string &source,
                                   const std::string &prePipeline,
                                   benchmark::State &state) {
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context());
  if (!module) {
    state.SkipWithError("cannot parse the benchmark's IR");
    return nullptr;
  }
  auto jit = kiln::compileToJit(*module, prePipeline, jitOptions());
  if (!jit) {
    std::string message = llvm::toString(jit.takeError());
    llvm::errs() << message << "\n";
    state.SkipWithError("compilation failed");
    return nullptr;
  }
  return std::move(*jit);
}

/// A 64-byte aligned float buffer, as the runtime's tensors are.
struct Buffer {
  explicit Buffer(size_t n, float fill = 0.f)
      : data(static_cast<float *>(
            ::operator new(std::max<size_t>(n, 1) * sizeof(float),
                           std::align_val_t(64)))),
        size(n) {
    std::fill(data, data + n, fill);
  }
  ~Buffer() { ::operator delete(data, std::align_val_t(64)); }
  Buffer(const Buffer &) = delete;
  void randomize(std::mt19937 &rng, float scale) {
    std::uniform_real_distribution<float> d(-scale, scale);
    for (size_t i = 0; i < size; ++i)
      data[i] = d(rng);
  }
  float *data;
  size_t size;
};

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

enum Layout { NN = 0, NT = 1, TN = 2 };

/// C[M, N] = A B with A, B stored as the layout says: NN forward
/// (x W), NT the input gradient (dy W^T), TN the kernel gradient (x^T dy).
/// M is dynamic, as the batch is in a model.
std::string matmulSource(int64_t m, int64_t n, int64_t k, Layout layout) {
  std::ostringstream s;
  std::string a = layout == TN ? std::to_string(k) + "x?" : "?x" + std::to_string(k);
  std::string b = layout == NT ? std::to_string(n) + "x" + std::to_string(k)
                               : std::to_string(k) + "x" + std::to_string(n);
  std::string c = "?x" + std::to_string(n);
  const char *maps[] = {
      "[affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, "
      "affine_map<(m, n, k) -> (m, n)>]",
      "[affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, "
      "affine_map<(m, n, k) -> (m, n)>]",
      "[affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, "
      "affine_map<(m, n, k) -> (m, n)>]"};
  int mDim = layout == TN ? 1 : 0;
  s << "func.func @mm(%a: memref<" << a << "xf32>, %b: memref<" << b
    << "xf32>, %c: memref<" << c << "xf32>) attributes {llvm.emit_c_interface} {\n"
    << "  %ta = bufferization.to_tensor %a restrict : memref<" << a
    << "xf32> to tensor<" << a << "xf32>\n"
    << "  %tb = bufferization.to_tensor %b restrict : memref<" << b
    << "xf32> to tensor<" << b << "xf32>\n"
    << "  %i = arith.constant " << mDim << " : index\n"
    << "  %m = tensor.dim %ta, %i : tensor<" << a << "xf32>\n"
    << "  %zero = arith.constant 0.0 : f32\n"
    << "  %e = tensor.empty(%m) : tensor<" << c << "xf32>\n"
    << "  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<" << c
    << "xf32>) -> tensor<" << c << "xf32>\n"
    << "  %r = linalg.matmul indexing_maps = " << maps[layout]
    << " ins(%ta, %tb : tensor<" << a << "xf32>, tensor<" << b
    << "xf32>) outs(%f : tensor<" << c << "xf32>) -> tensor<" << c << "xf32>\n"
    << "  bufferization.materialize_in_destination %r in restrict writable %c"
    << " : (tensor<" << c << "xf32>, memref<" << c << "xf32>) -> ()\n"
    << "  return\n}\n";
  (void)m;
  return s.str();
}

void BM_Matmul(benchmark::State &state) {
  int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  auto layout = static_cast<Layout>(state.range(3));
  auto jit = compile(matmulSource(m, n, k, layout), "", state);
  if (!jit)
    return;
  auto fn = jit->lookup("mm");
  if (!fn) {
    llvm::consumeError(fn.takeError());
    state.SkipWithError("no @mm");
    return;
  }
  std::mt19937 rng(1);
  Buffer a(m * k), b(k * n), c(m * n);
  a.randomize(rng, 1.f);
  b.randomize(rng, 1.f);
  kiln::abi::ArgPack args(3);
  args[0].bind(a.data, layout == TN ? std::vector<int64_t>{k, m}
                                    : std::vector<int64_t>{m, k});
  args[1].bind(b.data, layout == NT ? std::vector<int64_t>{n, k}
                                    : std::vector<int64_t>{k, n});
  args[2].bind(c.data, {m, n});
  for (auto _ : state) {
    args.call(*fn);
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * m * n * k, benchmark::Counter::kIsIterationInvariantRate,
      benchmark::Counter::kIs1000);
  state.counters["GFLOP/s"].value /= 1e9;
}

void squareSizes(benchmark::internal::Benchmark *b) {
  for (int64_t s : {256, 512, 1024, 2048})
    b->Args({s, s, s, NN});
}

void mlpSizes(benchmark::internal::Benchmark *b) {
  // The MLP's matmuls at batch 32 and 256: forward (x W), input gradient
  // (dy W^T) and kernel gradient (x^T dy).
  for (int64_t batch : {32, 256}) {
    b->Args({batch, 300, 784, NN});
    b->Args({batch, 100, 300, NN});
    b->Args({batch, 10, 100, NN});
    b->Args({batch, 300, 100, NT});
    b->Args({batch, 100, 10, NT});
    b->Args({784, 300, batch, TN});
    b->Args({300, 100, batch, TN});
    b->Args({100, 10, batch, TN});
  }
}

BENCHMARK(BM_Matmul)->Apply(squareSizes)->ArgNames({"M", "N", "K", "layout"})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Matmul)->Apply(mlpSizes)->ArgNames({"M", "N", "K", "layout"})
    ->Unit(benchmark::kMicrosecond)->UseRealTime()->Name("MatmulMlp");

//===----------------------------------------------------------------------===//
// Models
//===----------------------------------------------------------------------===//

/// A model's steps compiled from its kiln IR, with parameter, optimizer
/// state and batch buffers bound in train_step's argument order.
struct CompiledModel {
  std::unique_ptr<JitModule> jit;
  kiln::abi::PackedFn train = nullptr, predict = nullptr;
  std::vector<std::unique_ptr<Buffer>> params, slots;
  std::vector<std::vector<int64_t>> paramShapes;
  int64_t iterations = 0;
  float learningRate = 0.01f;
  float results[8] = {};
};

int64_t product(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// The model's IR carries its optimizer (#kiln.optimizer); train_step's
/// layout says how many state buffers it takes.
std::unique_ptr<CompiledModel> compileModel(kiln::Model &model,
                                            benchmark::State &state) {
  auto cm = std::make_unique<CompiledModel>();
  // KILN_DUMP_DIR=dir writes each model's kiln IR there, for kiln-opt.
  if (const char *dir = std::getenv("KILN_DUMP_DIR")) {
    std::error_code ec;
    llvm::raw_fd_ostream os(std::string(dir) + "/" + model.name() + ".mlir", ec);
    if (!ec)
      os << model.to_mlir();
  }
  cm->jit = compile(model.to_mlir(), "kiln-make-steps", state);
  if (!cm->jit)
    return nullptr;
  auto train = cm->jit->lookup("train_step");
  auto predict = cm->jit->lookup("predict_step");
  if (!train || !predict) {
    llvm::consumeError(train.takeError());
    llvm::consumeError(predict.takeError());
    state.SkipWithError("missing steps");
    return nullptr;
  }
  cm->train = *train;
  cm->predict = *predict;
  std::mt19937 rng(7);
  for (const kiln::Tensor &w : model.get_weights()) {
    std::vector<int64_t> shape(w.shape().begin(), w.shape().end());
    cm->paramShapes.push_back(shape);
    auto buf = std::make_unique<Buffer>(product(shape));
    std::copy(w.data<float>(), w.data<float>() + buf->size, buf->data);
    cm->params.push_back(std::move(buf));
  }
  cm->learningRate = float(model.learning_rate());
  // Every parameter of the tutorial models is trainable: slot-major state.
  std::optional<kiln::abi::StepLayout> layout = cm->jit->layout("train_step");
  size_t slots = layout ? layout->count(kiln::abi::ArgRole::Slot) : 0;
  for (size_t s = 0; s < slots; ++s)
    cm->slots.push_back(std::make_unique<Buffer>(
        product(cm->paramShapes[s % cm->paramShapes.size()])));
  return cm;
}

/// The model compiled once per process: Google Benchmark runs a benchmark's
/// function several times while it sizes the iteration count, and the
/// compile (seconds) would otherwise dominate the run and its profiles.
/// Emptied by main before exit: JIT modules must go before the statics
/// (the MLIR context, LLVM's) they were built with.
std::map<kiln::Sequential (*)(), std::unique_ptr<CompiledModel>> modelCache;

CompiledModel *cachedModel(kiln::Sequential (*make)(),
                           benchmark::State &state) {
  std::unique_ptr<CompiledModel> &cm = modelCache[make];
  if (!cm) {
    kiln::Sequential model = make();
    cm = compileModel(model, state);
  }
  return cm.get();
}

/// Runs train_step on one fixed random batch of `batch` samples shaped
/// `sample` with integer labels in [0, 10).
void runTrainStep(benchmark::State &state, CompiledModel &cm,
                  const std::vector<int64_t> &sample, int64_t batch) {
  std::mt19937 rng(3);
  std::vector<int64_t> xShape = {batch};
  xShape.insert(xShape.end(), sample.begin(), sample.end());
  Buffer x(product(xShape));
  for (size_t i = 0; i < x.size; ++i)
    x.data[i] = std::uniform_real_distribution<float>(0, 1)(rng);
  std::vector<int32_t> y(batch);
  for (auto &l : y)
    l = rng() % 10;
  size_t n = cm.params.size() + cm.slots.size() + 5;
  kiln::abi::ArgPack args(n);
  size_t i = 0;
  for (size_t p = 0; p < cm.params.size(); ++p)
    args[i++].bind(cm.params[p]->data, cm.paramShapes[p]);
  for (size_t s = 0; s < cm.slots.size(); ++s)
    args[i++].bind(cm.slots[s]->data,
                   cm.paramShapes[s % cm.paramShapes.size()]);
  args[i++].bind(&cm.iterations, {});
  args[i++].bind(&cm.learningRate, {});
  args[i++].bind(x.data, xShape);
  args[i++].bind(y.data(), {batch});
  args[i++].bind(cm.results, {2});
  for (auto _ : state) {
    args.call(cm.train);
    benchmark::ClobberMemory();
  }
  state.counters["samples/s"] = benchmark::Counter(
      double(batch), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["loss"] = cm.results[0];
}

void runPredict(benchmark::State &state, CompiledModel &cm,
                const std::vector<int64_t> &sample, int64_t classes,
                int64_t batch) {
  std::vector<int64_t> xShape = {batch};
  xShape.insert(xShape.end(), sample.begin(), sample.end());
  Buffer x(product(xShape), 0.5f), out(batch * classes);
  kiln::abi::ArgPack args(cm.params.size() + 2);
  size_t i = 0;
  for (size_t p = 0; p < cm.params.size(); ++p)
    args[i++].bind(cm.params[p]->data, cm.paramShapes[p]);
  args[i++].bind(x.data, xShape);
  args[i++].bind(out.data, {batch, classes});
  for (auto _ : state) {
    args.call(cm.predict);
    benchmark::ClobberMemory();
  }
  // Inverted rate of batch * 1e-6 per iteration: microseconds per sample.
  state.counters["us/sample"] = benchmark::Counter(
      double(batch) * 1e-6, benchmark::Counter::kIsIterationInvariantRate |
                                benchmark::Counter::kInvert);
  state.counters["samples/s"] = benchmark::Counter(
      double(batch), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_MlpTrainStep(benchmark::State &state) {
  CompiledModel *cm = cachedModel(kiln::bench::mlp, state);
  if (cm)
    runTrainStep(state, *cm, {28, 28}, state.range(0));
}
BENCHMARK(BM_MlpTrainStep)->Arg(32)->Arg(64)->Arg(128)->Arg(256)->ArgName("batch")
    ->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_MlpPredict(benchmark::State &state) {
  CompiledModel *cm = cachedModel(kiln::bench::mlp, state);
  if (cm)
    runPredict(state, *cm, {28, 28}, 10, state.range(0));
}
BENCHMARK(BM_MlpPredict)->Arg(1)->Arg(32)->Arg(10000)->ArgName("batch")
    ->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_CnnTrainStep(benchmark::State &state) {
  CompiledModel *cm = cachedModel(kiln::bench::cnn, state);
  if (cm)
    runTrainStep(state, *cm, {28, 28, 1}, state.range(0));
}
BENCHMARK(BM_CnnTrainStep)->Arg(64)->ArgName("batch")
    ->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  const char *cpu = std::getenv("KILN_CPU") ? std::getenv("KILN_CPU") : "host";
  auto found = kiln::CpuTarget::forCpu(cpu);
  if (mlir::failed(found)) {
    std::fprintf(stderr, "kiln-bench: unknown KILN_CPU '%s'\n", cpu);
    return 2;
  }
  kiln::CpuTarget target = *found;
  if (const char *t = std::getenv("KILN_THREADS"))
    if (std::atoi(t) > 0)
      target.threads = std::atoi(t);
  benchmark::AddCustomContext("kiln_target", target.describe());
  // KILN_BENCH_MATMUL="M,N,K[,layout];..." adds matmul shapes (exploring
  // tile choices without a rebuild).
  if (const char *extra = std::getenv("KILN_BENCH_MATMUL")) {
    std::stringstream list(extra);
    std::string item;
    while (std::getline(list, item, ';')) {
      int64_t v[4] = {0, 0, 0, NN};
      if (std::sscanf(item.c_str(), "%ld,%ld,%ld,%ld", &v[0], &v[1], &v[2],
                      &v[3]) < 3)
        continue;
      benchmark::RegisterBenchmark("MatmulExtra", BM_Matmul)
          ->Args({v[0], v[1], v[2], v[3]})
          ->ArgNames({"M", "N", "K", "layout"})
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  modelCache.clear();
  benchmark::Shutdown();
  return 0;
}

// One batch of the CNN example's --augment (rotation 10, shifts 0.1, zoom
// 0.1) on 28x28 images, as its producer thread makes them: the time per
// image is what the producer takes from the cores the train step uses.
void BM_AugmentBatch(benchmark::State &state) {
  const int64_t n = 1024, batch = state.range(0);
  std::vector<float> pixels(static_cast<size_t>(n * 28 * 28));
  for (size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = float((i * 2654435761u) % 256) / 255.f;
  kiln::Tensor x = kiln::Tensor::fromVector(pixels, {n, 28, 28, 1});
  kiln::Tensor y = kiln::Tensor::zeros({n});
  kiln::preprocessing::ImageDataGenerator datagen({.rotation_range = 10,
                                                   .width_shift_range = 0.1,
                                                   .height_shift_range = 0.1,
                                                   .zoom_range = 0.1});
  auto batches = datagen.flow(x, y, {.batch_size = batch, .seed = 1});
  for (auto _ : state) {
    auto b = batches.next();
    benchmark::DoNotOptimize(b.first.raw());
  }
  state.counters["images/s"] = benchmark::Counter(
      double(batch), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_AugmentBatch)->Arg(32)->ArgName("batch")
    ->Unit(benchmark::kMicrosecond)->UseRealTime();
