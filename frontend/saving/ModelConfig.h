// A model's Keras JSON config, both ways (frontend-internal): any schema
// Keras 1, 2 or 3 wrote is read into Kiln's layer graph; Kiln writes the
// Keras 3 schema (`.keras`, to_json) or the Keras 2 one (legacy `.h5`).
#ifndef KILN_FRONTEND_SAVING_MODELCONFIG_H
#define KILN_FRONTEND_SAVING_MODELCONFIG_H

#include "frontend/ModelImpl.h"
#include "frontend/saving/Json.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln::saving {

/// Where one layer's weights live in Keras's files.
struct WeightHome {
  std::shared_ptr<LayerImpl> layer;
  /// The `.keras` path of its `vars` group: {"layers", "sequential",
  /// "layers", "dense"}; keys come from per-class counters, as in Keras 3.
  std::vector<std::string> archivePath;
};

/// A top-level layer of a legacy HDF5 file and the layers whose weights its
/// group holds, in order (several for a nested model).
struct LegacyGroup {
  std::string name;
  std::vector<std::shared_ptr<LayerImpl>> layers;
};

struct ReadOptions {
  std::string file;         // for messages
  std::string kerasVersion; // of the writer, when known
  bool weightsFollow = false;
  /// The most bytes of weights the config may ask for before any is made.
  uint64_t maxWeightBytes = uint64_t(4) << 30;
};

struct LoadedModel {
  std::optional<Model> model;
  std::vector<WeightHome> homes;
  std::vector<LegacyGroup> groups;
  Json compileConfig; // Keras 3's compile_config, or null
};

/// Builds the model a Keras config describes; throws naming the file.
LoadedModel modelFromConfig(const Json &config, const ReadOptions &options);

enum class Schema { keras2, keras3 };

/// The model's config as Keras writes it in `schema` (no compile config).
Json modelConfig(const Model::Impl &m, Schema schema);

/// Where a Kiln-built model's layers keep their weights, in Keras's layer
/// order (Functional: by depth from the inputs, as Keras orders them).
std::vector<WeightHome> weightHomes(const Model::Impl &m);
std::vector<LegacyGroup> legacyGroups(const Model::Impl &m);

/// Keras's model.layers order for a Kiln model.
std::vector<std::shared_ptr<LayerImpl>> kerasLayerOrder(const Model::Impl &m);

/// The shape as JSON with None (null) for unknown dimensions.
Json shapeJson(const Shape &shape);
/// Keras's batch shape: the batch (None unless fixed), then `sample`.
Json batchShape(const Shape &sample, int64_t batch);

} // namespace kiln::saving

#endif // KILN_FRONTEND_SAVING_MODELCONFIG_H
