// Keras-style training callbacks.
#include "runtime/train/Callbacks.h"

#include "runtime/train/Format.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>

namespace kiln::train {

TrainContext &Callback::model() const {
  if (!model_)
    throwError("this callback is not attached to a model: model() is only "
               "available while fit() runs");
  return *model_;
}

//===----------------------------------------------------------------------===//
// History
//===----------------------------------------------------------------------===//

void History::on_train_begin(Logs &) {
  epoch.clear();
  params = model().params();
}

void History::on_epoch_end(int epochIndex, Logs &logs) {
  epoch.push_back(epochIndex);
  for (const auto &[key, value] : logs) {
    if (std::vector<double> *values = history.find(key))
      values->push_back(value);
    else
      history.set(key, {value});
  }
}

void History::to_csv(const std::string &path,
                     const std::string &separator) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throwError("History::to_csv: cannot open '", path, "' for writing");
  out << "epoch";
  for (const auto &item : history)
    out << separator << item.first;
  out << '\n';
  for (size_t row = 0; row < epoch.size(); ++row) {
    out << epoch[row];
    for (const auto &item : history) {
      out << separator;
      if (row < item.second.size())
        out << pythonRepr(item.second[row]);
    }
    out << '\n';
  }
  out.flush();
  if (!out)
    throwError("History::to_csv: writing '", path, "' failed");
}

//===----------------------------------------------------------------------===//
// EarlyStopping
//===----------------------------------------------------------------------===//

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "precision_1" -> "precision": Keras numbers the second instance of a metric.
std::string stripInstanceSuffix(const std::string &name) {
  size_t underscore = name.rfind('_');
  if (underscore == std::string::npos || underscore + 1 == name.size())
    return name;
  for (size_t i = underscore + 1; i < name.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(name[i])))
      return name;
  return name.substr(0, underscore);
}

} // namespace

std::optional<bool> metricMaximizes(const std::string &fullName) {
  std::string name = fullName.rfind("val_", 0) == 0 ? fullName.substr(4)
                                                     : fullName;
  if (name == "loss" || endsWith(name, "_loss"))
    return false;
  name = stripInstanceSuffix(name);
  // Keras 3 metrics whose _direction is "up".
  static const std::array<const char *, 22> up = {
      "acc",           "accuracy",
      "auc",           "precision",
      "recall",        "f1_score",
      "fbeta_score",   "r2_score",
      "iou",           "mean_iou",
      "binary_iou",    "one_hot_iou",
      "one_hot_mean_iou", "cosine_similarity",
      "true_positives", "true_negatives",
      "precision_at_recall", "recall_at_precision",
      "sensitivity_at_specificity", "specificity_at_sensitivity",
      "pearson_correlation", "concordance_correlation"};
  // ... and "down" (errors, probabilistic losses used as metrics).
  static const std::array<const char *, 23> down = {
      "mse", "mae", "mape", "msle", "mean_squared_error",
      "mean_absolute_error", "mean_absolute_percentage_error",
      "mean_squared_logarithmic_error", "root_mean_squared_error",
      "log_cosh_error", "logcosh", "kl_divergence", "kld",
      "kullback_leibler_divergence", "poisson", "hinge", "squared_hinge",
      "categorical_hinge", "false_positives", "false_negatives", "huber",
      "log_cosh", "rmse"};
  for (const char *n : up)
    if (name == n)
      return true;
  if (endsWith(name, "_accuracy") || endsWith(name, "_acc"))
    return true;
  for (const char *n : down)
    if (name == n)
      return false;
  if (name.find("crossentropy") != std::string::npos)
    return false;
  return std::nullopt;
}

bool monitorMaximizes(const char *callback, const std::string &monitor,
                      const std::string &mode, const char *howToChoose) {
  if (mode == "min" || mode == "max")
    return mode == "max";
  std::optional<bool> direction = metricMaximizes(monitor);
  if (!direction)
    throwError(callback, " callback received monitor=", monitor,
               " but Kiln isn't able to automatically determine whether "
               "that metric should be maximized or minimized. ",
               howToChoose);
  return *direction;
}

