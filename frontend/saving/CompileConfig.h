// compile() options as Keras saves them (frontend-internal): Keras 3's
// `compile_config` and Keras 2's `training_config`, both ways.
#ifndef KILN_FRONTEND_SAVING_COMPILECONFIG_H
#define KILN_FRONTEND_SAVING_COMPILECONFIG_H

#include "frontend/Model.h"
#include "frontend/saving/Json.h"
#include "frontend/saving/ModelConfig.h"

#include <optional>
#include <vector>

namespace kiln::saving {

/// Keras 3's compile_config or Keras 2's training_config for `options`,
/// with the optimizer's current learning rate when given (Keras saves the
/// value its learning-rate variable holds, which callbacks may have changed).
Json compileConfig(const CompileOptions &options, Schema schema,
                   std::optional<double> learningRate = std::nullopt);

/// The options a compile_config or training_config (any Keras version)
/// describes. Throws kiln::Error saying what Kiln cannot honour (a
/// from_logits loss, a learning-rate schedule, gradient clipping, ...).
/// Metrics and losses Kiln lacks are looked up in `custom` and
/// `customLosses` by name.
CompileOptions compileOptionsFrom(const Json &config,
                                  const std::vector<Metric> &custom,
                                  const std::vector<LossFunction> &customLosses = {});

} // namespace kiln::saving

#endif // KILN_FRONTEND_SAVING_COMPILECONFIG_H
