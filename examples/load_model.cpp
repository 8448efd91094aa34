// Loads a Keras model file and uses it:
//   load_model MODEL [--weights W.h5] [--evaluate fashion-mnist]
//              [--predict IN.npy OUT.npy]
// MODEL is a `.keras` archive, a legacy `.h5` model or a JSON config (then
// --weights gives its weights). The summary is printed; --evaluate runs
// Fashion-MNIST's test set (pixels / 255, reshaped to the model's input)
// and ends with "test_loss: x test_accuracy: y"; --predict writes the
// model's outputs for a .npy input as .npy.
#include "frontend/Keras.h"

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

using namespace kiln;

namespace {

struct Args {
  std::string model, weights, evaluate, predictIn, predictOut;
};

[[noreturn]] void usage(const std::string &why) {
  std::cerr << "load_model: " << why << "\n"
            << "usage: load_model MODEL [--weights W.h5] [--evaluate fashion-mnist] "
               "[--predict IN.npy OUT.npy]\n";
  std::exit(2);
}

Args parse(int argc, char **argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc)
        usage(s + " needs a value");
      return argv[++i];
    };
    if (s == "--weights")
      a.weights = next();
    else if (s == "--evaluate")
      a.evaluate = next();
    else if (s == "--predict") {
      a.predictIn = next();
      a.predictOut = next();
    } else if (!s.empty() && s[0] == '-')
      usage("unknown option " + s);
    else if (a.model.empty())
      a.model = s;
    else
      usage("more than one MODEL");
  }
  if (a.model.empty())
    usage("no MODEL given");
  if (!a.evaluate.empty() && a.evaluate != "fashion-mnist")
    usage("--evaluate knows only fashion-mnist");
  return a;
}

/// `x` (n, ...) as (n, model input shape without the batch).
Tensor toInput(const Tensor &x, const Model &model) {
  Shape shape = model.input_shape();
  shape.front() = x.shape().front();
  return x.astype(DType::f32).reshape(shape);
}

} // namespace

int main(int argc, char **argv) {
  Args args = parse(argc, argv);
  try {
    Model model = load_model(args.model);
    if (!args.weights.empty())
      model.load_weights(args.weights);
    model.summary();
    if (!args.evaluate.empty()) {
      auto [train, test] = datasets::fashion_mnist::load_data();
      Tensor x = toInput(test.x.astype(DType::f32) / 255.0, model);
      // The same loss and metric for every file, whatever it was compiled
      // with: integer labels, sparse cross-entropy, accuracy.
      model.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy",
                     .metrics = {"accuracy"}});
      std::vector<double> r = model.evaluate(x, test.y, {.batch_size = 256});
      std::printf("test_loss: %.4f test_accuracy: %.4f\n", r[0], r[1]);
    }
    if (!args.predictIn.empty()) {
      Tensor in = io::readNpy(args.predictIn);
      // Kiln compiles the prediction step with the others: a model loaded
      // without a compile config gets a neutral one.
      if (model.metrics_names().empty())
        model.compile({.optimizer = "sgd", .loss = "mse"});
      Tensor out = model.predict(toInput(in, model));
      io::writeNpy(args.predictOut, out);
      std::printf("wrote %s, shape %s\n", args.predictOut.c_str(),
                  shapeToString(out.shape()).c_str());
    }
  } catch (const Error &e) {
    std::cerr << "load_model: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
