// Keras callbacks for fit(), made like Keras's constructors:
//   .callbacks = {callbacks::EarlyStopping({.monitor = "val_loss", .patience = 3,
//                                           .restore_best_weights = true})}
#ifndef KILN_FRONTEND_CALLBACKS_H
#define KILN_FRONTEND_CALLBACKS_H

#include "runtime/train/Callbacks.h"
#include "runtime/train/LearningRateCallbacks.h"

#include <memory>

namespace kiln::callbacks {

using train::CSVLoggerOptions;
using train::EarlyStoppingOptions;
using train::LambdaCallbackOptions;
using train::ReduceLROnPlateauOptions;

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

/// Sets each epoch's learning rate to schedule(epoch, current rate).
inline std::shared_ptr<train::Callback>
LearningRateScheduler(train::LearningRateSchedule schedule, int verbose = 0) {
  return std::make_shared<train::LearningRateScheduler>(std::move(schedule),
                                                        verbose);
}
inline std::shared_ptr<train::Callback>
ReduceLROnPlateau(ReduceLROnPlateauOptions options = {}) {
  return std::make_shared<train::ReduceLROnPlateau>(std::move(options));
}

} // namespace kiln::callbacks

#endif // KILN_FRONTEND_CALLBACKS_H
