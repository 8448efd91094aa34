"""keras.backend: Kiln's session and settings, and the ops a custom metric
is written with (``def mean_pred(y_true, y_pred): return K.mean(y_pred)``):
compile calls the metric once on symbolic tensors and these ops build it
into the compiled step."""

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


def _reduce(op, x, axis, keepdims):
    if keepdims:
        raise ValueError("keepdims=True is not supported by Kiln's metric ops yet")
    return op(x, axis)


def mean(x, axis=None, keepdims=False):
    return _reduce(_kiln.op_mean, x, axis, keepdims)


def sum(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    return _reduce(_kiln.op_sum, x, axis, keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    return _reduce(_kiln.op_max, x, axis, keepdims)


def square(x):
    return _kiln.op_square(x)


def abs(x):  # noqa: A001 (Keras's name)
    return _kiln.op_abs(x)


def exp(x):
    return _kiln.op_exp(x)


def log(x):
    return _kiln.op_log(x)


__all__ = ["clear_session", "epsilon", "floatx", "image_data_format", "mean", "sum",
           "max", "square", "abs", "exp", "log"]