EarlyStopping::EarlyStopping(EarlyStoppingOptions options)
    : options_(std::move(options)) {
  // An unknown mode falls back to auto (Keras warns; see on_train_begin).
  maximize_ = monitorMaximizes(
      "EarlyStopping", options_.monitor, options_.mode,
      "Pass mode=\"max\" in order to do early stopping based on the highest "
      "metric value, or mode=\"min\" in order to use the lowest value.");
  minDelta_ = std::fabs(options_.min_delta);
  if (!maximize_)
    minDelta_ = -minDelta_;
}

bool EarlyStopping::isImprovement(double value, double reference) const {
  return maximize_ ? value - minDelta_ > reference
                   : value - minDelta_ < reference;
}

void EarlyStopping::on_train_begin(Logs &) {
  const std::string &mode = options_.mode;
  if (mode != "auto" && mode != "min" && mode != "max")
    model().err() << "Warning: EarlyStopping mode " << mode
                  << " is unknown, fallback to auto mode.\n";
  wait_ = 0;
  stoppedEpoch_ = 0;
  bestEpoch_ = 0;
  best_.reset();
  bestWeights_.reset();
  warnedMissing_ = false;
}

void EarlyStopping::on_epoch_end(int epoch, Logs &logs) {
  const double *current = logs.find(options_.monitor);
  if (!current) {
    if (!warnedMissing_)
      model().err() << "Warning: Early stopping conditioned on metric `"
                    << options_.monitor
                    << "` which is not available. Available metrics are: "
                    << logs.joinedKeys(",") << "\n";
    warnedMissing_ = true;
    return;
  }
  if (epoch < options_.start_from_epoch)
    return;
  if (options_.restore_best_weights && !bestWeights_) {
    // Until something improves, the current weights are the best.
    bestWeights_ = model().get_weights();
    bestEpoch_ = epoch;
  }
  ++wait_;
  double reference = best_ ? *best_
                           : (maximize_ ? -std::numeric_limits<double>::infinity()
                                        : std::numeric_limits<double>::infinity());
  if (isImprovement(*current, reference)) {
    best_ = *current;
    bestEpoch_ = epoch;
    if (options_.restore_best_weights)
      bestWeights_ = model().get_weights();
    // Only restart the wait when both the baseline and the best are beaten.
    if (!options_.baseline || isImprovement(*current, *options_.baseline))
      wait_ = 0;
    return;
  }
  if (wait_ >= options_.patience && epoch > 0) {
    stoppedEpoch_ = epoch;
    model().stop_training = true;
  }
}

void EarlyStopping::on_train_end(Logs &) {
  if (stoppedEpoch_ > 0 && options_.verbose > 0)
    model().out() << "Epoch " << stoppedEpoch_ + 1 << ": early stopping\n";
  if (options_.restore_best_weights && bestWeights_) {
    if (options_.verbose > 0)
      model().out() << "Restoring model weights from the end of the best "
                       "epoch: "
                    << bestEpoch_ + 1 << ".\n";
    model().set_weights(*bestWeights_);
  }
}

//===----------------------------------------------------------------------===//
// CSVLogger
//===----------------------------------------------------------------------===//

namespace {

// Python csv's QUOTE_MINIMAL: quote fields holding the separator, a quote or
// a line break, doubling embedded quotes.
std::string csvField(const std::string &field, const std::string &separator) {
  bool quote = field.find_first_of("\"\r\n") != std::string::npos ||
               (!separator.empty() && field.find(separator) != std::string::npos);
  if (!quote)
    return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"')
      out += '"';
    out += c;
  }
  return out + "\"";
}

} // namespace

CSVLogger::CSVLogger(std::string filename, CSVLoggerOptions options)
    : filename_(std::move(filename)), options_(std::move(options)) {}

