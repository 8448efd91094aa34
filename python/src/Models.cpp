// Models, layers and fit/evaluate/predict for the Python module. Layers are
// made from Keras configs (the loaders' factories), compile options from a
// Keras compile config, so the Python side only maps Keras's call
// signatures onto Keras's own config schema.
#include "Arrays.h"
#include "Bindings.h"

#include "frontend/Keras.h"
#include "frontend/saving/CompileConfig.h"
#include "frontend/saving/Json.h"
#include "frontend/saving/LayerConfig.h"
#include "frontend/saving/ModelConfig.h"

#include <pybind11/stl.h>

#include <memory>
#include <set>
#include <sstream>

namespace kiln::python {

namespace {

using saving::Json;

/// Keyword arguments every layer takes besides its config's fields.
const std::set<std::string> &baseKeywords() {
  static const std::set<std::string> k = {"name", "trainable", "dtype",
                                          "batch_input_shape", "input_shape",
                                          "batch_size"};
  return k;
}

/// keras.layers.<Class>(**config): the layer the loaders would make of the
/// config, with its batch_input_shape declared (kiln/keras/layers.py turns
/// input_shape, batch_size and input_dim into it). A keyword the layer's
/// config does not have is Keras's TypeError.
Layer makeLayer(const std::string &className, const std::string &configJson) {
  Json config = saving::parseJson(configJson, className + "()");
  Shape inputShape;
  int64_t batch = 0;
  if (const Json b = config.value("batch_input_shape", Json()); b.is_array() && !b.empty()) {
    batch = b[0].is_number_integer() ? b[0].get<int64_t>() : 0;
    for (size_t i = 1; i < b.size(); ++i) {
      if (!b[i].is_number_integer())
        throw py::value_error(className + ": input_shape " + b.dump() +
                              " must hold integers (None only for the batch)");
      inputShape.push_back(b[i].get<int64_t>());
    }
  }
  std::vector<std::string> given;
  for (auto &[key, value] : config.items())
    given.push_back(key);
  saving::LayerConfig lc(config, className + "(): ");
  Layer layer = saving::layerFromConfig(className, lc, "keras.layers");
  if (!inputShape.empty())
    layer.impl()->setDeclaredInputShape(inputShape);
  if (batch > 0)
    layer.impl()->setBatchSize(batch);
  Json full = saving::nestedLayerEntry(*layer.impl())["config"];
  for (const std::string &key : given)
    if (!full.contains(key) && !baseKeywords().count(key))
      throw py::type_error("Keyword argument not understood: '" + key + "' (" +
                           className + ")");
  return layer;
}

std::string layerConfigJson(const Layer &layer) {
  const LayerImpl &l = *layer.impl();
  Json config = saving::nestedLayerEntry(l)["config"];
  if (!l.declaredInputShape().empty())
    config["batch_input_shape"] = saving::batchShape(l.declaredInputShape(), l.batchSize());
  return saving::pythonDumps(config);
}

py::dict logsDict(const train::Logs &logs) {
  py::dict d;
  for (const auto &[key, value] : logs)
    d[py::str(key)] = value;
  return d;
}

/// Values a Python callback set in `logs` come back, as Keras's dict is
/// shared with the callbacks after it.
void readBack(const py::dict &d, train::Logs &logs) {
  for (auto item : d) {
    std::string key = py::str(item.first);
    if (py::isinstance<py::float_>(item.second) || py::isinstance<py::int_>(item.second))
      logs.set(key, item.second.cast<double>());
  }
}

/// A Python keras.callbacks.Callback: its hooks run with the GIL held and
/// Keras's logs dict. An exception stops training and is raised by fit.
class PyCallback : public train::Callback {
public:
  PyCallback(py::object target, std::shared_ptr<std::exception_ptr> failure)
      : target_(std::move(target)), failure_(std::move(failure)) {
    for (py::handle h : target_.attr("_kiln_hooks")())
      hooks_.insert(h.cast<std::string>());
  }
  ~PyCallback() override {
    py::gil_scoped_acquire gil;
    target_ = py::object();
  }

  void on_train_begin(train::Logs &logs) override { call("on_train_begin", -1, logs); }
  void on_train_end(train::Logs &logs) override { call("on_train_end", -1, logs); }
  void on_epoch_begin(int epoch, train::Logs &logs) override {
    call("on_epoch_begin", epoch, logs);
  }
  void on_epoch_end(int epoch, train::Logs &logs) override {
    call("on_epoch_end", epoch, logs);
  }
  void on_train_batch_begin(int64_t batch, train::Logs &logs) override {
    call("on_train_batch_begin", batch, logs);
  }
  void on_train_batch_end(int64_t batch, train::Logs &logs) override {
    call("on_train_batch_end", batch, logs);
  }

private:
  /// `index` < 0: a hook of the whole run, called with logs only.
  void call(const char *hook, int64_t index, train::Logs &logs) {
    py::gil_scoped_acquire gil;
    if (*failure_ || !hooks_.count(hook))
      return;
    try {
      py::object method = target_.attr(hook);
      py::dict d = logsDict(logs);
      if (index >= 0)
        method(index, d);
      else
        method(d);
      readBack(d, logs);
      if (target_.attr("_kiln_stop").cast<bool>())
        model().stop_training = true;
    } catch (...) {
      *failure_ = std::current_exception();
      model().stop_training = true;
    }
  }

