// One layer's Keras config while Kiln reads or writes it (frontend-internal).
//
// Each layer file implements LayerImpl::getConfig (the fields of Keras's
// get_config() after name, trainable and dtype) and a `<layer>FromConfig`
// factory registered in LayerRegistry.cpp, so a new layer brings its own
// (de)serialization. Readers accept the spellings of Keras 1, 2 and 3 and
// throw kiln::Error naming the file, the layer and the field.
#ifndef KILN_FRONTEND_SAVING_LAYERCONFIG_H
#define KILN_FRONTEND_SAVING_LAYERCONFIG_H

#include "frontend/Layer.h"
#include "frontend/saving/Json.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln::saving {

class LayerConfig {
public:
  /// `where` prefixes messages: "m.h5: layer 'dense' (Dense): ".
  LayerConfig(Json &config, std::string where, std::string kerasVersion = "",
              bool weightsFollow = false)
      : json(config), where(std::move(where)),
        kerasVersion(std::move(kerasVersion)), weightsFollow(weightsFollow) {}

  Json &json;
  std::string where;
  /// The Keras version that wrote the file ("" when unknown).
  std::string kerasVersion;
  /// Whether weights from the same file replace the initial values, so an
  /// initializer Kiln lacks does not matter.
  bool weightsFollow;

  bool has(const char *key) const;
  std::string name() const;
  int64_t integer(const char *key) const;
  int64_t integer(const char *key, int64_t fallback) const;
  double number(const char *key, double fallback) const;
  bool boolean(const char *key, bool fallback) const;
  std::string string(const char *key, const std::string &fallback) const;
  /// A list of `n` positive integers, or one integer repeated (Keras takes
  /// `kernel_size=3` for (3, 3)).
  std::vector<int64_t> ints(const char *key, size_t n,
                            std::vector<int64_t> fallback) const;
  /// An activation by name (string, or Keras 3's serialized function).
  std::string activation(const char *key, const std::string &fallback) const;
  Initializer initializer(const char *key, const Initializer &fallback) const;
  /// Throws unless `key` is absent, null, or equal to `expected`.
  void expect(const char *key, const Json &expected) const;
  /// Throws unless `key` is absent or null: a regularizer or constraint
  /// Kiln would silently leave out of training.
  void expectNull(const char *key) const;
  /// Warns on stderr when `key` is set: a training-only setting (a
  /// regularizer or constraint) that Kiln leaves out; inference is exact.
  void warnIfSet(const char *key) const;

  void set(const char *key, Json value) { json[key] = std::move(value); }
  void setInitializer(const char *key, const Initializer &init);

  [[noreturn]] void fail(const std::string &message) const;
};

/// Keras's to_snake_case: "MaxPooling2D" -> "max_pooling2d", "ReLU" -> "re_lu".
std::string snakeCase(const std::string &className);

/// The layer for `className` from its config; throws "unsupported layer
/// <Class> in <file>" for classes Kiln lacks.
Layer layerFromConfig(const std::string &className, LayerConfig &config,
                      const std::string &file);

/// The class names layerFromConfig knows.
std::vector<std::string> supportedLayers();

/// A wrapped layer as Keras 3 serializes it inside a wrapper's config
/// (module, class_name, config, registered_name).
Json nestedLayerEntry(const LayerImpl &layer);
/// The layer of the wrapper config's entry `key` (Keras 2's {class_name,
/// config} or Keras 3's), with `name` and `go_backwards` replaced when given
/// (Bidirectional's copies).
Layer nestedLayer(LayerConfig &config, const char *key,
                  const std::string &name = "",
                  std::optional<bool> goBackwards = std::nullopt);

} // namespace kiln::saving

namespace kiln::layers {
// The factories behind layerFromConfig, each next to its layer.
Layer denseFromConfig(saving::LayerConfig &c);
Layer simpleRnnFromConfig(saving::LayerConfig &c);
Layer embeddingFromConfig(saving::LayerConfig &c);
Layer averagePooling2dFromConfig(saving::LayerConfig &c);
Layer lstmFromConfig(saving::LayerConfig &c);
Layer gruFromConfig(saving::LayerConfig &c);
Layer flattenFromConfig(saving::LayerConfig &c);
Layer activationFromConfig(saving::LayerConfig &c);
Layer softmaxFromConfig(saving::LayerConfig &c);
Layer reluFromConfig(saving::LayerConfig &c);
Layer leakyReluFromConfig(saving::LayerConfig &c);
Layer conv2dFromConfig(saving::LayerConfig &c);
Layer maxPooling2dFromConfig(saving::LayerConfig &c);
Layer addFromConfig(saving::LayerConfig &c);
Layer concatenateFromConfig(saving::LayerConfig &c);
Layer globalAveragePooling2dFromConfig(saving::LayerConfig &c);
Layer globalMaxPooling2dFromConfig(saving::LayerConfig &c);
Layer reshapeFromConfig(saving::LayerConfig &c);
Layer dropoutFromConfig(saving::LayerConfig &c);
Layer batchNormalizationFromConfig(saving::LayerConfig &c);
Layer timeDistributedFromConfig(saving::LayerConfig &c);
Layer bidirectionalFromConfig(saving::LayerConfig &c);
} // namespace kiln::layers

#endif // KILN_FRONTEND_SAVING_LAYERCONFIG_H
