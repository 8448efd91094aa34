// Keras 3's LearningRateScheduler and ReduceLROnPlateau.
#include "runtime/train/LearningRateCallbacks.h"

#include "runtime/Error.h"
#include "runtime/train/Format.h"

#include <cmath>
#include <limits>

namespace kiln::train {

LearningRateScheduler::LearningRateScheduler(LearningRateSchedule schedule,
                                             int verbose)
    : schedule_(std::move(schedule)), verbose_(verbose) {
  if (!schedule_)
    throwError("LearningRateScheduler: the schedule is empty");
}

void LearningRateScheduler::on_epoch_begin(int epoch, Logs &) {
  ModelState &state = model().state();
  double rate = schedule_(epoch, state.learning_rate());
  if (!(std::isfinite(rate) && rate >= 0))
    throwError("LearningRateScheduler: the schedule returned ",
               pythonRepr(rate), " for epoch ", epoch,
               "; a learning rate must be a finite number >= 0");
  state.set_learning_rate(rate);
  if (verbose_ > 0)
    model().out() << "\nEpoch " << epoch + 1
                  << ": LearningRateScheduler setting learning rate to "
                  << pythonRepr(rate) << ".\n";
}

void LearningRateScheduler::on_epoch_end(int, Logs &logs) {
  logs.set("learning_rate", model().state().learning_rate());
}

ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauOptions options)
    : options_(std::move(options)) {
  if (!(options_.factor < 1.0))
    throwError("ReduceLROnPlateau does not support a factor >= 1.0. Received "
               "factor=",
               pythonRepr(options_.factor));
  if (!(options_.factor >= 0.0))
    throwError("ReduceLROnPlateau: factor must be in [0, 1), got ",
               pythonRepr(options_.factor));
  if (options_.patience < 0 || options_.cooldown < 0)
    throwError("ReduceLROnPlateau: patience and cooldown must not be "
               "negative (patience=",
               options_.patience, ", cooldown=", options_.cooldown, ")");
  // An unknown mode falls back to auto (warned about in on_train_begin).
  maximize_ = monitorMaximizes("ReduceLROnPlateau", options_.monitor,
                               options_.mode,
                               "Pass mode=\"max\" or mode=\"min\".");
}

bool ReduceLROnPlateau::improves(double current) const {
  double delta = std::fabs(options_.min_delta);
  return maximize_ ? current > best_ + delta : current < best_ - delta;
}

void ReduceLROnPlateau::on_train_begin(Logs &) {
  const std::string &mode = options_.mode;
  if (mode != "auto" && mode != "min" && mode != "max")
    model().err() << "Warning: Learning rate reduction mode " << mode
                  << " is unknown, fallback to auto mode.\n";
  best_ = maximize_ ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  wait_ = 0;
  cooldownCounter_ = 0;
}

void ReduceLROnPlateau::on_epoch_end(int epoch, Logs &logs) {
  ModelState &state = model().state();
  logs.set("learning_rate", state.learning_rate());
  const double *current = logs.find(options_.monitor);
  if (!current) {
    model().err() << "Warning: Learning rate reduction is conditioned on "
                     "metric `"
                  << options_.monitor
                  << "` which is not available. Available metrics are: "
                  << logs.joinedKeys(",") << ".\n";
    return;
  }
  if (cooldownCounter_ > 0) {
    --cooldownCounter_;
    wait_ = 0;
  }
  if (improves(*current)) {
    best_ = *current;
    wait_ = 0;
    return;
  }
  if (cooldownCounter_ > 0 || ++wait_ < options_.patience)
    return;
  double old = state.learning_rate();
  // Keras compares against the float32 minimum: the rate is a float32.
  if (!(old > double(float(options_.min_lr))))
    return;
  double rate = std::max(old * options_.factor, options_.min_lr);
  state.set_learning_rate(rate);
  if (options_.verbose > 0)
    model().out() << "\nEpoch " << epoch + 1
                  << ": ReduceLROnPlateau reducing learning rate to "
                  << pythonRepr(rate) << ".\n";
  cooldownCounter_ = options_.cooldown;
  wait_ = 0;
}

} // namespace kiln::train
