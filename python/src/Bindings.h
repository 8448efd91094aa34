// The parts of the _kiln extension module (internal).
#ifndef KILN_PYTHON_BINDINGS_H
#define KILN_PYTHON_BINDINGS_H

#include "frontend/Ops.h"

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

namespace kiln::python {
void bindModels(pybind11::module_ &m);
void bindCallbacks(pybind11::module_ &m);
void bindOps(pybind11::module_ &m);
void bindImages(pybind11::module_ &m);
/// `fn` held for C++ callers on any thread: its reference is dropped under
/// the GIL (and not at all once the interpreter has gone).
std::shared_ptr<pybind11::object> holdPython(pybind11::object fn);
/// A compile() metric that calls a Python function of (y_true, y_pred).
Metric pythonMetric(const std::string &name, pybind11::object fn);
/// A Python function of (y_true, y_pred) as a compile() loss.
LossFunction pythonLoss(const std::string &name, pybind11::object fn);
/// Keras's custom_objects (or compile's functions) as custom metrics and
/// losses: every callable serves as either, found by its key.
std::vector<Metric> customMetrics(pybind11::dict functions);
std::vector<LossFunction> customLosses(pybind11::dict functions);
} // namespace kiln::python

#endif // KILN_PYTHON_BINDINGS_H
