"""keras.models: Sequential and the functional Model over Kiln's compiled
train, eval and predict steps, with NumPy in and out."""

import json
import os

from .. import _kiln
from . import callbacks as _callbacks
from . import optimizers as _optimizers
from ._config import WeightsAccess, to_config
from .layers import Layer


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _verbose(verbose):
    return 1 if verbose == "auto" else int(verbose)


def _refuse(name, value):
    if value is not None:
        raise ValueError(f"{name} is not supported by Kiln yet")


def _custom_functions(value, custom, kind="metric"):
    """`value` (a metric or loss, or a list or dict of them) with each Python
    function (a custom one) replaced by its name, and the function recorded
    in `custom` for compile to trace."""
    if isinstance(value, dict):
        return {k: _custom_functions(v, custom, kind) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_custom_functions(m, custom, kind) for m in value]
    if (callable(value) and not isinstance(value, type)
            and not hasattr(value, "_kiln_config")
            and not getattr(value, "_kiln_builtin", False)):
        name = getattr(value, "__name__", None)
        if not name or name == "<lambda>":
            raise ValueError(f"a custom {kind} must be a named function "
                             f"(def my_{kind}(y_true, y_pred): ...)")
        custom[name] = value
        return name
    return value


class Model(WeightsAccess):
    """keras.Model: Model(inputs, outputs, name=None) on the tensors of
    keras.Input and layer calls."""

    def __init__(self, inputs=None, outputs=None, name=None, _impl=None):
        if _impl is None:
            if inputs is None or outputs is None:
                raise TypeError("Model() takes inputs= and outputs= "
                                "(subclassed models are not supported by Kiln yet)")
            _impl = _kiln.Model(_as_list(inputs), _as_list(outputs), name or "")
        self._impl = _impl
        self.optimizer = None
        self.stop_training = False
        self.history = None

    # -- the graph ------------------------------------------------------
    @property
    def name(self):
        return self._impl.name

    @property
    def layers(self):
        return [Layer._wrap(layer) for layer in self._impl.layers]

    def get_layer(self, name=None, index=None):
        layers = self.layers
        if index is not None:
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in layers]}.")

    @property
    def input_shape(self):
        return self._impl.input_shape

    @property
    def output_shape(self):
        return self._impl.output_shape

    @property
    def output_names(self):
        return self._impl.output_names

    @property
    def metrics_names(self):
        return self._impl.metrics_names

    def summary(self, line_length=None, positions=None, print_fn=None):
        text = self._impl.summary_text().rstrip("\n")
        (print_fn or print)(text)

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    # -- compile, fit, evaluate, predict ----------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None,
                loss_weights=None, weighted_metrics=None, run_eagerly=None,
                steps_per_execution=None, jit_compile=None, **kwargs):
        _refuse("compile(weighted_metrics=)", weighted_metrics or None)
        if kwargs:
            raise TypeError(f"Invalid keyword argument(s) in `compile()`: {sorted(kwargs)}")
        optimizer = _optimizers.get(optimizer)
        self.optimizer = optimizer
        if loss is None:
            raise ValueError("compile(): Kiln needs a loss to compile the train "
                             "step (predict works without compile)")
        custom, custom_losses = {}, {}
        config = {"optimizer": to_config(optimizer),
                  "loss": to_config(_custom_functions(loss, custom_losses, "loss")),
                  "metrics": to_config(_custom_functions(metrics or [], custom))}
        if loss_weights is not None:
            config["loss_weights"] = to_config(loss_weights)
        self._impl.compile_json(json.dumps(config), custom, custom_losses)
        optimizer._bind(self)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto",
            callbacks=None, validation_split=0.0, validation_data=None,
            shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, max_queue_size=10,
            workers=None, use_multiprocessing=False, **kwargs):
        """Keras's fit. On an ImageDataGenerator's flow(), `workers` is Keras
        2's (1: a producer thread makes the batches, 0: fit's thread does);
        left None, Kiln uses a producer thread only where a core is free
        for it."""
        if "nb_epoch" in kwargs:  # Keras 1's name, which Keras 2 still took
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError(f"Invalid keyword argument(s) in `fit()`: {sorted(kwargs)}")
        _refuse("fit(class_weight=)", class_weight)
        _refuse("fit(sample_weight=)", sample_weight)
        _refuse("fit(validation_steps=)", validation_steps)
        if validation_freq != 1:
            raise ValueError("fit(validation_freq=) other than 1 is not supported by Kiln yet")
        from .preprocessing.image import NumpyArrayIterator
        if isinstance(x, NumpyArrayIterator):
            if y is not None:
                raise ValueError("fit(): y must not be given with an iterator of (x, y) batches")
            x = x._impl
        elif y is None:
            raise ValueError("fit() needs y, or an ImageDataGenerator's flow(x, y) as x")
        val_x = val_y = None
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data must be (x_val, y_val); "
                                 "sample weights are not supported by Kiln yet")
            val_x, val_y = validation_data
        history = _callbacks.History()
        cbs = list(callbacks or [])
        for cb in [history] + cbs:
            if not isinstance(cb, _callbacks.Callback):
                raise TypeError(f"callbacks must be keras.callbacks.Callback objects, "
                                f"got {type(cb).__name__}")
            cb.set_model(self)
        self.stop_training = False
        h, epoch, params = self._impl.fit(
            x, y, int(epochs), int(batch_size or 32), _verbose(verbose),
            float(validation_split), val_x, val_y, bool(shuffle),
            int(initial_epoch), int(steps_per_epoch or 0), cbs, int(max_queue_size),
            None if workers is None else int(workers))
        history.history, history.epoch, history.params = h, epoch, params
        for cb in cbs:
            cb.set_params(params)
        self.history = history
        return history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto",
                 sample_weight=None, steps=None, callbacks=None,
                 max_queue_size=10, workers=1, use_multiprocessing=False,
                 return_dict=False):
        _refuse("evaluate(sample_weight=)", sample_weight)
        values = self._impl.evaluate(x, y, int(batch_size or 32), _verbose(verbose))
        if return_dict:
            return dict(zip(self.metrics_names, values))
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None,
                max_queue_size=10, workers=1, use_multiprocessing=False):
        outputs = self._impl.predict(x, int(batch_size or 32), _verbose(verbose))
        return outputs[0] if len(outputs) == 1 else outputs

    def predict_classes(self, x, batch_size=32, verbose=0):
        return self._impl.predict_classes(x, int(batch_size), _verbose(verbose))

    def __call__(self, x):
        return self.predict(x)

    def reset_states(self):
        self._impl.reset_states()

    # -- files -------------------------------------------------------------
    def save(self, filepath, overwrite=True, save_format=None, **kwargs):
        self._impl.save(str(filepath))

    def save_weights(self, filepath, overwrite=True, save_format=None):
        self._impl.save_weights(str(filepath))

    def load_weights(self, filepath, by_name=False, skip_mismatch=False):
        _refuse("load_weights(by_name=True)", by_name or None)
        self._impl.load_weights(_existing(filepath))

    def to_json(self, **kwargs):
        return self._impl.to_json()

    def get_config(self):
        return json.loads(self.to_json())["config"]


