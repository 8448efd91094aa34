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
