// Fake compiled models written by hand against the packed step ABI.
#include "FakeModels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kiln::test {

Recorder &recorder() {
  static Recorder r;
  return r;
}

Script &script() {
  static Script s;
  return s;
}

namespace {

// Records a call: x is argument `xi` (rank `xRank`, f32), y argument `yi`
// (rank `yRank`, element type Y) or none when yi < 0.
template <typename Y>
StepCall record(void **args, size_t xi, int xRank, long yi, int yRank) {
  StepCall c;
  MemRefView<float> x = argView<float>(args, xi, xRank);
  c.rows = x.size(0);
  c.x = x.ptr();
  for (int64_t r = 0; r < c.rows; ++r)
    c.x0.push_back(x.ptr()[r * x.strides[0]]);
  if (yi >= 0) {
    MemRefView<Y> y = argView<Y>(args, static_cast<size_t>(yi), yRank);
    c.y = y.ptr();
    for (int64_t i = 0; i < y.numElements(); ++i)
      c.yValues.push_back(static_cast<double>(y.ptr()[i]));
  }
  return c;
}

void advanceClock(double seconds) { recorder().clock += seconds; }

//===--- linear regression ---------------------------------------------===//

// Forward pass: predictions, loss (MSE) and MAE, and the gradients.
struct Regression {
  double loss = 0, mae = 0;
  double gw[2] = {0, 0}, gb = 0;
};

Regression regress(const float *w, const float *b, const MemRefView<float> &x,
                   const MemRefView<float> &y) {
  Regression r;
  int64_t n = x.size(0);
  for (int64_t i = 0; i < n; ++i) {
    const float *xi = x.ptr() + i * x.strides[0];
    double pred = xi[0] * w[0] + xi[1] * w[1] + b[0];
    double err = pred - y.ptr()[i * y.strides[0]];
    r.loss += err * err;
    r.mae += std::fabs(err);
    r.gw[0] += 2 * err * xi[0];
    r.gw[1] += 2 * err * xi[1];
    r.gb += 2 * err;
  }
  if (n > 0) {
    r.loss /= n;
    r.mae /= n;
    r.gw[0] /= n;
    r.gw[1] /= n;
    r.gb /= n;
  }
  return r;
}

void recordTrain(StepCall call, float learningRate) {
  call.learningRate = learningRate;
  recorder().train.push_back(std::move(call));
}

void regressionTrain(void **args) {
  auto w = argView<float>(args, 0, 2), b = argView<float>(args, 1, 1);
  auto mw = argView<float>(args, 2, 2), mb = argView<float>(args, 3, 1);
  auto it = argView<int64_t>(args, 4, 0);
  const float lr = *argView<float>(args, 5, 0).ptr(), momentum = 0.5f;
  auto x = argView<float>(args, 6, 2), y = argView<float>(args, 7, 2);
  auto out = argView<float>(args, 8, 1);
  recordTrain(record<float>(args, 6, 2, 7, 2), lr);
  Regression r = regress(w.ptr(), b.ptr(), x, y);
  for (int k = 0; k < 2; ++k) {
    mw.ptr()[k] = momentum * mw.ptr()[k] - lr * static_cast<float>(r.gw[k]);
    w.ptr()[k] += mw.ptr()[k];
  }
  mb.ptr()[0] = momentum * mb.ptr()[0] - lr * static_cast<float>(r.gb);
  b.ptr()[0] += mb.ptr()[0];
  *it.ptr() += 1;
  out.ptr()[0] = static_cast<float>(r.loss);
  out.ptr()[1] = static_cast<float>(r.mae);
  advanceClock(recorder().secondsPerTrainStep);
}

void regressionEval(void **args) {
  auto w = argView<float>(args, 0, 2), b = argView<float>(args, 1, 1);
  auto x = argView<float>(args, 2, 2), y = argView<float>(args, 3, 2);
  auto out = argView<float>(args, 4, 1);
  recorder().eval.push_back(record<float>(args, 2, 2, 3, 2));
  Regression r = regress(w.ptr(), b.ptr(), x, y);
  out.ptr()[0] = static_cast<float>(r.loss);
  out.ptr()[1] = static_cast<float>(r.mae);
  advanceClock(recorder().secondsPerEvalStep);
}

void regressionPredict(void **args) {
  auto w = argView<float>(args, 0, 2), b = argView<float>(args, 1, 1);
  auto x = argView<float>(args, 2, 2), out = argView<float>(args, 3, 2);
  StepCall c = record<float>(args, 2, 2, -1, 0);
  c.y = out.ptr();
  recorder().predict.push_back(c);
  for (int64_t i = 0; i < x.size(0); ++i) {
    const float *xi = x.ptr() + i * x.strides[0];
    out.ptr()[i * out.strides[0]] = xi[0] * w.ptr()[0] + xi[1] * w.ptr()[1] + b.ptr()[0];
  }
}

//===--- mean target ----------------------------------------------------===//

void writeMeanMax(const MemRefView<float> &y, float *out) {
  double sum = 0, mx = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < y.size(0); ++i) {
    double v = y.ptr()[i * y.strides[0]];
    sum += v;
    mx = std::max(mx, v);
  }
  out[0] = static_cast<float>(sum / static_cast<double>(y.size(0)));
  out[1] = static_cast<float>(mx);
}

