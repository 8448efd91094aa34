// Number formatting that matches what Python prints in Keras's output.
#ifndef KILN_RUNTIME_TRAIN_FORMAT_H
#define KILN_RUNTIME_TRAIN_FORMAT_H

#include "runtime/Tensor.h"

#include <string>

namespace kiln::train {

// printf-style formatting of one double ("%.4f") that spells NaN and
// infinities as Python does ("nan", "inf", "-inf"; glibc may print "-nan").
std::string formatDouble(const char *format, double value);

// Python's repr(float): the shortest string that reads back to the same
// double ("0.1", "1.0", "1e-05", "1.5e+16", "nan", "inf"). CSVLogger and
// History::to_csv write values this way, as Python's csv module does.
std::string pythonRepr(double value);

// A metric value as Keras's progress bar prints it: "%.4f", or "%.4e" for
// small values. Verbose 1 compares abs(value) > 1e-3; verbose 2 compares the
// signed value (Keras's quirk: negative values print in "%.4e" there).
std::string formatMetric(double value, bool compareAbsolute = true);

// Keras's Progbar._format_time: " 2s/step", " 15ms/step", " 830us/step".
std::string formatTimePerUnit(double seconds, const std::string &unit);

// A shape as Python prints a tuple, dimensions from `from` on: "(28, 28)",
// "(3,)", "()", with None for a dynamic (-1) dimension.
std::string pythonShape(const Shape &shape, size_t from = 0);

} // namespace kiln::train

#endif // KILN_RUNTIME_TRAIN_FORMAT_H