  py::object target_;
  std::set<std::string> hooks_;
  std::shared_ptr<std::exception_ptr> failure_;
};

/// Ctrl-C during fit: the signal is noticed between batches, training stops
/// with the weights of the last finished step, and fit raises
/// KeyboardInterrupt.
class InterruptCheck : public train::Callback {
public:
  explicit InterruptCheck(std::shared_ptr<std::exception_ptr> failure)
      : failure_(std::move(failure)) {}
  void on_train_batch_end(int64_t, train::Logs &) override {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      *failure_ = std::make_exception_ptr(py::error_already_set());
      model().stop_training = true;
    }
  }

private:
  std::shared_ptr<std::exception_ptr> failure_;
};

py::object historyObject(const History &h) {
  py::dict history;
  for (const auto &[key, values] : h.history)
    history[py::str(key)] = py::cast(values);
  py::dict params;
  params["verbose"] = h.params.verbose;
  params["epochs"] = h.params.epochs;
  params["steps"] = h.params.steps;
  return py::make_tuple(history, py::cast(h.epoch), params);
}

/// fit on arrays (x, y) or, with `y` None and `x` an ImageDataGenerator
/// iterator, on its batches.
py::object fit(Model &model, py::object x, py::object y, int epochs,
               int64_t batchSize, int verbose, double validationSplit,
               py::object valX, py::object valY, bool shuffle, int initialEpoch,
               int64_t stepsPerEpoch, py::list callbacks, int64_t maxQueueSize,
               std::optional<int> workers) {
  FitOptions o;
  o.epochs = epochs;
  o.batch_size = batchSize;
  o.verbose = verbose;
  o.validation_split = validationSplit;
  o.shuffle = shuffle;
  o.initial_epoch = initialEpoch;
  o.steps_per_epoch = stepsPerEpoch;
  o.max_queue_size = maxQueueSize;
  o.workers = workers;
  preprocessing::NumpyArrayIterator *iterator = nullptr;
  std::vector<Tensor> xs, ys;
  if (py::isinstance<preprocessing::NumpyArrayIterator>(x))
    iterator = &x.cast<preprocessing::NumpyArrayIterator &>();
  else {
    xs = toTensors(x, "x");
    ys = toTensors(y, "y");
  }
  if (!valX.is_none())
    o.validation_data = ValidationData(toTensors(valX, "validation_data x"),
                                       toTensors(valY, "validation_data y"));
  auto failure = std::make_shared<std::exception_ptr>();
  for (py::handle c : callbacks) {
    // Kiln's own callbacks (EarlyStopping, ...) run as they are, without
    // the GIL; Python's through PyCallback.
    if (py::object native = py::getattr(c, "_native", py::none()); !native.is_none())
      o.callbacks.push_back(native.cast<std::shared_ptr<train::Callback>>());
    else
      o.callbacks.push_back(
          std::make_shared<PyCallback>(py::reinterpret_borrow<py::object>(c), failure));
  }
  o.callbacks.push_back(std::make_shared<InterruptCheck>(failure));
  History h;
  {
    py::gil_scoped_release release;
    h = iterator ? model.fit(*iterator, o) : model.fit(xs, ys, o);
  }
  o.callbacks.clear();
  if (*failure)
    std::rethrow_exception(*failure);
  return historyObject(h);
}

} // namespace

