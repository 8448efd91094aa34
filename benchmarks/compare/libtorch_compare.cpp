// libtorch's side of benchmarks/compare (Debian's libtorch-dev, torch 1.13):
// the recipes of kiln_compare.cpp written with torch::nn, Keras semantics
// (Glorot-uniform kernels, zero biases, Keras's SGD/Adam settings, shuffled
// epochs, loss = the last epoch's sample-weighted mean). Prints one JSON
// object per line, like kiln-compare.
//
//   libtorch-compare --threads T [--mkldnn both|on|off] [kiln-compare's flags]
//
// T is at::set_num_threads (intra-op, OpenMP). OpenBLAS keeps its own pool:
// run.sh sets OPENBLAS_NUM_THREADS per process and keeps the best pair.
#include <torch/torch.h>

#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

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

std::string fmt(const char *f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
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
  std::set<std::string> only = {"mlp", "cnn", "xor", "infer", "rnn", "resnet"};
  int threads = 1;
  std::string mkldnn = "both";
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
  std::string dataDir = "/usr/share/datasets/fashion-mnist";
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
    } else if (flag == "--threads")
      c.threads = std::stoi(v);
    else if (flag == "--mkldnn")
      c.mkldnn = v;
    else if (flag == "--mlp-n")
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
    else if (flag == "--data-dir")
      c.dataDir = v;
    else if (flag == "--matmul-sizes" || flag == "--matmul-threads" || flag == "--min-time" ||
             flag == "--max-time") {
      // kiln-compare's matmul flags: the OpenBLAS program covers matmul.
    } else
      throw std::runtime_error("unknown flag " + flag);
  }
  return c;
}

Config g;

std::string configFields() {
  const char *blas = std::getenv("OPENBLAS_NUM_THREADS");
  const char *core = std::getenv("OPENBLAS_CORETYPE");
  const char *wait = std::getenv("OMP_WAIT_POLICY");
  const char *cap = std::getenv("ATEN_CPU_CAPABILITY");
  return "\"threads\":" + std::to_string(at::get_num_threads()) + ",\"openblas_threads\":\"" +
         (blas ? blas : "") + "\",\"openblas_coretype\":\"" + (core ? core : "") +
         "\",\"omp_wait_policy\":\"" + (wait ? wait : "") + "\",\"aten_cpu_capability\":\"" +
         (cap ? cap : "") + "\"";
}

void emit(const std::string &bench, const std::string &fields) {
  std::printf("{\"fw\":\"libtorch\",\"bench\":\"%s\",%s,%s}\n", bench.c_str(), fields.c_str(),
              configFields().c_str());
  std::fflush(stdout);
}

/// Reads a gzipped IDX file (u8 data) into a u8 tensor of its shape.
torch::Tensor readIdx(const std::string &path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f)
    throw std::runtime_error("cannot open " + path + " (apt-get install dataset-fashion-mnist)");
  auto readBytes = [&](void *dst, unsigned n) {
    if (gzread(f, dst, n) != static_cast<int>(n))
      throw std::runtime_error("short read in " + path);
  };
  unsigned char magic[4];
  readBytes(magic, 4);
  int rank = magic[3];
  std::vector<int64_t> shape;
  int64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    unsigned char d[4];
    readBytes(d, 4);
    shape.push_back((int64_t(d[0]) << 24) | (d[1] << 16) | (d[2] << 8) | d[3]);
    count *= shape.back();
  }
  torch::Tensor t = torch::empty(shape, torch::kUInt8);
  readBytes(t.data_ptr<uint8_t>(), static_cast<unsigned>(count));
  gzclose(f);
  return t;
}

void kerasInit(torch::nn::Module &m) {
  for (auto &mod : m.modules(/*include_self=*/false)) {
    if (auto *l = mod->as<torch::nn::Linear>()) {
      torch::nn::init::xavier_uniform_(l->weight);
      torch::nn::init::zeros_(l->bias);
    } else if (auto *c = mod->as<torch::nn::Conv2d>()) {
      torch::nn::init::xavier_uniform_(c->weight);
      if (c->bias.defined())
        torch::nn::init::zeros_(c->bias);
    }
  }
}

