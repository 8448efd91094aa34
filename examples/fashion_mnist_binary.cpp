// Seed 004's classifier judgement on Fashion-MNIST: "is it a shoe?" (sandal,
// sneaker and ankle boot, classes 5, 7 and 9, are positive), a sigmoid
// output judged by precision, recall and the area under the ROC curve, the
// figures seed 004 computes with scikit-learn, here Keras metric objects
// compiled into the step and shown in the progress bar and History.
//   fashion_mnist_binary [--epochs 5] [--batch-size 32] [--verbose 1]
//                        [--predictions DIR] [--plots DIR]
// --predictions writes the test set's predictions and labels as .npy files
// (examples/check_fashion_mnist_binary.py recomputes the figures with NumPy).
#include "ExampleFlags.h"
#include "frontend/Keras.h"

#include "llvm/Support/CommandLine.h"

#include <cstdio>
#include <iostream>

using namespace kiln;

namespace {

/// 1 for a shoe (classes 5, 7, 9), else 0, shaped (n, 1).
Tensor isShoe(const Tensor &labels) {
  Tensor l = labels.astype(DType::i32);
  std::vector<float> out(static_cast<size_t>(l.size()));
  for (size_t i = 0; i < out.size(); ++i) {
    int32_t c = l.data<int32_t>()[i];
    out[i] = c == 5 || c == 7 || c == 9 ? 1.f : 0.f;
  }
  return Tensor::fromVector(out, {l.size(), 1});
}

} // namespace

int main(int argc, char **argv) try {
  static llvm::cl::opt<std::string> predictions(
      "predictions",
      llvm::cl::desc("Write test_predictions.npy and test_labels.npy here"),
      llvm::cl::init(""));
  auto flags = examples::parseFlags(argc, argv, /*epochs=*/5, /*batch=*/32,
                                    "Fashion-MNIST: is it a shoe? (Keras seed 004's metrics)\n");

  auto [train, test] = datasets::fashion_mnist::load_data();
  Tensor X_valid = train.x.slice(0, 5000) / 255.0;
  Tensor X_train = train.x.slice(5000, 60000) / 255.0;
  Tensor y_valid = isShoe(train.y.slice(0, 5000));
  Tensor y_train = isShoe(train.y.slice(5000, 60000));
  Tensor X_test = test.x / 255.0;
  Tensor y_test = isShoe(test.y);

  Sequential model;
  model.add(layers::Flatten({.input_shape = {28, 28}}));
  model.add(layers::Dense(100, {.activation = "relu"}));
  model.add(layers::Dense(1, {.activation = "sigmoid"}));
  model.summary();

  // Keras: metrics=["accuracy", keras.metrics.Precision(),
  //                 keras.metrics.Recall(), keras.metrics.AUC()]
  model.compile({.optimizer = "adam",
                 .loss = "binary_crossentropy",
                 .metrics = {"accuracy", metrics::Precision(), metrics::Recall(),
                             metrics::AUC()}});
  History history = model.fit(X_train, y_train,
                              {.epochs = flags.epochs,
                               .batch_size = flags.batch_size,
                               .verbose = flags.verbose,
                               .validation_data = {{X_valid, y_valid}}});
  for (const char *key : {"precision", "recall", "auc", "val_precision", "val_recall",
                          "val_auc"})
    std::printf("history %s: %.6f\n", key, history.history.at(key).back());

  std::vector<double> scores = model.evaluate(X_test, y_test);
  std::printf("test_loss: %.6f test_accuracy: %.6f test_precision: %.6f "
              "test_recall: %.6f test_auc: %.6f\n",
              scores[0], scores[1], scores[2], scores[3], scores[4]);
  if (!predictions.empty()) {
    std::string p = predictions + "/test_predictions.npy",
                l = predictions + "/test_labels.npy";
    io::writeNpy(p, model.predict(X_test));
    io::writeNpy(l, y_test);
    std::printf("wrote %s and %s\n", p.c_str(), l.c_str());
  }
  if (!flags.plots.empty()) {
    std::string png = flags.plots + "/fashion_mnist_binary_history.png";
    utils::plot_history(history, png, {.metrics = {"loss", "precision", "recall", "auc"}});
    std::printf("drew %s\n", png.c_str());
  }
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