void CSVLogger::on_train_begin(Logs &) {
  if (file_.is_open())
    file_.close();
  writeHeader_ = true;
  std::ios::openmode mode = std::ios::binary | std::ios::out;
  if (options_.append) {
    std::ifstream existing(filename_, std::ios::binary);
    if (existing) {
      std::string firstLine;
      std::getline(existing, firstLine);
      writeHeader_ = firstLine.empty();
    }
    mode |= std::ios::app;
  } else {
    mode |= std::ios::trunc;
  }
  file_.open(filename_, mode);
  if (!file_)
    throwError("CSVLogger: cannot open '", filename_, "' for writing");
  keys_.reset();
}

void CSVLogger::on_epoch_end(int epoch, Logs &logs) {
  if (!file_.is_open())
    return;
  const std::string &sep = options_.separator;
  if (!keys_) {
    keys_ = logs.keys();
    std::sort(keys_->begin(), keys_->end());
    if (writeHeader_) {
      file_ << "epoch";
      for (const std::string &key : *keys_)
        file_ << sep << csvField(key, sep);
      file_ << "\r\n";
    }
  }
  file_ << epoch;
  for (const std::string &key : *keys_) {
    const double *value = logs.find(key);
    file_ << sep << (value ? pythonRepr(*value) : "NA");
  }
  file_ << "\r\n";
  file_.flush();
  if (!file_)
    throwError("CSVLogger: writing '", filename_, "' failed");
}

void CSVLogger::on_train_end(Logs &) {
  if (file_.is_open())
    file_.close();
}

//===----------------------------------------------------------------------===//
// LambdaCallback, TerminateOnNaN
//===----------------------------------------------------------------------===//

void LambdaCallback::on_train_begin(Logs &logs) {
  if (hooks_.on_train_begin)
    hooks_.on_train_begin(logs);
}
void LambdaCallback::on_train_end(Logs &logs) {
  if (hooks_.on_train_end)
    hooks_.on_train_end(logs);
}
void LambdaCallback::on_epoch_begin(int epoch, Logs &logs) {
  if (hooks_.on_epoch_begin)
    hooks_.on_epoch_begin(epoch, logs);
}
void LambdaCallback::on_epoch_end(int epoch, Logs &logs) {
  if (hooks_.on_epoch_end)
    hooks_.on_epoch_end(epoch, logs);
}
void LambdaCallback::on_train_batch_begin(int64_t batch, Logs &logs) {
  if (hooks_.on_train_batch_begin)
    hooks_.on_train_batch_begin(batch, logs);
}
void LambdaCallback::on_train_batch_end(int64_t batch, Logs &logs) {
  if (hooks_.on_train_batch_end)
    hooks_.on_train_batch_end(batch, logs);
}

void TerminateOnNaN::on_train_batch_end(int64_t batch, Logs &logs) {
  const double *loss = logs.find("loss");
  if (loss && !std::isfinite(*loss)) {
    model().out() << "Batch " << batch << ": Invalid loss, terminating training\n";
    model().stop_training = true;
  }
}

//===----------------------------------------------------------------------===//
// ProgbarLogger
//===----------------------------------------------------------------------===//

void ProgbarLogger::on_epoch_begin(int epoch, Logs &) {
  const Params &p = params();
  progbar_.emplace(p.steps, p.verbose, model().console());
  if (p.verbose && p.epochs > 1) {
    model().out() << "Epoch " << epoch + 1 << "/" << p.epochs << "\n";
    model().out().flush();
  }
}

void ProgbarLogger::on_train_batch_end(int64_t batch, Logs &logs) {
  if (progbar_ && params().verbose == 1)
    progbar_->update(batch + 1, logs, /*finalize=*/false);
}

void ProgbarLogger::on_epoch_end(int, Logs &logs) {
  if (progbar_)
    progbar_->update(progbar_->target(), logs, /*finalize=*/true);
}

} // namespace kiln::train