torch::nn::Sequential makeMlp() {
  // Dense(10, softmax) + sparse CE == logits + cross_entropy (Kiln folds the
  // softmax into the loss the same way); predict() applies the softmax.
  torch::nn::Sequential m(torch::nn::Flatten(), torch::nn::Linear(784, 300), torch::nn::ReLU(),
                          torch::nn::Linear(300, 100), torch::nn::ReLU(),
                          torch::nn::Linear(100, 10));
  kerasInit(*m);
  return m;
}

/// Keras-style fit: per epoch a fresh permutation, batches gathered from
/// it, loss = sample-weighted mean. Returns per-epoch samples/s without the
/// first (warm-up) epoch, and the last epoch's loss.
template <typename Net, typename LossFn>
std::pair<std::vector<double>, double>
fit(Net &model, torch::optim::Optimizer &opt, const torch::Tensor &x,
    const torch::Tensor &y, int64_t batch, int epochs, LossFn lossFn) {
  const int64_t n = x.size(0);
  std::vector<double> rates;
  double lastLoss = 0;
  for (int e = 0; e < epochs; ++e) {
    double t0 = now();
    torch::Tensor perm = torch::randperm(n, torch::kLong);
    double sum = 0;
    for (int64_t first = 0; first < n; first += batch) {
      int64_t rows = std::min(batch, n - first);
      torch::Tensor idx = perm.narrow(0, first, rows);
      torch::Tensor xb = x.index_select(0, idx), yb = y.index_select(0, idx);
      opt.zero_grad();
      torch::Tensor loss = lossFn(model->forward(xb), yb);
      loss.backward();
      opt.step();
      sum += loss.item<double>() * static_cast<double>(rows);
    }
    lastLoss = sum / static_cast<double>(n);
    double dt = now() - t0;
    if (e > 0)
      rates.push_back(static_cast<double>(n) / dt);
  }
  return {rates, lastLoss};
}

void benchMlpTrain(const torch::Tensor &x, const torch::Tensor &y) {
  for (int64_t batch : g.mlpBatches) {
    torch::manual_seed(42);
    auto model = makeMlp();
    torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.01));
    auto [rates, loss] = fit(model, opt, x, y, batch, g.mlpEpochs,
                             [](const torch::Tensor &out, const torch::Tensor &t) {
                               return torch::nn::functional::cross_entropy(out, t);
                             });
    emit("mlp_train", "\"batch\":" + std::to_string(batch) +
                          ",\"unit\":\"samples/s\",\"median\":" + fmt("%.3f", median(rates)) +
                          ",\"samples\":" + jsonList(rates) + ",\"loss\":" + fmt("%.6f", loss) +
                          ",\"epochs\":" + std::to_string(g.mlpEpochs) +
                          ",\"n\":" + std::to_string(x.size(0)));
  }
}

void benchCnnTrain(const torch::Tensor &x, const torch::Tensor &y) {
  std::vector<bool> modes;
  if (g.mkldnn == "both" || g.mkldnn == "on")
    modes.push_back(true);
  if (g.mkldnn == "both" || g.mkldnn == "off")
    modes.push_back(false);
  for (bool mkldnn : modes) {
    at::globalContext().setUserEnabledMkldnn(mkldnn);
    torch::manual_seed(42);
    torch::nn::Sequential model(
        torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 3)), torch::nn::ReLU(),
        torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)),
        torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3)), torch::nn::ReLU(),
        torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)), torch::nn::Flatten(),
        torch::nn::Linear(1600, 128), torch::nn::ReLU(), torch::nn::Linear(128, 10));
    kerasInit(*model);
    // Keras's Adam defaults: learning_rate 0.001, betas (0.9, 0.999), epsilon 1e-7.
    torch::optim::Adam opt(model->parameters(),
                           torch::optim::AdamOptions(0.001).betas({0.9, 0.999}).eps(1e-7));
    auto [rates, loss] = fit(model, opt, x, y, 64, g.cnnEpochs,
                             [](const torch::Tensor &out, const torch::Tensor &t) {
                               return torch::nn::functional::cross_entropy(out, t);
                             });
    emit("cnn_train",
         std::string("\"batch\":64,\"unit\":\"images/s\",\"median\":") +
             fmt("%.3f", median(rates)) + ",\"samples\":" + jsonList(rates) +
             ",\"loss\":" + fmt("%.6f", loss) + ",\"epochs\":" + std::to_string(g.cnnEpochs) +
             ",\"n\":" + std::to_string(x.size(0)) + ",\"mkldnn\":" + (mkldnn ? "true" : "false"));
  }
  at::globalContext().setUserEnabledMkldnn(true);
}

