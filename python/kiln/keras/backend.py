"""keras.backend: Kiln's session and settings, and the ops custom metrics
and losses are written with (``def mean_pred(y_true, y_pred): return
K.mean(y_pred)``): compile calls the function once on symbolic tensors and
these ops build it into the compiled step."""

from .. import _kiln


def clear_session():
    """Resets the automatic layer and model names."""
    _kiln.clear_session()


def epsilon():
    return _kiln.epsilon()


def floatx():
    return "float32"


def image_data_format():
    return "channels_last"


def _tensor(x):
    """A SymbolicTensor, or a Python number as a 0-d constant."""
    if isinstance(x, _kiln.SymbolicTensor):
        return x
    if isinstance(x, (bool, int, float)) or hasattr(x, "__float__"):
        return _kiln.op_constant(float(x))
    raise TypeError(f"expected a tensor of the model (y_true, y_pred or an op on "
                    f"them) or a number, got {type(x).__name__}")


def mean(x, axis=None, keepdims=False):
    return _kiln.op_mean(x, axis, keepdims)


def sum(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    return _kiln.op_sum(x, axis, keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    return _kiln.op_max(x, axis, keepdims)


def square(x):
    return _kiln.op_square(x)


def abs(x):  # noqa: A001 (Keras's name)
    return _kiln.op_abs(x)


def exp(x):
    return _kiln.op_exp(x)


def log(x):
    return _kiln.op_log(x)


def sqrt(x):
    """sqrt(max(x, 0)), as Keras's backend clips."""
    return _kiln.op_sqrt(x)


def relu(x):
    return _kiln.op_relu(x)


def sigmoid(x):
    return _kiln.op_sigmoid(x)


def tanh(x):
    return _kiln.op_tanh(x)


def softmax(x, axis=-1):
    return _kiln.op_softmax(x, axis)


def clip(x, min_value, max_value):
    return _kiln.op_clip(x, float(min_value), float(max_value))


def maximum(x, y):
    return _kiln.op_maximum(_tensor(x), _tensor(y))


def minimum(x, y):
    return _kiln.op_minimum(_tensor(x), _tensor(y))


def argmax(x, axis=-1):
    """The index of the first maximum along `axis`, held as a float (Kiln's
    tensors are float32); it compares with equal() as Keras's int64 does."""
    return _kiln.op_argmax(x, axis)


def equal(x, y):
    """1.0 where x == y, else 0.0 (Keras gives booleans; cast() them)."""
    return _kiln.op_equal(_tensor(x), _tensor(y))


def not_equal(x, y):
    return _kiln.op_not_equal(_tensor(x), _tensor(y))


def greater(x, y):
    return _kiln.op_greater(_tensor(x), _tensor(y))


def greater_equal(x, y):
    return _kiln.op_greater_equal(_tensor(x), _tensor(y))


def less(x, y):
    return _kiln.op_less(_tensor(x), _tensor(y))


def less_equal(x, y):
    return _kiln.op_less_equal(_tensor(x), _tensor(y))


_FLOATS = {"float16", "float32", "float64", "bfloat16"}


def cast(x, dtype):
    """Kiln's tensors are float32 and comparisons already give 0.0 and 1.0,
    so a cast to a float type or bool of such values keeps them; a cast
    to an integer type, which would truncate, is refused."""
    name = getattr(dtype, "__name__", None) or getattr(dtype, "name", None) or str(dtype)
    if name in _FLOATS or name in ("float", "bool"):
        return x if name != "bool" else not_equal(x, 0.0)
    raise ValueError(f"cast to {name}: Kiln's tensors are float32; cast to "
                     f"'float32' (comparisons already give 0.0 and 1.0)")


__all__ = ["clear_session", "epsilon", "floatx", "image_data_format", "mean", "sum",
           "max", "square", "abs", "exp", "log", "sqrt", "relu", "sigmoid", "tanh",
           "softmax", "clip", "maximum", "minimum", "argmax", "equal", "not_equal",
           "greater", "greater_equal", "less", "less_equal", "cast"]
