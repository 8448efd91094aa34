// Keras-style training callbacks: Callback, History, EarlyStopping,
// CSVLogger, LambdaCallback, TerminateOnNaN, ProgbarLogger.
#ifndef KILN_RUNTIME_TRAIN_CALLBACKS_H
#define KILN_RUNTIME_TRAIN_CALLBACKS_H

#include "runtime/Tensor.h"
#include "runtime/train/Logs.h"
#include "runtime/train/ModelState.h"
#include "runtime/train/Progbar.h"

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiln::train {

// Keras's `history.params` / `callback.params`.
struct Params {
  int verbose = 1;
  int epochs = 1;
  // Training steps (batches) per epoch.
  int64_t steps = 0;
};

// What a callback sees as `self.model` during fit(): the stop flag and the
// weights of the model being trained.
class TrainContext {
public:
  TrainContext(ModelState &state, Params params, Console console)
      : state_(state), params_(params), console_(std::move(console)) {}

  // Set to true to end training after the current batch (Keras checks it
  // after every batch and every epoch).
  bool stop_training = false;

  std::vector<Tensor> get_weights() const { return state_.get_weights(); }
  void set_weights(const std::vector<Tensor> &w) { state_.set_weights(w); }
  ModelState &state() { return state_; }
  const Params &params() const { return params_; }
  // Streams for messages (stdout in Keras) and warnings (stderr).
  std::ostream &out() const { return console_.output(); }
  std::ostream &err() const { return console_.errors(); }
  const Console &console() const { return console_; }

private:
  ModelState &state_;
  Params params_;
  Console console_;
};

// Base class of every callback. fit() calls, in Keras's order:
//   on_train_begin, then per epoch on_epoch_begin, per batch
//   on_train_batch_begin / on_train_batch_end, on_epoch_end, and finally
//   on_train_end.
// Batch logs hold the running (sample-weighted) means of the epoch so far;
// epoch logs the epoch means followed by "val_<name>" entries. Logs are
// passed by mutable reference, as Keras passes its dict: entries a callback
// adds in on_epoch_end reach the callbacks after it and the History.
class Callback {
public:
  virtual ~Callback() = default;

  virtual void on_train_begin(Logs & /*logs*/) {}
  virtual void on_train_end(Logs & /*logs*/) {}
  virtual void on_epoch_begin(int /*epoch*/, Logs & /*logs*/) {}
  virtual void on_epoch_end(int /*epoch*/, Logs & /*logs*/) {}
  virtual void on_train_batch_begin(int64_t /*batch*/, Logs & /*logs*/) {}
  virtual void on_train_batch_end(int64_t /*batch*/, Logs & /*logs*/) {}
  // Data parallel: whether only the first replica (rank 0) runs it, as
  // callbacks that write files do; the others run every other callback on
  // the same epoch figures, so they stop at the same epoch.
  virtual bool firstReplicaOnly() const { return false; }

  // Attached by fit() before on_train_begin, detached after on_train_end.
  void set_model(TrainContext *context) { model_ = context; }
  // The model being trained; throws outside fit().
  TrainContext &model() const;
  const Params &params() const { return model().params(); }

private:
  TrainContext *model_ = nullptr;
};

// Keras's History, returned by fit(): one value per epoch for every key
// ("loss", metrics, "val_loss", ...), in the order Keras reports them.
class History : public Callback {
public:
  // history.history["loss"]; reading a missing key throws and lists the keys.
  OrderedMap<std::vector<double>> history;
  // The epoch indices that ran (0-based, starting at initial_epoch).
  std::vector<int> epoch;
  Params params;

  // Keys in Keras's order.
  std::vector<std::string> keys() const { return history.keys(); }
  // Writes "epoch,<keys...>" and one row per epoch ('\n' line ends, values
  // as Python's repr); throws a kiln::Error naming the path on failure.
  void to_csv(const std::string &path, const std::string &separator = ",") const;

  void on_train_begin(Logs &logs) override;
  void on_epoch_end(int epoch, Logs &logs) override;
};

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0.0;
  int patience = 0;
  int verbose = 0;
  // "auto", "min" or "max". Auto follows Keras 3's metric directions by name:
  // "loss", errors and cross-entropies are minimized; accuracy ("acc",
  // "accuracy", "*_accuracy"), "auc", "precision", "recall", F-scores, IoU,
  // R2 and cosine similarity are maximized; any other name throws, as Keras 3
  // does, asking for mode "min" or "max".
  std::string mode = "auto";
  std::optional<double> baseline = std::nullopt;
  bool restore_best_weights = false;
  int start_from_epoch = 0;
};