/// Fashion-MNIST as 28 steps of 28 pixels: LSTM or GRU(28, 128), its last
/// state into Linear(128, 10); PyTorch's own initialization.
struct RowsRnnImpl : torch::nn::Module {
  explicit RowsRnnImpl(bool lstm) {
    if (lstm)
      lstmLayer = register_module(
          "rnn", torch::nn::LSTM(torch::nn::LSTMOptions(28, 128).batch_first(true)));
    else
      gruLayer = register_module(
          "rnn", torch::nn::GRU(torch::nn::GRUOptions(28, 128).batch_first(true)));
    out = register_module("out", torch::nn::Linear(128, 10));
  }
  torch::Tensor forward(const torch::Tensor &x) {
    torch::Tensor h = lstmLayer ? std::get<0>(std::get<1>(lstmLayer->forward(x)))
                                : std::get<1>(gruLayer->forward(x));
    return out->forward(h[-1]);
  }
  torch::nn::LSTM lstmLayer{nullptr};
  torch::nn::GRU gruLayer{nullptr};
  torch::nn::Linear out{nullptr};
};
TORCH_MODULE(RowsRnn);

void benchRnnTrain(const torch::Tensor &x, const torch::Tensor &y) {
  for (bool lstm : {true, false})
    for (int64_t batch : g.rnnBatches) {
      torch::manual_seed(42);
      RowsRnn model(lstm);
      torch::optim::Adam opt(model->parameters(),
                             torch::optim::AdamOptions(0.001).betas({0.9, 0.999}).eps(1e-7));
      auto [rates, loss] = fit(model, opt, x, y, batch, g.rnnEpochs,
                               [](const torch::Tensor &out, const torch::Tensor &t) {
                                 return torch::nn::functional::cross_entropy(out, t);
                               });
      emit(lstm ? "lstm_train" : "gru_train",
           "\"batch\":" + std::to_string(batch) +
               ",\"unit\":\"samples/s\",\"median\":" + fmt("%.3f", median(rates)) +
               ",\"samples\":" + jsonList(rates) + ",\"loss\":" + fmt("%.6f", loss) +
               ",\"epochs\":" + std::to_string(g.rnnEpochs) +
               ",\"n\":" + std::to_string(x.size(0)));
    }
}

/// Conv2d 3x3 (same, no bias) -> BatchNorm2d -> ReLU; Keras's
/// BatchNormalization(momentum=0.9, epsilon=1e-3) is PyTorch's momentum 0.1.
void addConvBnRelu(torch::nn::Sequential &s, int64_t in, int64_t out) {
  s->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1).bias(false)));
  s->push_back(torch::nn::BatchNorm2d(torch::nn::BatchNormOptions(out).eps(1e-3).momentum(0.1)));
  s->push_back(torch::nn::ReLU());
}

