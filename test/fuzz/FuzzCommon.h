// Shared by the fuzz targets: small limits, so that a config asking for a
// huge model is refused quickly instead of tripping libFuzzer's memory cap,
// and the input written to a file, since Kiln's loaders take paths.
#ifndef KILN_TEST_FUZZ_FUZZCOMMON_H
#define KILN_TEST_FUZZ_FUZZCOMMON_H

#include "frontend/Keras.h"
#include "frontend/saving/Limits.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace kiln::fuzz {

inline void lowerLimits() {
  saving::Limits &l = saving::limits();
  l.maxUnbackedWeightBytes = 16u << 20;
  l.maxConfigBytes = 1u << 20;
  l.hdf5CheckSeconds = 5;
}

/// The input as a file in /tmp, one per process.
inline std::string asFile(const uint8_t *data, size_t size, const char *suffix) {
  static const std::string path =
      "/tmp/kiln-fuzz-" + std::to_string(::getpid()) + suffix;
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    __builtin_trap();
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

} // namespace kiln::fuzz

#endif // KILN_TEST_FUZZ_FUZZCOMMON_H
