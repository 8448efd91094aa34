// The parts of the _kiln extension module (internal).
#ifndef KILN_PYTHON_BINDINGS_H
#define KILN_PYTHON_BINDINGS_H

#include <pybind11/pybind11.h>

namespace kiln::python {
void bindModels(pybind11::module_ &m);
void bindCallbacks(pybind11::module_ &m);
} // namespace kiln::python

#endif // KILN_PYTHON_BINDINGS_H
