// Keras's ModelCheckpoint: model.save (or save_weights) from inside fit, at
// each epoch's end or every N batches, optionally only on improvement; the
// file name filled in as Python's str.format fills Keras's.
#include "frontend/Callbacks.h"
#include "frontend/Model.h"

#include "runtime/Error.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace kiln::train {
namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// One "{name}" or "{name:spec}" filled with `value` as Python's format
/// does for the specs Keras users write: [0][width][.precision][d|f|e|g|%].
std::string formatValue(double value, bool integer, const std::string &spec,
                        const std::string &pattern) {
  size_t i = 0;
  std::string flags;
  if (i < spec.size() && spec[i] == '0')
    flags += spec[i++];
  std::string width, precision;
  while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i])))
    width += spec[i++];
  if (i < spec.size() && spec[i] == '.') {
    ++i;
    while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i])))
      precision += spec[i++];
  }
  char type = i < spec.size() ? spec[i++] : (integer ? 'd' : 'r');
  if (i != spec.size() || std::string("dfeg%r").find(type) == std::string::npos)
    throwError("ModelCheckpoint: cannot format the file path \"", pattern,
               "\": unsupported format spec '", spec, "'");
  char buf[128];
  std::string f = "%" + flags + width;
  if (type == 'd') {
    if (!integer && value != std::floor(value))
      throwError("ModelCheckpoint: cannot format the file path \"", pattern,
                 "\": 'd' needs a whole number, got ", value);
    std::snprintf(buf, sizeof buf, (f + "lld").c_str(), static_cast<long long>(value));
  } else if (type == 'r') {
    // No spec: Python's str(), an int as is, a float's shortest repr.
    if (integer) {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
    } else {
      for (int p = 1; p <= 17; ++p) {
        std::snprintf(buf, sizeof buf, "%.*g", p, value);
        if (std::strtod(buf, nullptr) == value)
          break;
      }
      if (std::string(buf).find_first_of(".eni") == std::string::npos)
        std::snprintf(buf + std::string(buf).size(), 8, ".0");
    }
  } else {
    double v = type == '%' ? value * 100 : value;
    char c = type == '%' ? 'f' : type;
    f.append(".").append(precision.empty() ? "6" : precision).push_back(c);
    std::snprintf(buf, sizeof buf, f.c_str(), v);
    if (type == '%')
      std::snprintf(buf + std::string(buf).size(), 2, "%%");
  }
  return buf;
}

} // namespace

ModelCheckpoint::ModelCheckpoint(std::string filepath, ModelCheckpointOptions options)
    : filepath_(std::move(filepath)), options_(std::move(options)) {
  if (filepath_.empty())
    throwError("ModelCheckpoint: the file path is empty");
  if (options_.save_weights_only ? !endsWith(filepath_, ".h5")
                                 : !endsWith(filepath_, ".keras") &&
                                       !endsWith(filepath_, ".h5"))
    throwError("ModelCheckpoint: the file path must end in ",
               options_.save_weights_only ? "\".weights.h5\" or \".h5\" when "
                                            "save_weights_only is true"
                                          : "\".keras\" or \".h5\"",
               ", got \"", filepath_, "\"");
  if (options_.save_freq < 0)
    throwError("ModelCheckpoint: save_freq must be 0 (\"epoch\") or a positive "
               "number of batches, got ", options_.save_freq);
  maximize_ = monitorMaximizes(
      "ModelCheckpoint", options_.monitor, options_.mode,
      "Pass mode=\"max\" to keep the highest value, or mode=\"min\" to keep "
      "the lowest.");
}

std::string ModelCheckpoint::format_filepath(int epoch, const Logs &logs,
                                             std::optional<int64_t> batch) const {
  std::string out;
  const std::string &p = filepath_;
  for (size_t i = 0; i < p.size(); ++i) {
    if ((p[i] == '{' || p[i] == '}') && i + 1 < p.size() && p[i + 1] == p[i]) {
      out += p[i++]; // "{{" and "}}" are literal braces
      continue;
    }
    if (p[i] == '}')
      throwError("ModelCheckpoint: cannot format the file path \"", p,
                 "\": single '}'");
    if (p[i] != '{') {
      out += p[i];
      continue;
    }
    size_t close = p.find('}', i);
    if (close == std::string::npos)
      throwError("ModelCheckpoint: cannot format the file path \"", p,
                 "\": unclosed '{'");
    std::string field = p.substr(i + 1, close - i - 1);
    size_t colon = field.find(':');
    std::string key = field.substr(0, colon);
    std::string spec = colon == std::string::npos ? "" : field.substr(colon + 1);
    if (key == "epoch") {
      out += formatValue(epoch + 1, true, spec, p);
    } else if (key == "batch" && batch) {
      out += formatValue(double(*batch + 1), true, spec, p);
    } else if (const double *v = logs.find(key)) {
      out += formatValue(*v, false, spec, p);
    } else {
      throwError("ModelCheckpoint: cannot format the file path \"", p,
                 "\": no '", key, "' (the logs have: ", logs.joinedKeys(),
                 batch ? ", and epoch, batch)" : ", and epoch)");
    }
    i = close;
  }
  return out;
}

void ModelCheckpoint::on_train_begin(Logs &) {
  if (!model_)
    throwError("ModelCheckpoint: used outside Model::fit (it saves the model "
               "fit trains)");
  best_ = options_.initial_value_threshold;
  batchesSinceSave_ = 0;
}

void ModelCheckpoint::on_epoch_begin(int epoch, Logs &) { epoch_ = epoch; }

void ModelCheckpoint::on_epoch_end(int epoch, Logs &logs) {
  if (options_.save_freq == 0)
    save(epoch, logs, std::nullopt);
}

void ModelCheckpoint::on_train_batch_end(int64_t batch, Logs &logs) {
  if (options_.save_freq == 0 || ++batchesSinceSave_ < options_.save_freq)
    return;
  batchesSinceSave_ = 0;
  save(epoch_, logs, batch);
}

void ModelCheckpoint::save(int epoch, const Logs &logs, std::optional<int64_t> batch) {
  std::string path = format_filepath(epoch, logs, batch);
  char head[32];
  std::snprintf(head, sizeof head, "\nEpoch %05d: ", epoch + 1);
  if (options_.save_best_only) {
    const double *current = logs.find(options_.monitor);
    if (!current) {
      model().err() << "WARNING: Can save best model only with " << options_.monitor
                    << " available, skipping.\n";
      return;
    }
    double reference = best_.value_or(maximize_ ? -std::numeric_limits<double>::infinity()
                                                : std::numeric_limits<double>::infinity());
    bool improved = maximize_ ? *current > reference : *current < reference;
    char line[512];
    if (!improved) {
      if (options_.verbose > 0) {
        std::snprintf(line, sizeof line, "%s did not improve from %0.5f",
                      options_.monitor.c_str(), reference);
        model().out() << head << line << "\n";
      }
      return;
    }
    if (options_.verbose > 0) {
      std::snprintf(line, sizeof line, "%s improved from %0.5f to %0.5f, saving model to ",
                    options_.monitor.c_str(), reference, *current);
      model().out() << head << line << path << "\n";
    }
    best_ = *current;
  } else if (options_.verbose > 0) {
    model().out() << head << "saving model to " << path << "\n";
  }
  if (options_.save_weights_only)
    model_->save_weights(path);
  else
    model_->save(path);
}

} // namespace kiln::train
