// Writes the seed corpus of the fuzz targets (test/fuzz/corpus/): small
// models in every layout Kiln reads, plus configs in Keras 1 and 2 schemas.
//   kiln-fuzz-corpus test/fuzz/corpus
#include "frontend/Keras.h"

#include <filesystem>
#include <fstream>
#include <iostream>

using namespace kiln;

namespace {

void write(const std::string &path, const std::string &text) {
  std::ofstream(path) << text;
}

/// The model FuzzHdf5's load_weights expects: Dense(4, relu) on 3 inputs,
/// then Dense(2).
Sequential tiny() {
  utils::set_random_seed(1);
  Sequential model("tiny");
  model.add(layers::Dense(4, {.activation = "relu", .input_dim = 3}));
  model.add(layers::Dense(2, {.activation = "softmax"}));
  model.compile({.optimizer = "adam", .loss = "categorical_crossentropy",
                 .metrics = {"accuracy"}});
  return model;
}

Model functional() {
  KerasTensor a = Input({4}, "a"), b = Input({4}, "b");
  layers::Dense shared(4);
  KerasTensor s = layers::Add()({shared(a), shared(b)});
  KerasTensor c = layers::Concatenate()({layers::ReLU()(s), b});
  Model model({a, b}, {layers::Softmax()(layers::Dense(2)(c))}, "func");
  return model;
}

Sequential cnn() {
  Sequential model("cnn");
  model.add(layers::Conv2D(2, 3, {.padding = "same", .input_shape = {6, 6, 1}}));
  model.add(layers::MaxPooling2D({2, 2}));
  model.add(layers::Flatten());
  model.add(layers::Activation("tanh"));
  model.add(layers::Dense(2));
  return model;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: kiln-fuzz-corpus DIR\n";
    return 2;
  }
  std::string dir = argv[1];
  for (const char *sub : {"config", "archive", "hdf5"})
    std::filesystem::create_directories(dir + "/" + sub);
  Sequential t = tiny();
  Model f = functional();
  Sequential c = cnn();
  write(dir + "/config/sequential_k3.json", t.to_json());
  write(dir + "/config/functional_k3.json", f.to_json());
  write(dir + "/config/cnn_k3.json", c.to_json());
  write(dir + "/config/sequential_k2_list.json",
        R"({"class_name": "Sequential", "config": [{"class_name": "Dense", "config": )"
        R"({"name": "dense_1", "units": 2, "activation": "relu", "batch_input_shape": [null, 3]}}]})");
  write(dir + "/config/model_k2.json",
        R"({"class_name": "Model", "config": {"name": "m", "layers": [)"
        R"({"class_name": "InputLayer", "config": {"batch_input_shape": [null, 3], "name": "in"}, )"
        R"("name": "in", "inbound_nodes": []}, {"class_name": "Dense", "config": {"name": "d", )"
        R"("units": 2}, "name": "d", "inbound_nodes": [[["in", 0, 0, {}]]]}], )"
        R"("input_layers": [["in", 0, 0]], "output_layers": [["d", 0, 0]]}, "keras_version": "2.2.4"})");
  write(dir + "/config/sequential_k1.json",
        R"({"class_name": "Sequential", "config": [{"class_name": "Convolution2D", "config": )"
        R"({"name": "c", "nb_filter": 2, "nb_row": 3, "nb_col": 3, "border_mode": "same", )"
        R"("dim_ordering": "tf", "init": "glorot_uniform", "batch_input_shape": [null, 5, 5, 1]}}, )"
        R"({"class_name": "Flatten", "config": {"name": "f"}}, {"class_name": "Dense", "config": )"
        R"({"name": "d", "output_dim": 3, "init": "uniform", "activation": "softmax"}}]})");
  t.save(dir + "/archive/tiny.keras");
  c.save(dir + "/archive/cnn.keras");
  f.save(dir + "/archive/functional.keras");
  t.save(dir + "/hdf5/tiny.h5");
  f.save(dir + "/hdf5/functional.h5");
  t.save_weights(dir + "/hdf5/tiny_weights.h5");
  t.save_weights(dir + "/hdf5/tiny.weights.h5");
  std::cout << "wrote the corpus in " << dir << "\n";
  return 0;
}
