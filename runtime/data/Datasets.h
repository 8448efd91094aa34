// Keras-style dataset loaders (kiln::datasets::fashion_mnist::load_data).
#ifndef KILN_RUNTIME_DATA_DATASETS_H
#define KILN_RUNTIME_DATA_DATASETS_H

#include "runtime/Tensor.h"
// Re-exported: Keras programs use to_categorical right after load_data.
#include "runtime/data/Categorical.h"

#include <string>

namespace kiln::datasets {

// One split: x holds the inputs, y the labels.
struct Split {
  Tensor x, y;
};

// Aggregates, so structured bindings mirror Keras's tuples:
//   auto [train, test] = fashion_mnist::load_data();
//   auto [x_train, y_train] = train;
struct Dataset {
  Split train, test;
};

namespace fashion_mnist {

// Where Debian's dataset-fashion-mnist package installs the IDX files.
inline constexpr const char *kDefaultDir = "/usr/share/datasets/fashion-mnist";

// Reads the four IDX files (train-images-idx3-ubyte.gz, ...; the
// uncompressed names work too) from `dir`: train x u8 (60000, 28, 28), y u8
// (60000); test x (10000, 28, 28), y (10000). Never touches the network.
// Throws kiln::Error naming the directory and the apt-get command if files
// are missing, and if image and label counts differ or a label is not 0..9.
Dataset load_data(const std::string &dir = kDefaultDir);

} // namespace fashion_mnist

} // namespace kiln::datasets

#endif // KILN_RUNTIME_DATA_DATASETS_H
