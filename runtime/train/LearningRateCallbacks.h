// Callbacks that change the learning rate during fit(): Keras's
// LearningRateScheduler and ReduceLROnPlateau. The compiled train step reads
// the learning rate from its argument at every call, so neither recompiles.
#ifndef KILN_RUNTIME_TRAIN_LEARNINGRATECALLBACKS_H
#define KILN_RUNTIME_TRAIN_LEARNINGRATECALLBACKS_H

#include "runtime/train/Callbacks.h"

#include <functional>
#include <string>

namespace kiln::train {

// schedule(epoch, current learning rate) -> the epoch's learning rate.
using LearningRateSchedule = std::function<double(int, double)>;

// keras.callbacks.LearningRateScheduler: sets the learning rate at the start
// of every epoch from `schedule` and records it as logs["learning_rate"] at
// the end (so History has it). verbose > 0 prints "Epoch 3:
// LearningRateScheduler setting learning rate to 0.05." A schedule that
// returns a negative or non-finite rate stops fit with an error naming it.
class LearningRateScheduler : public Callback {
public:
  explicit LearningRateScheduler(LearningRateSchedule schedule, int verbose = 0);

  void on_epoch_begin(int epoch, Logs &logs) override;
  void on_epoch_end(int epoch, Logs &logs) override;

private:
  LearningRateSchedule schedule_;
  int verbose_;
};

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;
  int patience = 10;
  int verbose = 0;
  // "auto", "min" or "max"; auto infers the direction from the monitor's
  // name as EarlyStopping does.
  std::string mode = "auto";
  double min_delta = 1e-4;
  int cooldown = 0;
  double min_lr = 0.0;
};

// keras.callbacks.ReduceLROnPlateau: multiplies the learning rate by
// `factor` (never below min_lr) after `patience` epochs without an
// improvement of at least min_delta in `monitor`, then waits `cooldown`
// epochs before counting again. Records logs["learning_rate"] every epoch.
// A missing monitor key warns, listing the keys, as Keras does.
class ReduceLROnPlateau : public Callback {
public:
  explicit ReduceLROnPlateau(ReduceLROnPlateauOptions options = {});

  void on_train_begin(Logs &logs) override;
  void on_epoch_end(int epoch, Logs &logs) override;

  // Keras's attributes, readable after fit().
  double best() const { return best_; }
  int wait() const { return wait_; }
  int cooldown_counter() const { return cooldownCounter_; }

private:
  bool improves(double current) const;

  ReduceLROnPlateauOptions options_;
  bool maximize_ = false;
  double best_ = 0;
  int wait_ = 0;
  int cooldownCounter_ = 0;
};

} // namespace kiln::train

#endif // KILN_RUNTIME_TRAIN_LEARNINGRATECALLBACKS_H