void meanTrain(void **args) {
  auto it = argView<int64_t>(args, 1, 0);
  auto y = argView<float>(args, 4, 1);
  auto out = argView<float>(args, 5, 1);
  recordTrain(record<float>(args, 3, 2, 4, 1), *argView<float>(args, 2, 0).ptr());
  writeMeanMax(y, out.ptr());
  *it.ptr() += 1;
  advanceClock(recorder().secondsPerTrainStep);
}

void meanEval(void **args) {
  auto y = argView<float>(args, 2, 1);
  auto out = argView<float>(args, 3, 1);
  recorder().eval.push_back(record<float>(args, 1, 2, 2, 1));
  writeMeanMax(y, out.ptr());
  advanceClock(recorder().secondsPerEvalStep);
}

void meanPredict(void **args) {
  auto w = argView<float>(args, 0, 1);
  auto x = argView<float>(args, 1, 2), out = argView<float>(args, 2, 2);
  StepCall c = record<float>(args, 1, 2, -1, 0);
  c.y = out.ptr();
  recorder().predict.push_back(c);
  for (int64_t i = 0; i < x.size(0); ++i)
    out.ptr()[i * out.strides[0]] = x.ptr()[i * x.strides[0]] + w.ptr()[0];
}

//===--- softmax classifier ---------------------------------------------===//

// Probabilities of the 3 classes for row `xi`.
void softmaxRow(const float *W, const float *b, const float *xi, double *p) {
  double logits[3], mx = -1e300;
  for (int c = 0; c < 3; ++c) {
    logits[c] = b[c];
    for (int f = 0; f < 3; ++f)
      logits[c] += xi[f] * W[f * 3 + c];
    mx = std::max(mx, logits[c]);
  }
  double z = 0;
  for (int c = 0; c < 3; ++c)
    z += (p[c] = std::exp(logits[c] - mx));
  for (int c = 0; c < 3; ++c)
    p[c] /= z;
}

// Loss and accuracy of a batch; gradients into gW/gb when given.
void classify(const float *W, const float *b, const MemRefView<float> &x,
              const MemRefView<int32_t> &y, float *out, double *gW, double *gb) {
  int64_t n = x.size(0);
  double loss = 0, correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float *xi = x.ptr() + i * x.strides[0];
    int32_t label = y.ptr()[i * y.strides[0]];
    double p[3];
    softmaxRow(W, b, xi, p);
    loss -= std::log(std::max(p[label], 1e-7));
    int arg = static_cast<int>(std::max_element(p, p + 3) - p);
    correct += arg == label;
    if (gW)
      for (int c = 0; c < 3; ++c) {
        double d = (p[c] - (c == label)) / static_cast<double>(n);
        gb[c] += d;
        for (int f = 0; f < 3; ++f)
          gW[f * 3 + c] += d * xi[f];
      }
  }
  out[0] = static_cast<float>(loss / static_cast<double>(n));
  out[1] = static_cast<float>(correct / static_cast<double>(n));
}

