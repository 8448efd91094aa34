// kiln::train::Progbar: Keras 2's (tf.keras) progress bar, and the Console
// it writes to.
#ifndef KILN_RUNTIME_TRAIN_PROGBAR_H
#define KILN_RUNTIME_TRAIN_PROGBAR_H

#include "runtime/train/Logs.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

namespace kiln::train {

// Where the training loop writes and how it tells time.
struct Console {
  // Progress bars and callback messages (Keras's print_msg: stdout).
  std::ostream *out = nullptr;
  // Warnings (Python's warnings.warn: stderr).
  std::ostream *err = nullptr;
  // True when `out` is a terminal: the bar is then redrawn in place with
  // '\r'; otherwise verbose=1 prints one final line per epoch.
  bool dynamic = false;
  // Seconds on a monotonic clock; empty means std::chrono::steady_clock.
  std::function<double()> clock;

  double now() const;
  std::ostream &output() const;
  std::ostream &errors() const;

  // Fills the defaults: `out` null means std::cout, `err` null std::cerr;
  // `tty` unset means isatty(STDOUT_FILENO) when the output is std::cout and
  // false for any other stream.
  static Console make(std::ostream *out, std::ostream *err,
                      std::optional<bool> tty,
                      std::function<double()> clock);
};

// keras.utils.Progbar as tf.keras 2 prints it:
//
//   verbose=1, terminal: redrawn with '\r', at most every `interval` seconds
//   (the final state always):
//     " 812/1719 [=============>................] - ETA: 1s - loss: 0.4123"
//   and, when finalized,
//     "1719/1719 [==============================] - 2s 1ms/step - loss: 0.4123"
//   verbose=1, not a terminal: only the finalized line (Keras would print
//   every redraw on its own line).
//   verbose=2, finalized only:
//     "1719/1719 - 2s - loss: 0.4123 - 2s/epoch - 1ms/step"
//   verbose=0: nothing.
//
// Values are displayed as given (Keras's "stateful metrics": the training
// loop passes running means). Keras also writes '\b' characters before the
// '\r'; Kiln writes only the '\r', which looks the same on a terminal.
class Progbar {
public:
  Progbar(int64_t target, int verbose, Console console,
          std::string unitName = "step", int width = 30,
          double interval = 0.05);

  // Step `current` (1-based) is done. `finalize` defaults to
  // current >= target, as in Keras.
  void update(int64_t current, const Logs &values,
              std::optional<bool> finalize = std::nullopt);

  int64_t target() const { return target_; }

private:
  double estimateStepDuration(int64_t current, double now);
  void drawVerbose1(int64_t current, bool finalize, double now,
                    double timePerUnit);
  void drawVerbose2(int64_t current, double now);

  int64_t target_;
  int verbose_;
  Console console_;
  std::string unitName_;
  int width_;
  double interval_;

  Logs values_;
  double start_;
  double lastUpdate_;
  double timeAtEpochStart_;
  std::optional<double> timeAtEpochEnd_;
  std::optional<double> timeAfterFirstStep_;
  size_t totalWidth_ = 0;
};

} // namespace kiln::train

#endif // KILN_RUNTIME_TRAIN_PROGBAR_H
