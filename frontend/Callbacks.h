// Keras callbacks for fit(), made like Keras's constructors:
//   .callbacks = {callbacks::EarlyStopping({.monitor = "val_loss", .patience = 3,
//                                           .restore_best_weights = true})}
#ifndef KILN_FRONTEND_CALLBACKS_H
#define KILN_FRONTEND_CALLBACKS_H

#include "runtime/train/Callbacks.h"
#include "runtime/train/LearningRateCallbacks.h"

#include <memory>
#include <optional>
#include <string>

namespace kiln {
class Model;
} // namespace kiln

namespace kiln::train {

struct ModelCheckpointOptions {
  /// The logs entry save_best_only compares ("val_loss", "accuracy", ...).
  std::string monitor = "val_loss";
  /// 1: a line per save (or per epoch that did not improve).
  int verbose = 0;
  /// Saves only when `monitor` improves on the best so far.
  bool save_best_only = false;
  /// save_weights (a .weights.h5 or .h5 file) instead of save.
  bool save_weights_only = false;
  /// "min", "max", or "auto" (the direction the metric's name implies).
  std::string mode = "auto";
  /// Keras's save_freq: 0 is "epoch" (at each epoch's end); N saves after
  /// every N training batches.
  int64_t save_freq = 0;
  /// The value the first save must beat (save_best_only).
  std::optional<double> initial_value_threshold = std::nullopt;
};

/// Keras's ModelCheckpoint: saves the model (or its weights) during fit,
/// to `filepath` formatted as Python's str.format with the epoch (from 1),
/// the batch (from 1, with an integer save_freq) and the logs:
/// "ckpt-{epoch:02d}-{val_loss:.2f}.keras". Saves are atomic (model.save's
/// own), so a crash mid-save leaves the previous checkpoint whole.
class ModelCheckpoint : public Callback {
public:
  ModelCheckpoint(std::string filepath, ModelCheckpointOptions options = {});
  bool firstReplicaOnly() const override { return true; }

  /// fit() attaches the model it trains.
  void set_keras_model(Model *model) { model_ = model; }
  /// The best monitored value saved so far (save_best_only).
  std::optional<double> best() const { return best_; }
  /// `filepath` with the placeholders filled; throws naming the pattern
  /// and the missing key.
  std::string format_filepath(int epoch, const Logs &logs,
                              std::optional<int64_t> batch = std::nullopt) const;

  void on_train_begin(Logs &logs) override;
  void on_epoch_begin(int epoch, Logs &logs) override;
  void on_epoch_end(int epoch, Logs &logs) override;
  void on_train_batch_end(int64_t batch, Logs &logs) override;

private:
  void save(int epoch, const Logs &logs, std::optional<int64_t> batch);

  std::string filepath_;
  ModelCheckpointOptions options_;
  bool maximize_ = false;
  std::optional<double> best_;
  Model *model_ = nullptr;
  int epoch_ = 0;
  int64_t batchesSinceSave_ = 0;
};

} // namespace kiln::train

namespace kiln::callbacks {

using train::ModelCheckpointOptions;

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

inline std::shared_ptr<train::Callback>
ModelCheckpoint(std::string filepath, ModelCheckpointOptions options = {}) {
  return std::make_shared<train::ModelCheckpoint>(std::move(filepath),
                                                 std::move(options));
}

} // namespace kiln::callbacks

#endif // KILN_FRONTEND_CALLBACKS_H
