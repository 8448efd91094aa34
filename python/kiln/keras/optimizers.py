"""keras.optimizers: SGD, RMSprop, Adam, Adagrad (Keras's arguments and
defaults, ``lr=`` as the old alias of ``learning_rate``)."""

from ._config import Configurable


class Optimizer(Configurable):
    _defaults = {}

    def __init__(self, learning_rate=None, **kwargs):
        if "lr" in kwargs:
            lr = kwargs.pop("lr")
            learning_rate = lr if learning_rate is None else learning_rate
        for key in kwargs:
            if key not in self._defaults and key not in ("name", "decay", "clipnorm",
                                                        "clipvalue", "global_clipnorm",
                                                        "weight_decay", "amsgrad",
                                                        "centered", "use_ema"):
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword "
                                f"argument '{key}'")
        config = dict(self._defaults)
        config.update(kwargs)
        config["learning_rate"] = (self._defaults["learning_rate"]
                                   if learning_rate is None else float(learning_rate))
        super().__init__(**config)
        self._model = None

    def _bind(self, model):
        self._model = model

    @property
    def learning_rate(self):
        if self._model is not None:
            return self._model._impl.learning_rate
        return self._config["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, value):
        if self._model is not None:
            self._model._impl.learning_rate = float(value)
        self._config["learning_rate"] = float(value)

    lr = learning_rate


class SGD(Optimizer):
    _defaults = {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False}

    def __init__(self, learning_rate=None, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, momentum=momentum, nesterov=nesterov, **kwargs)


class RMSprop(Optimizer):
    _defaults = {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7}

    def __init__(self, learning_rate=None, rho=0.9, momentum=0.0, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, rho=rho, momentum=momentum, epsilon=epsilon,
                         **kwargs)


class Adam(Optimizer):
    _defaults = {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         **kwargs)


class Adagrad(Optimizer):
    _defaults = {"learning_rate": 0.001, "initial_accumulator_value": 0.1,
                 "epsilon": 1e-7}

    def __init__(self, learning_rate=None, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate, initial_accumulator_value=initial_accumulator_value,
                         epsilon=epsilon, **kwargs)


class _Loaded(Optimizer):
    """The optimizer of a model load_model compiled from its file."""
    _defaults = {"learning_rate": 0.0}

    def __init__(self, lr):
        super().__init__(lr)


_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adagrad": Adagrad}


def get(identifier):
    """An optimizer from a name ("sgd", "Adam") or an optimizer object."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r} "
                     "(Kiln has SGD, RMSprop, Adam, Adagrad)")


__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "Adagrad", "get"]
