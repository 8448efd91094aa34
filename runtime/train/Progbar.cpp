// kiln::train::Progbar, following tf.keras 2's keras/utils/generic_utils.py.
#include "runtime/train/Progbar.h"

#include "runtime/train/Format.h"

#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <unistd.h>

namespace kiln::train {

double Console::now() const {
  if (clock)
    return clock();
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::ostream &Console::output() const { return out ? *out : std::cout; }
std::ostream &Console::errors() const { return err ? *err : std::cerr; }

Console Console::make(std::ostream *out, std::ostream *err,
                      std::optional<bool> tty, std::function<double()> clock) {
  Console c;
  c.out = out ? out : &std::cout;
  c.err = err ? err : &std::cerr;
  if (tty)
    c.dynamic = *tty;
  else
    c.dynamic = c.out == &std::cout && isatty(STDOUT_FILENO);
  c.clock = std::move(clock);
  return c;
}

Progbar::Progbar(int64_t target, int verbose, Console console,
                 std::string unitName, int width, double interval)
    : target_(target), verbose_(verbose), console_(std::move(console)),
      unitName_(std::move(unitName)), width_(width), interval_(interval) {
  start_ = console_.now();
  // Keras starts from 0 on the wall clock, so its first update always draws.
  lastUpdate_ = -std::numeric_limits<double>::infinity();
  timeAtEpochStart_ = start_;
}

double Progbar::estimateStepDuration(int64_t current, double now) {
  if (current <= 0)
    return 0;
  double timePerUnit;
  if (timeAfterFirstStep_ && current > 1)
    timePerUnit = (now - *timeAfterFirstStep_) / static_cast<double>(current - 1);
  else
    timePerUnit = (now - start_) / static_cast<double>(current);
  if (current == 1)
    timeAfterFirstStep_ = now;
  return timePerUnit;
}

void Progbar::update(int64_t current, const Logs &values,
                     std::optional<bool> finalizeArg) {
  bool finalize = finalizeArg ? *finalizeArg : current >= target_;
  if (verbose_ == 0)
    return;
  // Without a terminal only the first step (for the step-time estimate) and
  // the end of the epoch matter: skip the clock on every other step.
  if (!finalize && !console_.dynamic && current != 1 && current != target_)
    return;
  double now = console_.now();
  if (current == target_)
    timeAtEpochEnd_ = now;
  if (verbose_ == 1) {
    // Keras estimates the step time before throttling so that the first
    // step's time is remembered even when nothing is drawn.
    double timePerUnit = estimateStepDuration(current, now);
    bool draws = finalize || (console_.dynamic && now - lastUpdate_ >= interval_);
    if (!draws)
      return;
    for (const auto &[key, value] : values)
      values_.set(key, value);
    drawVerbose1(current, finalize, now, timePerUnit);
  } else if (verbose_ == 2) {
    if (!finalize)
      return;
    for (const auto &[key, value] : values)
      values_.set(key, value);
    drawVerbose2(current, now);
  }
  lastUpdate_ = now;
}

namespace {

// "%{numdigits}d/%d", the step counter Keras right-aligns to the target.
std::string counter(int64_t current, int64_t target) {
  int digits = target > 0
                   ? static_cast<int>(std::log10(static_cast<double>(target))) + 1
                   : 1;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%*lld/%lld", digits,
                static_cast<long long>(current), static_cast<long long>(target));
  return buf;
}

// Python's "%d" of a float truncates toward zero.
long long trunc(double v) { return static_cast<long long>(v); }

std::string formatEta(double eta) {
  char buf[64];
  if (eta > 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld",
                  trunc(std::floor(eta / 3600)),
                  trunc(std::floor(std::fmod(eta, 3600) / 60)),
                  trunc(std::fmod(eta, 60)));
  else if (eta > 60)
    std::snprintf(buf, sizeof buf, "%lld:%02lld", trunc(std::floor(eta / 60)),
                  trunc(std::fmod(eta, 60)));
  else
    std::snprintf(buf, sizeof buf, "%llds", trunc(eta));
  return buf;
}

} // namespace

void Progbar::drawVerbose1(int64_t current, bool finalize, double now,
                           double timePerUnit) {
  std::string bar = counter(current, target_) + " [";
  if (target_ > 0) {
    double prog = static_cast<double>(current) / static_cast<double>(target_);
    int progWidth = static_cast<int>(width_ * prog);
    if (progWidth > width_)
      progWidth = width_;
    if (progWidth > 0) {
      bar.append(static_cast<size_t>(progWidth - 1), '=');
      bar += current < target_ ? '>' : '=';
    }
    bar.append(static_cast<size_t>(width_ - (progWidth > 0 ? progWidth : 0)),
               '.');
  }
  bar += ']';

  std::string info;
  if (finalize) {
    info = " - " + formatDouble("%.0f", now - start_) + "s";
    info += formatTimePerUnit(timePerUnit, unitName_);
  } else {
    double eta = timePerUnit * static_cast<double>(target_ - current);
    info = " - ETA: " + formatEta(eta);
  }
  for (const auto &[key, value] : values_)
    info += " - " + key + ": " + formatMetric(value, /*compareAbsolute=*/true);

  size_t width = bar.size() + info.size();
  std::string message;
  if (console_.dynamic)
    message += '\r';
  message += bar;
  message += info;
  if (console_.dynamic && totalWidth_ > width)
    message.append(totalWidth_ - width, ' ');
  if (finalize)
    message += '\n';
  totalWidth_ = width;
  std::ostream &os = console_.output();
  os << message;
  os.flush();
}

void Progbar::drawVerbose2(int64_t current, double now) {
  std::string info =
      counter(current, target_) + " - " + formatDouble("%.0f", now - start_) + "s";
  for (const auto &[key, value] : values_)
    info += " - " + key + ": " + formatMetric(value, /*compareAbsolute=*/false);
  if (timeAtEpochEnd_) {
    double timePerEpoch = *timeAtEpochEnd_ - timeAtEpochStart_;
    double perStep = target_ > 0 ? timePerEpoch / static_cast<double>(target_)
                                 : 0.0;
    timeAtEpochStart_ = now;
    timeAtEpochEnd_.reset();
    info += " -" + formatTimePerUnit(timePerEpoch, "epoch");
    info += " -" + formatTimePerUnit(perStep, unitName_);
  }
  info += '\n';
  std::ostream &os = console_.output();
  os << info;
  os.flush();
}

} // namespace kiln::train
