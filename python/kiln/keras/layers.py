"""keras.layers: every layer Kiln has, made from the keyword arguments
Keras's constructors take (Keras's positional order and defaults; the
defaults are the C++ library's, which follow Keras)."""

import json

from .. import _kiln
from ._config import WeightsAccess, to_config

# Keras 2's positional parameters, in order, of the layers that take any.
_POSITIONAL = {
    "Dense": ["units", "activation", "use_bias", "kernel_initializer",
              "bias_initializer", "kernel_regularizer", "bias_regularizer",
              "activity_regularizer", "kernel_constraint", "bias_constraint"],
    "Flatten": ["data_format"],
    "Activation": ["activation"],
    "Dropout": ["rate", "noise_shape", "seed"],
    "Conv2D": ["filters", "kernel_size", "strides", "padding", "data_format",
               "dilation_rate", "groups", "activation", "use_bias",
               "kernel_initializer", "bias_initializer"],
    "MaxPooling2D": ["pool_size", "strides", "padding", "data_format"],
    "AveragePooling2D": ["pool_size", "strides", "padding", "data_format"],
    "GlobalAveragePooling2D": ["data_format"],
    "GlobalMaxPooling2D": ["data_format"],
    "Reshape": ["target_shape"],
    "BatchNormalization": ["axis", "momentum", "epsilon", "center", "scale"],
    "Embedding": ["input_dim", "output_dim", "embeddings_initializer",
                  "embeddings_regularizer", "activity_regularizer",
                  "embeddings_constraint", "mask_zero", "input_length"],
    "SimpleRNN": ["units", "activation", "use_bias", "kernel_initializer",
                  "recurrent_initializer", "bias_initializer"],
    "LSTM": ["units", "activation", "recurrent_activation", "use_bias",
             "kernel_initializer", "recurrent_initializer", "bias_initializer",
             "unit_forget_bias"],
    "GRU": ["units", "activation", "recurrent_activation", "use_bias",
            "kernel_initializer", "recurrent_initializer", "bias_initializer"],
    "Softmax": ["axis"],
    "ReLU": ["max_value", "negative_slope", "threshold"],
    "LeakyReLU": ["alpha"],
    "Concatenate": ["axis"],
    "TimeDistributed": ["layer"],
    "Bidirectional": ["layer", "merge_mode", "weights", "backward_layer"],
}

for _alias, _of in {"Convolution2D": "Conv2D", "MaxPool2D": "MaxPooling2D",
                    "AvgPool2D": "AveragePooling2D",
                    "GlobalAvgPool2D": "GlobalAveragePooling2D",
                    "GlobalMaxPool2D": "GlobalMaxPooling2D"}.items():
    _POSITIONAL[_alias] = _POSITIONAL[_of]


def _config_of(class_name, args, kwargs):
    names = _POSITIONAL.get(class_name, [])
    if len(args) > len(names):
        raise TypeError(f"{class_name}() takes {len(names)} positional "
                        f"arguments but {len(args)} were given")
    config = dict(zip(names, args))
    for key, value in kwargs.items():
        if key in config:
            raise TypeError(f"{class_name}() got multiple values for argument '{key}'")
        config[key] = value
    # Keras's base-layer shape arguments, as its configs record them.
    shape = config.pop("input_shape", None)
    batch = config.pop("batch_size", None)
    if class_name != "Embedding" and "input_dim" in config:
        shape = (config.pop("input_dim"),)
    if shape is not None:
        if isinstance(shape, int):
            shape = (shape,)
        config["batch_input_shape"] = [batch] + list(shape)
    return {k: to_config(v) for k, v in config.items()}


class Layer(WeightsAccess):
    """A Kiln layer. Made by the classes below; calling it on a KerasTensor
    (from Input or another layer) builds a functional graph."""

    _class_name = None

    def __init__(self, *args, **kwargs):
        if self._class_name is None:
            raise TypeError("keras.layers.Layer cannot be subclassed in Kiln yet: "
                            "use the built-in layers")
        config = _config_of(self._class_name, args, kwargs)
        self._impl = _kiln.make_layer(self._class_name, json.dumps(config))

    @classmethod
    def _wrap(cls, impl):
        layer = object.__new__(_CLASSES.get(impl.class_name, Layer))
        layer._impl = impl
        return layer

    @property
    def name(self):
        return self._impl.name

    def get_config(self):
        return json.loads(self._impl.get_config_json())

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _kiln_config(self):
        return {"class_name": self._impl.class_name, "config": self.get_config()}

    def count_params(self):
        return self._impl.count_params()

    def __call__(self, inputs):
        if isinstance(inputs, (list, tuple)):
            return self._impl.call(list(inputs))
        if not isinstance(inputs, _kiln.KerasTensor):
            raise TypeError(f"layer '{self.name}' is called on "
                            f"{type(inputs).__name__}: Kiln layers are called on "
                            "the tensors of Input() or of other layers "
                            "(use a model's predict for arrays)")
        return self._impl.call(inputs)

    def __repr__(self):
        return f"<{self._impl.class_name} name={self.name}>"


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=False,
          tensor=None, ragged=False, batch_shape=None):
    """keras.Input: the symbolic input of a functional model."""
    if batch_shape is not None:
        batch_size, shape = batch_shape[0], batch_shape[1:]
    if shape is None:
        raise ValueError("Input() needs shape= (or batch_shape=)")
    if isinstance(shape, int):
        shape = (shape,)
    if sparse or ragged or tensor is not None:
        raise ValueError("Input(): sparse, ragged and tensor= are not supported by Kiln")
    if dtype not in (None, "float32", "int32", "int64"):
        raise ValueError(f"Input(): dtype {dtype!r} is not supported by Kiln")
    return _kiln.input([int(d) for d in shape], name or "", int(batch_size or 0))


_CLASSES = {}
for _name in _kiln.supported_layers():
    _CLASSES[_name] = type(_name, (Layer,), {"_class_name": _name,
                                             "__module__": __name__})
    globals()[_name] = _CLASSES[_name]
del _name

__all__ = ["Layer", "Input"] + sorted(_CLASSES)