struct ResidualBlockImpl : torch::nn::Module {
  explicit ResidualBlockImpl(int64_t c) {
    addConvBnRelu(first, c, c);
    register_module("first", first);
    conv = register_module(
        "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(c, c, 3).padding(1).bias(false)));
    bn = register_module(
        "bn", torch::nn::BatchNorm2d(torch::nn::BatchNormOptions(c).eps(1e-3).momentum(0.1)));
  }
  torch::Tensor forward(const torch::Tensor &x) {
    return torch::relu(x + bn->forward(conv->forward(first->forward(x))));
  }
  torch::nn::Sequential first;
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(ResidualBlock);

/// examples/SmallResNet.h in libtorch (NCHW); MKL-DNN on (without it the
/// network trains about 20x slower).
void benchResnetTrain(const torch::Tensor &x, const torch::Tensor &y) {
  at::globalContext().setUserEnabledMkldnn(g.mkldnn != "off");
  torch::manual_seed(42);
  torch::nn::Sequential model;
  addConvBnRelu(model, 1, 32);
  model->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)));
  model->push_back(ResidualBlock(32));
  model->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)));
  addConvBnRelu(model, 32, 96);
  model->push_back(ResidualBlock(96));
  model->push_back(torch::nn::AdaptiveAvgPool2d(torch::nn::AdaptiveAvgPool2dOptions(1)));
  model->push_back(torch::nn::Flatten());
  model->push_back(torch::nn::Linear(96, 128));
  model->push_back(torch::nn::ReLU());
  model->push_back(torch::nn::Dropout(0.3));
  model->push_back(torch::nn::Linear(128, 10));
  kerasInit(*model);
  torch::optim::Adam opt(model->parameters(),
                         torch::optim::AdamOptions(0.001).betas({0.9, 0.999}).eps(1e-7));
  auto [rates, loss] = fit(model, opt, x, y, 64, g.resnetEpochs,
                           [](const torch::Tensor &out, const torch::Tensor &t) {
                             return torch::nn::functional::cross_entropy(out, t);
                           });
  emit("resnet_train",
       std::string("\"batch\":64,\"unit\":\"images/s\",\"median\":") +
           fmt("%.3f", median(rates)) + ",\"samples\":" + jsonList(rates) +
           ",\"loss\":" + fmt("%.6f", loss) + ",\"epochs\":" + std::to_string(g.resnetEpochs) +
           ",\"n\":" + std::to_string(x.size(0)) +
           ",\"mkldnn\":" + (g.mkldnn != "off" ? "true" : "false"));
  at::globalContext().setUserEnabledMkldnn(true);
}

void benchXor() {
  torch::manual_seed(1);
  torch::Tensor x = torch::tensor({1.f, 1.f, 1.f, 0.f, 0.f, 1.f, 0.f, 0.f}).reshape({4, 2});
  torch::Tensor y = torch::tensor({0.f, 1.f, 1.f, 0.f}).reshape({4, 1});
  torch::nn::Linear l1(2, 2), l2(2, 1);
  torch::nn::Sequential model(l1, torch::nn::Sigmoid(), l2, torch::nn::Sigmoid());
  {
    // The starting weights shared with kiln_compare.cpp (Kiln's
    // Glorot-uniform draw with set_random_seed(1)), as (out, in) weights.
    torch::NoGradGuard ng;
    l1->weight.copy_(
        torch::tensor({-0.896815419f, -0.119498596f, -0.890617251f, -1.17324626f}).reshape({2, 2}));
    l2->weight.copy_(torch::tensor({-0.421723813f, 1.16349626f}).reshape({1, 2}));
    l1->bias.zero_();
    l2->bias.zero_();
  }
  std::vector<torch::Tensor> initial;
  for (auto &p : model->parameters())
    initial.push_back(p.detach().clone());
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.1));
  auto mse = [](const torch::Tensor &out, const torch::Tensor &t) {
    return torch::nn::functional::mse_loss(out, t);
  };
  fit(model, opt, x, y, 1, 1, mse); // warm-up
  std::vector<double> seconds;
  double loss = 0;
  for (int r = 0; r < g.xorRuns; ++r) {
    {
      torch::NoGradGuard ng;
      auto params = model->parameters();
      for (size_t i = 0; i < params.size(); ++i)
        params[i].copy_(initial[i]);
    }
    double t0 = now();
    loss = fit(model, opt, x, y, 1, g.xorEpochs, mse).second;
    seconds.push_back(now() - t0);
  }
  emit("xor", "\"unit\":\"s\",\"median\":" + fmt("%.6f", median(seconds)) +
                  ",\"samples\":" + jsonList(seconds) + ",\"loss\":" + fmt("%.6f", loss) +
                  ",\"epochs\":" + std::to_string(g.xorEpochs));
}