void bindModels(py::module_ &m) {
  py::class_<KerasTensor>(m, "KerasTensor")
      .def_property_readonly("shape",
                             [](const KerasTensor &t) { return shapeTuple(t.shape()); });

  py::class_<Layer>(m, "Layer")
      .def_property_readonly("name", &Layer::name)
      .def_property_readonly("class_name", &Layer::class_name)
      .def("get_config_json", &layerConfigJson)
      .def("get_weights", [](const Layer &l) { return toArrays(l.get_weights()); })
      .def("set_weights", [](Layer &l, py::object w) { l.set_weights(toTensors(w, "weights")); })
      .def("count_params", &Layer::count_params)
      .def("call", [](const Layer &l, py::object x) -> py::object {
        if (py::isinstance<KerasTensor>(x))
          return py::cast(l(x.cast<KerasTensor>()));
        return py::cast(l(x.cast<std::vector<KerasTensor>>()));
      })
      .def("call_outputs", [](const Layer &l, py::object x) {
        if (py::isinstance<KerasTensor>(x))
          return l.call_outputs(std::vector<KerasTensor>{x.cast<KerasTensor>()});
        return l.call_outputs(x.cast<std::vector<KerasTensor>>());
      });
  m.def("make_layer", &makeLayer, py::arg("class_name"), py::arg("config_json"));
  m.def("supported_layers", &saving::supportedLayers);
  m.def("input", [](std::vector<int64_t> shape, std::string name, int64_t batch) {
    return Input(Shape(shape.begin(), shape.end()), std::move(name), batch);
  });

  py::class_<Model>(m, "Model")
      .def(py::init([](std::vector<KerasTensor> inputs, std::vector<KerasTensor> outputs,
                       std::string name) {
             return std::make_unique<Model>(std::move(inputs), std::move(outputs),
                                            std::move(name));
           }),
           py::arg("inputs"), py::arg("outputs"), py::arg("name") = "")
      .def_property_readonly("name", &Model::name)
      .def("compile_json",
           [](Model &model, const std::string &config, py::dict metrics,
              py::dict losses) {
             Json c = saving::parseJson(config, "compile()");
             model.compile(saving::compileOptionsFrom(c, customMetrics(metrics),
                                                      customLosses(losses)));
           })
      .def("fit", &fit)
      .def("evaluate",
           [](Model &model, py::object x, py::object y, int64_t batchSize, int verbose) {
             std::vector<Tensor> xs = toTensors(x, "x");
             std::vector<Tensor> ys = toTensors(y, "y");
             py::gil_scoped_release release;
             return model.evaluate(xs, ys, {.batch_size = batchSize, .verbose = verbose});
           })
      .def("predict",
           [](Model &model, py::object x, int64_t batchSize, int verbose) {
             std::vector<Tensor> xs = toTensors(x, "x");
             std::vector<Tensor> out;
             {
               py::gil_scoped_release release;
               out = model.predict_outputs(xs, {.batch_size = batchSize, .verbose = verbose});
             }
             return toArrays(out);
           })
      .def("predict_classes",
           [](Model &model, py::object x, int64_t batchSize, int verbose) {
             Tensor xs = toTensor(x, "x");
             Tensor out;
             {
               py::gil_scoped_release release;
               out = model.predict_classes(xs, {.batch_size = batchSize, .verbose = verbose});
             }
             return toArray(out);
           })
      .def("summary_text",
           [](Model &model) {
             std::ostringstream os;
             model.summary(os);
             return os.str();
           })
      .def("get_weights", [](Model &model) { return toArrays(model.get_weights()); })
      .def("set_weights",
           [](Model &model, py::object w) { model.set_weights(toTensors(w, "weights")); })
      .def_property_readonly("layers", &Model::layers)
      .def_property_readonly("metrics_names", &Model::metrics_names)
      .def_property_readonly("output_names", &Model::output_names)
      .def_property_readonly("input_shape",
                             [](const Model &model) { return shapeTuple(model.input_shape()); })
      .def_property_readonly("output_shape",
                             [](const Model &model) { return shapeTuple(model.output_shape()); })
      .def_property("learning_rate", &Model::learning_rate, &Model::set_learning_rate)
      .def("reset_states", &Model::reset_states)
      .def("save", &Model::save)
      .def("save_weights", &Model::save_weights)
      .def("load_weights", &Model::load_weights)
      .def("to_json", &Model::to_json)
      .def("to_mlir", &Model::to_mlir);

  py::class_<Sequential, Model>(m, "Sequential")
      .def(py::init([](std::string name) { return std::make_unique<Sequential>(std::move(name)); }),
           py::arg("name") = "")
      .def("add", &Sequential::add);

  auto plotOptions = [](bool shapes, bool dtype, bool names, std::string rankdir,
                        bool nested, int dpi) {
    return utils::PlotModelOptions{.show_shapes = shapes, .show_dtype = dtype,
                                   .show_layer_names = names,
                                   .rankdir = std::move(rankdir),
                                   .expand_nested = nested, .dpi = dpi};
  };
  m.def("model_to_dot", [plotOptions](Model &model, bool shapes, bool dtype, bool names,
                                      std::string rankdir, bool nested, int dpi) {
    return utils::model_to_dot(
        model, plotOptions(shapes, dtype, names, std::move(rankdir), nested, dpi));
  });
  m.def("render_dot", [](const std::string &dot, const std::string &format) {
    return py::bytes(utils::render_dot(dot, format));
  });
  m.def("plot_model", [plotOptions](Model &model, const std::string &file, bool shapes,
                                    bool dtype, bool names, std::string rankdir,
                                    bool nested, int dpi) {
    utils::plot_model(model, file,
                      plotOptions(shapes, dtype, names, std::move(rankdir), nested, dpi));
  });

  m.def("load_model", [](const std::string &path, bool compile, py::dict custom) {
    return std::make_unique<Model>(load_model(
        path, {.compile = compile,
               .custom_metrics = customMetrics(custom),
               .custom_losses = customLosses(custom)}));
  });
  m.def("model_from_json",
        [](const std::string &json) { return std::make_unique<Model>(model_from_json(json)); });
}

} // namespace kiln::python