// keras.callbacks.EarlyStopping as Keras 3 implements it. When
// restore_best_weights is set, the weights of the best epoch are restored in
// on_train_end whether or not training stopped early (Kiln's documented
// behaviour, and Keras 3's). A missing monitor key warns, listing the keys
// available, and is otherwise ignored.
class EarlyStopping : public Callback {
public:
  explicit EarlyStopping(EarlyStoppingOptions options = {});

  void on_train_begin(Logs &logs) override;
  void on_epoch_end(int epoch, Logs &logs) override;
  void on_train_end(Logs &logs) override;

  // Keras's attributes, readable after fit().
  int stopped_epoch() const { return stoppedEpoch_; }
  int best_epoch() const { return bestEpoch_; }
  std::optional<double> best() const { return best_; }
  int wait() const { return wait_; }
  // True when the monitored value is maximized.
  bool maximizes() const { return maximize_; }

private:
  bool isImprovement(double value, double reference) const;

  EarlyStoppingOptions options_;
  bool maximize_ = false;
  double minDelta_ = 0;
  int wait_ = 0;
  int stoppedEpoch_ = 0;
  int bestEpoch_ = 0;
  std::optional<double> best_;
  std::optional<std::vector<Tensor>> bestWeights_;
  bool warnedMissing_ = false;
};

struct CSVLoggerOptions {
  std::string separator = ",";
  bool append = false;
};

// keras.callbacks.CSVLogger: "epoch" then the epoch log keys in sorted
// order (as Keras sorts them), one row per epoch, values as Python's repr,
// "\r\n" line ends (Python's csv module default), flushed every epoch.
// With append, rows are added to an existing file and the header is written
// only if the file is empty.
class CSVLogger : public Callback {
public:
  explicit CSVLogger(std::string filename, CSVLoggerOptions options = {});
  bool firstReplicaOnly() const override { return true; }

  void on_train_begin(Logs &logs) override;
  void on_epoch_end(int epoch, Logs &logs) override;
  void on_train_end(Logs &logs) override;

private:
  std::string filename_;
  CSVLoggerOptions options_;
  std::ofstream file_;
  std::optional<std::vector<std::string>> keys_;
  bool writeHeader_ = true;
};

// The hooks of a LambdaCallback; unset ones are skipped.
struct LambdaCallbackOptions {
  std::function<void(int, Logs &)> on_epoch_begin;
  std::function<void(int, Logs &)> on_epoch_end;
  std::function<void(int64_t, Logs &)> on_train_batch_begin;
  std::function<void(int64_t, Logs &)> on_train_batch_end;
  std::function<void(Logs &)> on_train_begin;
  std::function<void(Logs &)> on_train_end;
};

// keras.callbacks.LambdaCallback:
//   LambdaCallback({.on_epoch_end = [](int epoch, const Logs &logs) {...}})
class LambdaCallback : public Callback {
public:
  explicit LambdaCallback(LambdaCallbackOptions hooks) : hooks_(std::move(hooks)) {}

  void on_train_begin(Logs &logs) override;
  void on_train_end(Logs &logs) override;
  void on_epoch_begin(int epoch, Logs &logs) override;
  void on_epoch_end(int epoch, Logs &logs) override;
  void on_train_batch_begin(int64_t batch, Logs &logs) override;
  void on_train_batch_end(int64_t batch, Logs &logs) override;

private:
  LambdaCallbackOptions hooks_;
};

// keras.callbacks.TerminateOnNaN: stops training when a batch's loss is NaN
// or infinite ("Batch 3: Invalid loss, terminating training").
class TerminateOnNaN : public Callback {
public:
  void on_train_batch_end(int64_t batch, Logs &logs) override;
};

// Keras's ProgbarLogger: "Epoch 3/30" (when epochs > 1) and one Progbar per
// epoch. fit() puts one first in the callback list when verbose != 0.
class ProgbarLogger : public Callback {
public:
  void on_epoch_begin(int epoch, Logs &logs) override;
  void on_train_batch_end(int64_t batch, Logs &logs) override;
  void on_epoch_end(int epoch, Logs &logs) override;

private:
  std::optional<Progbar> progbar_;
};

// The direction EarlyStopping's auto mode infers for a metric name (with or
// without "val_"): true to maximize, false to minimize, nullopt if unknown.
std::optional<bool> metricMaximizes(const std::string &name);

// Whether a callback that watches `monitor` maximizes it: mode "max" or
// "min", else (auto, or an unknown mode, which the callback warns about)
// the direction metricMaximizes infers. When it cannot, throws Keras's
// error naming `callback` and the monitor, ending with `howToChoose`.
bool monitorMaximizes(const char *callback, const std::string &monitor,
                      const std::string &mode, const char *howToChoose);

} // namespace kiln::train

#endif // KILN_RUNTIME_TRAIN_CALLBACKS_H