void classifierTrain(void **args) {
  auto W = argView<float>(args, 0, 2), b = argView<float>(args, 1, 1);
  auto it = argView<int64_t>(args, 2, 0);
  const double lr = *argView<float>(args, 3, 0).ptr();
  auto x = argView<float>(args, 4, 2);
  auto y = argView<int32_t>(args, 5, 1);
  auto out = argView<float>(args, 6, 1);
  recordTrain(record<int32_t>(args, 4, 2, 5, 1), float(lr));
  double gW[9] = {0}, gb[3] = {0};
  classify(W.ptr(), b.ptr(), x, y, out.ptr(), gW, gb);
  for (int k = 0; k < 9; ++k)
    W.ptr()[k] -= static_cast<float>(lr * gW[k]);
  for (int k = 0; k < 3; ++k)
    b.ptr()[k] -= static_cast<float>(lr * gb[k]);
  *it.ptr() += 1;
}

void classifierEval(void **args) {
  auto W = argView<float>(args, 0, 2), b = argView<float>(args, 1, 1);
  auto x = argView<float>(args, 2, 2);
  auto y = argView<int32_t>(args, 3, 1);
  auto out = argView<float>(args, 4, 1);
  recorder().eval.push_back(record<int32_t>(args, 2, 2, 3, 1));
  classify(W.ptr(), b.ptr(), x, y, out.ptr(), nullptr, nullptr);
}

void classifierPredict(void **args) {
  auto W = argView<float>(args, 0, 2), b = argView<float>(args, 1, 1);
  auto x = argView<float>(args, 2, 2), out = argView<float>(args, 3, 2);
  for (int64_t i = 0; i < x.size(0); ++i) {
    double p[3];
    softmaxRow(W.ptr(), b.ptr(), x.ptr() + i * x.strides[0], p);
    for (int c = 0; c < 3; ++c)
      out.ptr()[i * out.strides[0] + c] = static_cast<float>(p[c]);
  }
}

//===--- scripted ---------------------------------------------------------===//

double at(const std::vector<double> &v, int64_t i) {
  return i >= 0 && static_cast<size_t>(i) < v.size() ? v[static_cast<size_t>(i)]
                                                     : 0.0;
}

void scriptedTrain(void **args) {
  auto w = argView<float>(args, 0, 1);
  auto it = argView<int64_t>(args, 1, 0);
  auto out = argView<float>(args, 5, 1);
  recordTrain(record<float>(args, 3, 2, 4, 2), *argView<float>(args, 2, 0).ptr());
  w.ptr()[0] += 1;
  *it.ptr() += 1;
  int64_t e = static_cast<int64_t>(w.ptr()[0]) - 1;
  out.ptr()[0] = static_cast<float>(at(script().loss, e));
  out.ptr()[1] = static_cast<float>(at(script().accuracy, e));
}

void scriptedEval(void **args) {
  auto w = argView<float>(args, 0, 1);
  auto out = argView<float>(args, 3, 1);
  recorder().eval.push_back(record<float>(args, 1, 2, 2, 2));
  int64_t e = static_cast<int64_t>(w.ptr()[0]) - 1;
  out.ptr()[0] = static_cast<float>(at(script().valLoss, e));
  out.ptr()[1] = static_cast<float>(at(script().valAccuracy, e));
}

void nanTrain(void **args) {
  auto it = argView<int64_t>(args, 1, 0);
  auto out = argView<float>(args, 5, 1);
  recordTrain(record<float>(args, 3, 2, 4, 2), *argView<float>(args, 2, 0).ptr());
  out.ptr()[0] = *it.ptr() >= 1 ? std::numeric_limits<float>::quiet_NaN() : 1.0f;
  out.ptr()[1] = 0.5f;
  *it.ptr() += 1;
}

void noop(void **) {}

// The layouts kiln-make-steps gives a model of this signature.
abi::StepLayouts layoutsOf(const abi::StepSignature &sig) {
  return {abi::StepLayout::train(sig.params.size(),
                                 sig.optimizerSlots * sig.numTrainable(),
                                 sig.inputs.size(), sig.targets.size()),
          abi::StepLayout::eval(sig.params.size(), sig.inputs.size(),
                                sig.targets.size()),
          abi::StepLayout::predict(sig.params.size(), sig.inputs.size(),
                                   sig.outputs.size())};
}

abi::StepSignature oneParamSignature() {
  abi::StepSignature sig;
  sig.params = {{1}};
  sig.trainable = {true};
  sig.inputs = {{-1, 1}};
  sig.targets = {{-1, 1}};
  sig.outputs = {{-1, 1}};
  sig.inputTypes = {DType::f32};
  sig.targetTypes = {DType::f32};
  sig.resultNames = {"loss", "accuracy"};
  sig.learningRate = 0.01f;
  return sig;
}

} // namespace

