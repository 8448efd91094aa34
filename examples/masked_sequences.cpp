// A text-like task on sequences of varying length: "sentences" of 2 to 15
// word ids (1..20), padded with 0 after their end to 15 steps, labelled 1
// when the first word's id is larger than the last word's. The last word
// sits at a different step in each sentence, so the LSTM must skip the
// padding to find it: Embedding(mask_zero = true) tells it where the
// padding is, as in Keras.
//   masked_sequences [--epochs 10] [--batch-size 64] [--verbose 1]
#include "ExampleFlags.h"
#include "frontend/Keras.h"

#include <cstdio>
#include <iostream>
#include <random>
#include <vector>

using namespace kiln;

namespace {

constexpr int64_t kSteps = 15, kVocabulary = 21;

/// `n` padded sentences and their labels, from `seed`.
std::pair<Tensor, Tensor> sentences(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> word(1, kVocabulary - 1), length(2, int(kSteps));
  std::vector<int32_t> ids(size_t(n * kSteps), 0);
  std::vector<float> labels;
  for (int64_t i = 0; i < n; ++i) {
    int len = length(rng);
    for (int t = 0; t < len; ++t)
      ids[size_t(i * kSteps + t)] = word(rng);
    labels.push_back(ids[size_t(i * kSteps)] > ids[size_t(i * kSteps + len - 1)] ? 1.f : 0.f);
  }
  return {Tensor::fromVector(ids, {n, kSteps}), Tensor::fromVector(labels, {n, 1})};
}

} // namespace

int main(int argc, char **argv) try {
  auto flags = examples::parseFlags(argc, argv, /*epochs=*/10, /*batch=*/64,
                                    "Embedding(mask_zero) + LSTM on padded sequences\n");
  utils::set_random_seed(3);
  auto [x_train, y_train] = sentences(10000, 1);
  auto [x_test, y_test] = sentences(2000, 2);

  Sequential model;
  model.add(layers::Embedding(kVocabulary, 16, {.mask_zero = true, .input_length = kSteps}));
  model.add(layers::LSTM(32));
  model.add(layers::Dense(1, {.activation = "sigmoid"}));
  model.summary();
  model.compile({.optimizer = "adam",
                 .loss = "binary_crossentropy",
                 .metrics = {"accuracy"}});
  model.fit(x_train, y_train,
            {.epochs = flags.epochs,
             .batch_size = flags.batch_size,
             .verbose = flags.verbose,
             .validation_split = 0.1});
  std::vector<double> scores = model.evaluate(x_test, y_test);
  std::printf("test_loss: %.4f test_accuracy: %.4f\n", scores[0], scores[1]);
  examples::saveAndReload(model, x_test, flags.save);
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