void benchInfer(const torch::Tensor &xTrain, const torch::Tensor &yTrain,
                const torch::Tensor &xTest) {
  torch::manual_seed(42);
  auto model = makeMlp();
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.01));
  fit(model, opt, xTrain, yTrain, 32, 1, [](const torch::Tensor &out, const torch::Tensor &t) {
    return torch::nn::functional::cross_entropy(out, t);
  });
  model->eval();
  torch::InferenceMode guard;
  auto predict = [&](const torch::Tensor &xb) { return torch::softmax(model->forward(xb), 1); };

  const int64_t n1 = std::min<int64_t>(g.inferN1, xTest.size(0));
  for (int64_t i = 0; i < std::min<int64_t>(n1, 50); ++i)
    predict(xTest.narrow(0, i, 1));
  std::vector<double> latencies;
  for (int r = 0; r < g.inferRuns; ++r) {
    double t0 = now();
    for (int64_t i = 0; i < n1; ++i)
      predict(xTest.narrow(0, i, 1));
    latencies.push_back((now() - t0) / static_cast<double>(n1) * 1e6);
  }
  emit("mlp_infer_b1",
       "\"batch\":1,\"unit\":\"us/sample\",\"median\":" + fmt("%.3f", median(latencies)) +
           ",\"samples\":" + jsonList(latencies) + ",\"n\":" + std::to_string(n1));

  const int64_t big = xTest.size(0);
  torch::Tensor probs = predict(xTest);
  std::vector<double> rates;
  for (int r = 0; r < g.inferRuns; ++r) {
    double t0 = now();
    probs = predict(xTest);
    rates.push_back(static_cast<double>(big) / (now() - t0));
  }
  emit("mlp_infer_b10000", "\"batch\":" + std::to_string(big) +
                               ",\"unit\":\"images/s\",\"median\":" + fmt("%.3f", median(rates)) +
                               ",\"samples\":" + jsonList(rates));
}

} // namespace

int main(int argc, char **argv) try {
  g = parseArgs(argc, argv);
  at::set_num_threads(g.threads);
  std::printf("{\"fw\":\"libtorch\",\"bench\":\"info\",\"version\":\"%d.%d.%d\","
              "\"mkldnn_available\":%s,\"parallel_info\":\"%s\",%s}\n",
              TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH,
              at::hasMKLDNN() ? "true" : "false",
              at::get_parallel_info().find("OpenMP") != std::string::npos ? "OpenMP" : "native",
              configFields().c_str());
  std::fflush(stdout);
  torch::Tensor trainX, trainY, testX;
  if (g.only.count("mlp") || g.only.count("cnn") || g.only.count("infer") ||
      g.only.count("rnn") || g.only.count("resnet")) {
    trainX = readIdx(g.dataDir + "/train-images-idx3-ubyte.gz").to(torch::kFloat).div_(255.0);
    trainY = readIdx(g.dataDir + "/train-labels-idx1-ubyte.gz").to(torch::kLong);
    testX = readIdx(g.dataDir + "/t10k-images-idx3-ubyte.gz").to(torch::kFloat).div_(255.0);
  }
  if (g.only.count("mlp"))
    benchMlpTrain(trainX.narrow(0, 0, g.mlpN).contiguous(), trainY.narrow(0, 0, g.mlpN));
  if (g.only.count("cnn"))
    benchCnnTrain(trainX.narrow(0, 0, g.cnnN).reshape({g.cnnN, 1, 28, 28}).contiguous(),
                  trainY.narrow(0, 0, g.cnnN));
  if (g.only.count("rnn"))
    benchRnnTrain(trainX.narrow(0, 0, g.rnnN).contiguous(), trainY.narrow(0, 0, g.rnnN));
  if (g.only.count("resnet"))
    benchResnetTrain(trainX.narrow(0, 0, g.resnetN).reshape({g.resnetN, 1, 28, 28}).contiguous(),
                     trainY.narrow(0, 0, g.resnetN));
  if (g.only.count("xor"))
    benchXor();
  if (g.only.count("infer"))
    benchInfer(trainX.narrow(0, 0, g.mlpN).contiguous(), trainY.narrow(0, 0, g.mlpN), testX);
  return 0;
} catch (const std::exception &e) {
  std::cerr << "libtorch-compare: error: " << e.what() << "\n";
  return 1;
}
