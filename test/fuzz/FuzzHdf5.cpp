// Fuzzes legacy HDF5 files: load_model (model_config, training_config,
// model_weights) and load_weights into a fixed model (layer_names,
// weight_names, datasets). Each must succeed or throw kiln::Error.
#include "FuzzCommon.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kiln::fuzz::lowerLimits();
  std::string path = kiln::fuzz::asFile(data, size, ".h5");
  try {
    kiln::Model model = kiln::load_model(path, {.compile = false});
    (void)model.get_weights();
  } catch (const kiln::Error &) {
  }
  try {
    kiln::Sequential model;
    model.add(kiln::layers::Dense(4, {.activation = "relu", .input_dim = 3}));
    model.add(kiln::layers::Dense(2));
    model.load_weights(path);
  } catch (const kiln::Error &) {
  }
  return 0;
}
