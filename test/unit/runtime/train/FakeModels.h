// Fake compiled models for the training-loop tests: plain C++ step functions
// that follow Kiln's packed ABI exactly (void step(void **args), every
// argument a memref descriptor) and record what they were given.
#ifndef KILN_TEST_UNIT_RUNTIME_TRAIN_FAKEMODELS_H
#define KILN_TEST_UNIT_RUNTIME_TRAIN_FAKEMODELS_H

#include "runtime/Tensor.h"
#include "runtime/abi/Steps.h"

#include <cstdint>
#include <vector>

namespace kiln::test {

// A memref descriptor as the compiled code sees it.
template <typename T>
struct MemRefView {
  T *allocated = nullptr;
  T *aligned = nullptr;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;

  T *ptr() const { return aligned + offset; }
  int64_t size(size_t d) const { return sizes.at(d); }
  int64_t numElements() const {
    int64_t n = 1;
    for (int64_t s : sizes)
      n *= s;
    return n;
  }
};

// Reads argument `i` of a packed call as a rank-`rank` memref of T.
template <typename T>
MemRefView<T> argView(void **args, size_t i, int rank) {
  auto *words = *static_cast<int64_t **>(args[i]);
  MemRefView<T> v;
  v.allocated = reinterpret_cast<T *>(static_cast<intptr_t>(words[0]));
  v.aligned = reinterpret_cast<T *>(static_cast<intptr_t>(words[1]));
  v.offset = words[2];
  for (int d = 0; d < rank; ++d)
    v.sizes.push_back(words[3 + d]);
  for (int d = 0; d < rank; ++d)
    v.strides.push_back(words[3 + rank + d]);
  return v;
}

// One call of a fake step, as recorded.
struct StepCall {
  int64_t rows = 0;          // leading size of the first input
  const void *x = nullptr;   // data pointer of the first input
  const void *y = nullptr;   // data pointer of the first target (train/eval)
  std::vector<float> x0;     // first feature of every row of the first input
  std::vector<double> yValues; // every target element, as double
  float learningRate = 0;    // train: the learning-rate argument
};

// What the fake steps saw; reset() before each test.
struct Recorder {
  std::vector<StepCall> train, eval, predict;
  // A fake clock in seconds, advanced by the steps.
  double clock = 0.0;
  double secondsPerTrainStep = 0.0;
  double secondsPerEvalStep = 0.0;
  void reset() { *this = Recorder(); }
};
Recorder &recorder();

// Linear regression y = x . w + b (w (2, 1), b (1,)) with MSE loss, an "mae"
// metric and SGD with momentum 0.5 (one optimizer slot per parameter) at
// learning rate 0.1. Inputs (-1, 2) f32, targets (-1, 1) f32.
abi::CompiledSteps linearRegression();

// Returns, for every batch, loss = mean of the batch's targets and
// "max" = their maximum: known per-batch values for checking the epoch's
// sample-weighted mean. Inputs (-1, 1) f32, targets (-1,) f32, output
// (-1, 1) = x + w. One parameter w (1,), never changed; no optimizer slots.
abi::CompiledSteps meanTarget();

// Softmax regression on 3 features and 3 classes (W (3, 3), b (3,)), sparse
// i32 labels (sparseLabelClasses = 3), sparse categorical cross-entropy and
// "accuracy", plain SGD at 0.5. Output (-1, 3) probabilities.
abi::CompiledSteps softmaxClassifier();

// Scripted results for callback tests. Each train step adds 1 to w (1,) and
// to the iteration counter and reports script[w - 1]; eval reports the
// validation script at w - 1. With one batch per epoch, w - 1 is the epoch
// and w identifies the epoch whose weights the model holds.
struct Script {
  std::vector<double> loss, accuracy, valLoss, valAccuracy;
};
Script &script();
abi::CompiledSteps scripted();

// A model whose train step reports a NaN loss from the second step on.
abi::CompiledSteps nanLoss();

// Signature-only model with input (-1, 28, 28) and target (-1,), for
// validation errors; its steps do nothing.
abi::CompiledSteps imageShaped();

// Two inputs (-1, 2) and (-1, 3), one target (-1, 1); steps do nothing.
abi::CompiledSteps twoInputs();

// Initial parameters for a signature: zeros, or `fill`.
std::vector<Tensor> zeroParams(const abi::StepSignature &sig);

} // namespace kiln::test

#endif // KILN_TEST_UNIT_RUNTIME_TRAIN_FAKEMODELS_H