class Sequential(Model):
    """keras.Sequential(layers=None, name=None)."""

    def __init__(self, layers=None, name=None):
        super().__init__(_impl=_kiln.Sequential(name or ""))
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        if not isinstance(layer, Layer):
            raise TypeError("The added layer must be an instance of class Layer. "
                            f"Received: layer={layer!r} of type {type(layer)}.")
        self._impl.add(layer._impl)


def _existing(filepath):
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No file or directory found at {path}")
    return path


def load_model(filepath, custom_objects=None, compile=True, options=None):
    """Keras's load_model; custom_objects gives the custom metrics and
    losses the file names (functions by name; Kiln has no custom layers)."""
    custom = dict(custom_objects or {})
    for name, value in custom.items():
        if isinstance(value, type):
            raise ValueError(f"load_model(custom_objects=): '{name}' is a class; "
                             f"Kiln takes custom metric and loss functions only")
    filepath = _existing(filepath)
    model = Model(_impl=_kiln.load_model(str(filepath), bool(compile), custom))
    if compile:
        try:
            lr = model._impl.learning_rate
        except ValueError:
            return model
        model.optimizer = _optimizers._Loaded(lr)
        model.optimizer._bind(model)
    return model


def model_from_json(json_string, custom_objects=None):
    return Model(_impl=_kiln.model_from_json(json_string))


__all__ = ["Model", "Sequential", "load_model", "model_from_json"]
