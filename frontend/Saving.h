// Reading and writing Keras model files:
//   Model model = kiln::load_model("model.keras");   // or .h5, or a JSON config
//   model.save("copy.keras");  model.save("copy.h5");
//   model.save_weights("w.weights.h5");  model.load_weights("w.h5");
//   Model m2 = kiln::model_from_json(model.to_json());
// Formats, versions and layers: README.md, "Model files".
#ifndef KILN_FRONTEND_SAVING_H
#define KILN_FRONTEND_SAVING_H

#include "frontend/Model.h"

#include <string>
#include <vector>

namespace kiln {

struct LoadModelOptions {
  /// Compile the model as the file's compile config says, and restore the
  /// optimizer's state, so fit() continues where the writer stopped.
  bool compile = true;
  /// Metrics Kiln lacks, found by name (Keras's custom_objects).
  std::vector<Metric> custom_metrics = {};
  /// Losses Kiln lacks, found by name.
  std::vector<LossFunction> custom_losses = {};
};

/// Keras's load_model: a Keras 3 `.keras` archive (also tf.keras 2.13+'s),
/// a legacy HDF5 model (Keras 1, 2 or 3's `.h5`) or a JSON config (no
/// weights). The format comes from the file's content, not its name.
/// Throws kiln::Error naming the file and the problem; a layer Kiln lacks
/// gives "unsupported layer <Class> in <file>".
Model load_model(const std::string &path, LoadModelOptions options = {});

/// Keras's model_from_json: the architecture, freshly initialized and not
/// compiled. Any Keras version's schema.
Model model_from_json(const std::string &json);

} // namespace kiln

#endif // KILN_FRONTEND_SAVING_H
