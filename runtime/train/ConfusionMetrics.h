// The values of Keras's confusion metrics (Precision, Recall, AUC,
// SensitivityAtSpecificity, ...) from an epoch's summed counts, as their
// result() methods compute them. Internal to runtime/train.
#ifndef KILN_RUNTIME_TRAIN_CONFUSIONMETRICS_H
#define KILN_RUNTIME_TRAIN_CONFUSIONMETRICS_H

#include "runtime/abi/Steps.h"

namespace kiln::train::detail {

// `counts` holds spec.width() summed floats: true positives, false
// positives, true negatives, false negatives, spec.thresholds each, the
// thresholds ascending. Ratios with a zero denominator are 0 (Keras's
// divide_no_nan).
double confusionMetric(const abi::ResultSpec &spec, const double *counts);

} // namespace kiln::train::detail

#endif // KILN_RUNTIME_TRAIN_CONFUSIONMETRICS_H
