"""keras.activations, by name: given to a layer (``activation=
keras.activations.relu``) they name the activation Kiln compiles."""

from ._config import named_builtin

_NAMES = ["relu", "sigmoid", "softmax", "tanh", "linear", "elu", "selu",
          "softplus", "softsign", "swish", "gelu", "exponential", "hard_sigmoid",
          "leaky_relu", "relu6", "silu", "log_softmax", "mish"]

for _n in _NAMES:
    globals()[_n] = named_builtin("activations", _n)


def get(identifier):
    return globals()[identifier] if isinstance(identifier, str) else identifier


__all__ = _NAMES + ["get"]
