// Keras callbacks for fit(), made like Keras's constructors:
//   .callbacks = {callbacks::EarlyStopping({.monitor = "val_loss", .patience = 3,
//                                           .restore_best_weights = true})}
#ifndef KILN_FRONTEND_CALLBACKS_H
#define KILN_FRONTEND_CALLBACKS_H

#include "runtime/train/Callbacks.h"

#include <memory>

namespace kiln::callbacks {

using train::CSVLoggerOptions;
using train::EarlyStoppingOptions;
using train::LambdaCallbackOptions;

inline std::shared_ptr<train::Callback>
EarlyStopping(EarlyStoppingOptions options = {}) {
  return std::make_shared<train::EarlyStopping>(std::move(options));
}
inline std::shared_ptr<train::Callback>
CSVLogger(std::string filename, CSVLoggerOptions options = {}) {
  return std::make_shared<train::CSVLogger>(std::move(filename), std::move(options));
}
inline std::shared_ptr<train::Callback>
LambdaCallback(LambdaCallbackOptions options) {
  return std::make_shared<train::LambdaCallback>(std::move(options));
}
/// Stops training at the first batch whose loss is NaN or infinite.
inline std::shared_ptr<train::Callback> TerminateOnNaN() {
  return std::make_shared<train::TerminateOnNaN>();
}

} // namespace kiln::callbacks

#endif // KILN_FRONTEND_CALLBACKS_H
