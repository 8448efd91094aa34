"""keras.activations, by name: given to a layer (``activation=
keras.activations.relu``) they name the activation Kiln compiles."""

_NAMES = ["relu", "sigmoid", "softmax", "tanh", "linear", "elu", "selu",
          "softplus", "softsign", "swish", "gelu", "exponential", "hard_sigmoid",
          "leaky_relu", "relu6", "silu", "log_softmax", "mish"]


def _named(name):
    def activation(x, *args, **kwargs):
        raise NotImplementedError(
            f"keras.activations.{name} is compiled into a layer when given as "
            "its activation; Kiln does not evaluate it on arrays in Python")
    activation.__name__ = name
    activation.__qualname__ = name
    activation._kiln_builtin = True
    return activation


for _n in _NAMES:
    globals()[_n] = _named(_n)


def get(identifier):
    return globals()[identifier] if isinstance(identifier, str) else identifier


__all__ = _NAMES + ["get"]
