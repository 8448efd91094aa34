// Fuzzes `.keras` archives: the zip reader, config.json and the weights
// file inside. load_model must return a model or throw kiln::Error.
#include "FuzzCommon.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kiln::fuzz::lowerLimits();
  std::string path = kiln::fuzz::asFile(data, size, ".keras");
  try {
    kiln::Model model = kiln::load_model(path, {.compile = false});
    (void)model.get_weights();
  } catch (const kiln::Error &) {
  }
  return 0;
}
