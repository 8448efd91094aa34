// Number formatting that matches Python's.
#include "runtime/train/Format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace kiln::train {

std::string formatDouble(const char *format, double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, format, value);
  if (n < 0)
    return "?";
  if (static_cast<size_t>(n) < sizeof buf)
    return std::string(buf, static_cast<size_t>(n));
  std::string big(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(big.data(), big.size(), format, value);
  big.resize(static_cast<size_t>(n));
  return big;
}

std::string pythonRepr(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  if (value == 0.0)
    return std::signbit(value) ? "-0.0" : "0.0";
  // The shortest "%.{p}e" that round-trips gives the digits and exponent.
  char buf[40];
  for (int precision = 0; precision < 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision, value);
    if (std::strtod(buf, nullptr) == value)
      break;
  }
  std::string s(buf);
  bool negative = s[0] == '-';
  if (negative)
    s.erase(0, 1);
  size_t e = s.find('e');
  int exponent = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (size_t i = 0; i < e; ++i)
    if (s[i] != '.')
      digits += s[i];
  while (digits.size() > 1 && digits.back() == '0')
    digits.pop_back();

  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    // Positional notation, always with a fractional part ("100.0").
    if (exponent < 0) {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') +
             digits;
    } else {
      size_t intDigits = static_cast<size_t>(exponent) + 1;
      if (digits.size() <= intDigits)
        out += digits + std::string(intDigits - digits.size(), '0') + ".0";
      else
        out += digits.substr(0, intDigits) + "." + digits.substr(intDigits);
    }
  } else {
    // Scientific notation with at least two exponent digits ("1e-05").
    out += digits.substr(0, 1);
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    out += exp;
  }
  return out;
}

std::string formatMetric(double value, bool compareAbsolute) {
  double key = compareAbsolute ? std::fabs(value) : value;
  return formatDouble(key > 1e-3 ? "%.4f" : "%.4e", value);
}

std::string formatTimePerUnit(double seconds, const std::string &unit) {
  double value = seconds;
  const char *suffix = "s/";
  if (!(seconds >= 1 || seconds == 0)) {
    bool millis = seconds >= 1e-3;
    value = seconds * (millis ? 1e3 : 1e6);
    suffix = millis ? "ms/" : "us/";
  }
  std::string out(1, ' ');
  out += formatDouble("%.0f", value);
  out += suffix;
  out += unit;
  return out;
}

std::string pythonShape(const Shape &shape, size_t from) {
  std::ostringstream os;
  os << '(';
  for (size_t i = from; i < shape.size(); ++i) {
    os << (i > from ? ", " : "");
    if (shape[i] < 0)
      os << "None";
    else
      os << shape[i];
  }
  if (shape.size() == from + 1)
    os << ',';
  os << ')';
  return os.str();
}

} // namespace kiln::train
