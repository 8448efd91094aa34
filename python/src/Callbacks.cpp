// Kiln's own callbacks for Python (keras.callbacks.EarlyStopping, ...):
// the C++ objects themselves, made from Keras's keyword arguments by
// kiln/keras/callbacks.py, so they run inside fit without the GIL.
#include "Bindings.h"

#include "frontend/Callbacks.h"

#include <pybind11/stl.h>

namespace kiln::python {

namespace py = pybind11;

namespace {

template <typename T>
T &as(const std::shared_ptr<train::Callback> &c) {
  return *std::dynamic_pointer_cast<T>(c);
}

} // namespace

void bindCallbacks(py::module_ &m) {
  py::class_<train::Callback, std::shared_ptr<train::Callback>>(m, "NativeCallback");

  m.def("early_stopping",
        [](std::string monitor, double minDelta, int patience, int verbose,
           std::string mode, std::optional<double> baseline, bool restore,
           int startFrom) -> std::shared_ptr<train::Callback> {
          return callbacks::EarlyStopping({.monitor = std::move(monitor),
                                           .min_delta = minDelta,
                                           .patience = patience,
                                           .verbose = verbose,
                                           .mode = std::move(mode),
                                           .baseline = baseline,
                                           .restore_best_weights = restore,
                                           .start_from_epoch = startFrom});
        });
  m.def("early_stopping_state", [](const std::shared_ptr<train::Callback> &c) {
    auto &e = as<train::EarlyStopping>(c);
    return py::make_tuple(e.stopped_epoch(), e.best_epoch(), e.best(), e.wait());
  });
  m.def("model_checkpoint",
        [](std::string filepath, std::string monitor, int verbose, bool bestOnly,
           bool weightsOnly, std::string mode, int64_t saveFreq,
           std::optional<double> threshold) -> std::shared_ptr<train::Callback> {
          return callbacks::ModelCheckpoint(std::move(filepath),
                                            {.monitor = std::move(monitor),
                                             .verbose = verbose,
                                             .save_best_only = bestOnly,
                                             .save_weights_only = weightsOnly,
                                             .mode = std::move(mode),
                                             .save_freq = saveFreq,
                                             .initial_value_threshold = threshold});
        });
  m.def("model_checkpoint_best", [](const std::shared_ptr<train::Callback> &c) {
    return as<train::ModelCheckpoint>(c).best();
  });
  m.def("csv_logger",
        [](std::string filename, std::string separator,
           bool append) -> std::shared_ptr<train::Callback> {
          return callbacks::CSVLogger(std::move(filename),
                                      {.separator = std::move(separator), .append = append});
        });
  m.def("reduce_lr_on_plateau",
        [](std::string monitor, double factor, int patience, int verbose,
           std::string mode, double minDelta, int cooldown,
           double minLr) -> std::shared_ptr<train::Callback> {
          return callbacks::ReduceLROnPlateau({.monitor = std::move(monitor),
                                               .factor = factor,
                                               .patience = patience,
                                               .verbose = verbose,
                                               .mode = std::move(mode),
                                               .min_delta = minDelta,
                                               .cooldown = cooldown,
                                               .min_lr = minLr});
        });
  m.def("learning_rate_scheduler",
        [](py::object schedule, int verbose) -> std::shared_ptr<train::Callback> {
          // Keras calls schedule(epoch, lr), or schedule(epoch) for a
          // one-argument function (kiln/keras/callbacks.py wraps that).
          std::shared_ptr<py::object> held = holdPython(std::move(schedule));
          return callbacks::LearningRateScheduler(
              [held](int epoch, double lr) {
                py::gil_scoped_acquire gil;
                return (*held)(epoch, lr).cast<double>();
              },
              verbose);
        });
  m.def("terminate_on_nan",
        []() -> std::shared_ptr<train::Callback> { return callbacks::TerminateOnNaN(); });
}

} // namespace kiln::python
