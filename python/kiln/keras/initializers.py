"""keras.initializers as objects (strings such as "he_normal" work too)."""

from ._config import Configurable


class Initializer(Configurable):
    pass


def _init(class_name, positional=(), **defaults):
    def __init__(self, *args, **kwargs):
        config = dict(defaults)
        config.update(zip(positional, args))
        for key, value in kwargs.items():
            if key not in defaults:
                raise TypeError(f"{class_name}() got an unexpected keyword argument '{key}'")
            config[key] = value
        Initializer.__init__(self, **config)
    return type(class_name, (Initializer,), {"__init__": __init__, "__module__": __name__})


Zeros = _init("Zeros")
Ones = _init("Ones")
Constant = _init("Constant", ("value",), value=0)
RandomNormal = _init("RandomNormal", ("mean", "stddev", "seed"), mean=0.0, stddev=0.05, seed=None)
RandomUniform = _init("RandomUniform", ("minval", "maxval", "seed"),
                      minval=-0.05, maxval=0.05, seed=None)
GlorotUniform = _init("GlorotUniform", ("seed",), seed=None)
GlorotNormal = _init("GlorotNormal", ("seed",), seed=None)
HeNormal = _init("HeNormal", ("seed",), seed=None)
HeUniform = _init("HeUniform", ("seed",), seed=None)
Orthogonal = _init("Orthogonal", ("gain", "seed"), gain=1.0, seed=None)

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
           "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "Orthogonal"]
