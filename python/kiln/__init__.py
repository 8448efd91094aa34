"""Kiln: a Keras-style model compiler. ``from kiln import keras`` gives
Keras's API on Kiln's compiled steps; ``import kiln as tf`` serves the
``tf.keras.*`` and ``tf.optimizers.*`` spellings of the tutorials."""

from . import config, keras
from .keras import activations, losses, metrics, optimizers

__version__ = "0.1.0"

__all__ = ["config", "keras", "activations", "losses", "metrics", "optimizers"]