abi::CompiledSteps linearRegression() {
  abi::CompiledSteps s;
  s.train = regressionTrain;
  s.eval = regressionEval;
  s.predict = regressionPredict;
  abi::StepSignature &sig = s.signature;
  sig.params = {{2, 1}, {1}};
  sig.trainable = {true, true};
  sig.optimizerSlots = 1;
  sig.slotInitialValues = {0.0f};
  sig.learningRate = 0.1f;
  sig.inputs = {{-1, 2}};
  sig.targets = {{-1, 1}};
  sig.outputs = {{-1, 1}};
  sig.inputTypes = {DType::f32};
  sig.targetTypes = {DType::f32};
  sig.resultNames = {"loss", "mae"};
  s.layouts = layoutsOf(s.signature);
  return s;
}

abi::CompiledSteps meanTarget() {
  abi::CompiledSteps s;
  s.train = meanTrain;
  s.eval = meanEval;
  s.predict = meanPredict;
  abi::StepSignature &sig = s.signature;
  sig.params = {{1}};
  sig.trainable = {true};
  sig.inputs = {{-1, 1}};
  sig.targets = {{-1}};
  sig.outputs = {{-1, 1}};
  sig.inputTypes = {DType::f32};
  sig.targetTypes = {DType::f32};
  sig.resultNames = {"loss", "max"};
  s.layouts = layoutsOf(s.signature);
  return s;
}

abi::CompiledSteps softmaxClassifier() {
  abi::CompiledSteps s;
  s.train = classifierTrain;
  s.eval = classifierEval;
  s.predict = classifierPredict;
  abi::StepSignature &sig = s.signature;
  sig.params = {{3, 3}, {3}};
  sig.trainable = {true, true};
  sig.learningRate = 0.5f;
  sig.inputs = {{-1, 3}};
  sig.targets = {{-1}};
  sig.outputs = {{-1, 3}};
  sig.inputTypes = {DType::f32};
  sig.targetTypes = {DType::i32};
  sig.resultNames = {"loss", "accuracy"};
  sig.sparseLabelClasses = {3};
  s.layouts = layoutsOf(s.signature);
  return s;
}

abi::CompiledSteps scripted() {
  abi::CompiledSteps s;
  s.train = scriptedTrain;
  s.eval = scriptedEval;
  s.predict = noop;
  s.signature = oneParamSignature();
  s.layouts = layoutsOf(s.signature);
  return s;
}

abi::CompiledSteps nanLoss() {
  abi::CompiledSteps s;
  s.train = nanTrain;
  s.eval = scriptedEval;
  s.predict = noop;
  s.signature = oneParamSignature();
  s.signature.resultNames = {"loss", "mae"};
  s.layouts = layoutsOf(s.signature);
  return s;
}

abi::CompiledSteps imageShaped() {
  abi::CompiledSteps s;
  s.train = noop;
  s.eval = noop;
  s.predict = noop;
  abi::StepSignature &sig = s.signature;
  sig.params = {{784, 10}};
  sig.trainable = {true};
  sig.inputs = {{-1, 28, 28}};
  sig.targets = {{-1}};
  sig.outputs = {{-1, 10}};
  sig.inputTypes = {DType::f32};
  sig.targetTypes = {DType::i32};
  sig.resultNames = {"loss", "accuracy"};
  sig.sparseLabelClasses = {10};
  s.layouts = layoutsOf(s.signature);
  return s;
}

abi::CompiledSteps twoInputs() {
  abi::CompiledSteps s;
  s.train = noop;
  s.eval = noop;
  s.predict = noop;
  abi::StepSignature &sig = s.signature;
  sig.params = {{1}};
  sig.trainable = {true};
  sig.inputs = {{-1, 2}, {-1, 3}};
  sig.targets = {{-1, 1}};
  sig.outputs = {{-1, 1}};
  sig.resultNames = {"loss"};
  s.layouts = layoutsOf(s.signature);
  return s;
}

std::vector<Tensor> zeroParams(const abi::StepSignature &sig) {
  std::vector<Tensor> out;
  for (const Shape &shape : sig.params)
    out.push_back(Tensor::zeros(shape));
  return out;
}

} // namespace kiln::test
