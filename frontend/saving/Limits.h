// How much a model file may make Kiln allocate (frontend-internal). Files
// come from strangers: every size is checked against these, or against the
// file's own size, before memory is taken.
#ifndef KILN_FRONTEND_SAVING_LIMITS_H
#define KILN_FRONTEND_SAVING_LIMITS_H

#include <cstdint>

namespace kiln::saving {

struct Limits {
  /// config.json, a JSON config file, a legacy model_config.
  uint64_t maxConfigBytes = 64u << 20;
  /// Weights a config may declare when no file backs them (model_from_json).
  uint64_t maxUnbackedWeightBytes = uint64_t(4) << 30;
  /// Deflate inflates at most ~1032:1; weights cannot outgrow this ratio.
  uint64_t maxInflation = 1100;
  /// How long libhdf5 may take to read a file in the checking child
  /// process (a corrupt file can make it loop forever).
  unsigned hdf5CheckSeconds = 60;
};

/// The process's limits; fuzz targets lower them. (Defined in the format
/// layer, KilnFormats, which H5.cpp is part of.)
Limits &limits();

} // namespace kiln::saving

#endif // KILN_FRONTEND_SAVING_LIMITS_H
