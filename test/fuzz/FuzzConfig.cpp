// Fuzzes the JSON config reader: model_from_json on arbitrary bytes must
// return a model or throw kiln::Error; a model it returns must write its
// config back.
#include "FuzzCommon.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kiln::fuzz::lowerLimits();
  try {
    kiln::Model model = kiln::model_from_json(std::string(reinterpret_cast<const char *>(data), size));
    (void)model.to_json();
  } catch (const kiln::Error &) {
  }
  return 0;
}
