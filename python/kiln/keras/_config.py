"""Python values as Keras config values (internal): Kiln's C++ side reads
Keras's own config schema, so every object a user passes becomes what
Keras would serialize it as."""

import json

import numpy as np


def to_config(value):
    """A keyword argument's value as JSON-ready config data."""
    if hasattr(value, "_kiln_config"):
        return value._kiln_config()
    if isinstance(value, (list, tuple)):
        return [to_config(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_config(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if callable(value) and hasattr(value, "__name__"):
        # keras.activations.relu, tf.nn.relu, a loss function: by name.
        return value.__name__
    return value


def dumps(value):
    return json.dumps(to_config(value))


def serialized(class_name, config):
    """Keras 2's {"class_name", "config"} entry."""
    return {"class_name": class_name, "config": to_config(config)}


class Configurable:
    """An object Keras would serialize as {"class_name", "config"}: the
    optimizers, losses, metrics and initializers given as objects."""

    def __init__(self, **config):
        self._config = config

    def get_config(self):
        return dict(self._config)

    def _kiln_config(self):
        return serialized(type(self).__name__, self._config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._config.items())
        return f"{type(self).__name__}({args})"


def named_builtin(module, name):
    """keras.<module>.<name> as a function Kiln compiles by name (an
    activation or a loss): given to a layer or to compile it is its name;
    called on arrays in Python it says so."""
    def builtin(*args, **kwargs):
        raise NotImplementedError(
            f"keras.{module}.{name} is compiled into the model when given to a "
            "layer or to compile(); Kiln does not evaluate it on arrays in Python")
    builtin.__name__ = builtin.__qualname__ = name
    builtin._kiln_builtin = True
    return builtin


class WeightsAccess:
    """get_weights/set_weights/weights of a layer or model (self._impl)."""

    def get_weights(self):
        return self._impl.get_weights()

    def set_weights(self, weights):
        self._impl.set_weights(list(weights))

    @property
    def weights(self):
        return self.get_weights()
