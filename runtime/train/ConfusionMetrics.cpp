// Keras's confusion metrics from summed counts.
#include "runtime/train/ConfusionMetrics.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace kiln::train::detail {
namespace {

using Kind = abi::ResultSpec::Kind;
using Summation = abi::ResultSpec::Summation;

double divideNoNan(double a, double b) { return b == 0.0 ? 0.0 : a / b; }

struct Counts {
  const double *tp, *fp, *tn, *fn;
  size_t n;
};

// Davis & Goadrich's interpolation of the precision-recall curve between
// successive thresholds, as Keras's AUC.interpolate_pr_auc: true and false
// positives vary linearly within each interval, precision does not.
double interpolatedPrAuc(const Counts &c) {
  double area = 0.0;
  for (size_t i = 0; i + 1 < c.n; ++i) {
    double dtp = c.tp[i] - c.tp[i + 1];
    double pA = c.tp[i] + c.fp[i], pB = c.tp[i + 1] + c.fp[i + 1];
    double slope = divideNoNan(dtp, std::max(pA - pB, 0.0));
    double intercept = c.tp[i + 1] - slope * pB;
    double ratio =
        pA > 0.0 && pB > 0.0 ? divideNoNan(pA, std::max(pB, 0.0)) : 1.0;
    area += divideNoNan(slope * (dtp + intercept * std::log(ratio)),
                        std::max(c.tp[i + 1] + c.fn[i + 1], 0.0));
  }
  return area;
}

// A Riemann sum of y over x along the thresholds (x falls as the threshold
// rises), with Keras's heights per summation method.
double riemannArea(const std::vector<double> &x, const std::vector<double> &y,
                   Summation method) {
  double area = 0.0;
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    double height = method == Summation::interpolation ? (y[i] + y[i + 1]) / 2
                    : method == Summation::minoring    ? std::min(y[i], y[i + 1])
                                                       : std::max(y[i], y[i + 1]);
    area += (x[i] - x[i + 1]) * height;
  }
  return area;
}

double auc(const abi::ResultSpec &spec, const Counts &c) {
  if (spec.prCurve && spec.summation == Summation::interpolation)
    return interpolatedPrAuc(c);
  std::vector<double> x(c.n), y(c.n);
  for (size_t i = 0; i < c.n; ++i) {
    double recall = divideNoNan(c.tp[i], c.tp[i] + c.fn[i]);
    if (spec.prCurve) {
      x[i] = recall;
      y[i] = divideNoNan(c.tp[i], c.tp[i] + c.fp[i]);
    } else {
      x[i] = divideNoNan(c.fp[i], c.fp[i] + c.tn[i]);
      y[i] = recall;
    }
  }
  return riemannArea(x, y, spec.summation);
}

// The largest `dependent` among the thresholds where `constrained` reaches
// spec.value; 0 when none does.
double maxUnderConstraint(const std::vector<double> &constrained,
                          const std::vector<double> &dependent, double value) {
  double best = 0.0;
  for (size_t i = 0; i < constrained.size(); ++i)
    if (constrained[i] >= value)
      best = std::max(best, dependent[i]);
  return best;
}

} // namespace

double confusionMetric(const abi::ResultSpec &spec, const double *counts) {
  const size_t n = spec.thresholds;
  Counts c{counts, counts + n, counts + 2 * n, counts + 3 * n, n};
  switch (spec.kind) {
  case Kind::mean:
    return counts[0];
  case Kind::true_positives:
    return c.tp[0];
  case Kind::false_positives:
    return c.fp[0];
  case Kind::true_negatives:
    return c.tn[0];
  case Kind::false_negatives:
    return c.fn[0];
  case Kind::precision:
    return divideNoNan(c.tp[0], c.tp[0] + c.fp[0]);
  case Kind::recall:
    return divideNoNan(c.tp[0], c.tp[0] + c.fn[0]);
  case Kind::auc:
    return auc(spec, c);
  case Kind::sensitivity_at_specificity:
  case Kind::specificity_at_sensitivity: {
    std::vector<double> sensitivity(n), specificity(n);
    for (size_t i = 0; i < n; ++i) {
      sensitivity[i] = divideNoNan(c.tp[i], c.tp[i] + c.fn[i]);
      specificity[i] = divideNoNan(c.tn[i], c.tn[i] + c.fp[i]);
    }
    return spec.kind == Kind::sensitivity_at_specificity
               ? maxUnderConstraint(specificity, sensitivity, spec.value)
               : maxUnderConstraint(sensitivity, specificity, spec.value);
  }
  }
  return 0.0;
}

} // namespace kiln::train::detail
