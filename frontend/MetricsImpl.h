// What compile() needs of a metric object: how its counts are taken and how
// the runtime turns them into its value. Internal to the frontend.
#ifndef KILN_FRONTEND_METRICSIMPL_H
#define KILN_FRONTEND_METRICSIMPL_H

#include "frontend/Ops.h"
#include "runtime/abi/Steps.h"

#include <vector>

namespace kiln::detail {

/// True for the metrics compiled as confusion counts (Precision, AUC, ...).
bool countsConfusion(const MetricConfig &config);

/// The thresholds of the counts, ascending, as Keras builds them (AUC's
/// end points are backend::epsilon() outside [0, 1]).
std::vector<float> countThresholds(const MetricConfig &config);

/// The runtime's recipe for the metric's value (offset left at 0); a batch
/// mean for every metric that is not a confusion metric.
abi::ResultSpec resultSpecOf(const Metric &metric);

} // namespace kiln::detail

#endif // KILN_FRONTEND_METRICSIMPL_H
