// Seed 003's model written with the Functional API:
//   input_tensor = Input(shape=(784,))
//   x = Dense(32, activation='relu')(input_tensor)
//   output_tensor = Dense(10, activation='softmax')(x)
//   model = Model(inputs=input_tensor, outputs=output_tensor)
//   mnist_dense_functional [--epochs 5] [--batch-size 128] [--verbose 1]
#include "ExampleFlags.h"
#include "frontend/Keras.h"

#include <cstdio>
#include <iostream>

using namespace kiln;

int main(int argc, char **argv) try {
  auto flags = examples::parseFlags(argc, argv, /*epochs=*/5, /*batch=*/128,
                                    "Keras seed 003, Functional form\n");
  auto [train, test] = datasets::fashion_mnist::load_data();
  Tensor train_images = (train.x / 255.0).reshape({60000, 28 * 28});
  Tensor test_images = (test.x / 255.0).reshape({10000, 28 * 28});
  Tensor train_labels = utils::to_categorical(train.y);
  Tensor test_labels = utils::to_categorical(test.y);

  KerasTensor input_tensor = Input({784});
  KerasTensor x = layers::Dense(32, {.activation = "relu"})(input_tensor);
  KerasTensor output_tensor = layers::Dense(10, {.activation = "softmax"})(x);
  Model model(input_tensor, output_tensor);
  model.summary();

  model.compile({.optimizer = "rmsprop",
                 .loss = "categorical_crossentropy",
                 .metrics = {"accuracy"}});
  model.fit(train_images, train_labels,
            {.epochs = flags.epochs, .batch_size = flags.batch_size,
             .verbose = flags.verbose});
  std::vector<double> scores = model.evaluate(test_images, test_labels);
  std::printf("test_loss: %.4f test_accuracy: %.4f\n", scores[0], scores[1]);
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
