"""keras.backend: Kiln's session and settings."""

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


__all__ = ["clear_session", "epsilon", "floatx", "image_data_format"]
