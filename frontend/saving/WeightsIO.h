// Model and optimizer weights in Keras's HDF5 layouts (frontend-internal):
//   legacy  <group>/<layer>/<weight_names[i]>, listed by `layer_names` and
//           `weight_names` attributes (Keras 1 and 2, Keras 3's `.h5`);
//           optimizer_weights/<weight_names[i]>
//   archive layers/<key>/vars/<i> and optimizer/vars/<i> (`.keras` and
//           `.weights.h5`, Keras 3; tf.keras 2.13-2.15's variants)
// Reads check every shape against the model before anything is replaced.
#ifndef KILN_FRONTEND_SAVING_WEIGHTSIO_H
#define KILN_FRONTEND_SAVING_WEIGHTSIO_H

#include "frontend/saving/H5.h"
#include "frontend/saving/ModelConfig.h"

namespace kiln::saving {

/// Writes the layer groups and `layer_names` as Keras 2's
/// save_weights_to_hdf5_group does.
void writeLegacyWeights(H5Group group, const std::vector<LegacyGroup> &layers);
/// Loads weights by position, as Keras 2 does: the n-th layer with
/// weights in the file goes to the n-th layer with weights in the model.
void readLegacyWeights(const H5Group &group, const std::vector<LegacyGroup> &layers);

void writeArchiveWeights(H5Group root, const std::vector<WeightHome> &homes);
void readArchiveWeights(const H5Group &root, const std::vector<WeightHome> &homes);

/// The optimizer state of a compiled model: `optimizer_weights` with
/// tf.keras 2.11+'s names, or Keras 3's `optimizer/vars`.
void writeLegacyOptimizer(H5Group root, const Model::Impl &m);
void writeArchiveOptimizer(H5Group root, const Model::Impl &m);
/// Restores the state of a compiled model; throws saying why it cannot
/// (the caller warns: the model still loads, with fresh optimizer state).
void readLegacyOptimizer(const H5Group &root, Model::Impl &m);
void readArchiveOptimizer(const H5Group &root, Model::Impl &m);

} // namespace kiln::saving

#endif // KILN_FRONTEND_SAVING_WEIGHTSIO_H
