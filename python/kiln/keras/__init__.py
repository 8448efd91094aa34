"""keras, compiled: ``from kiln import keras`` in place of
``from tensorflow import keras``."""

from . import (activations, backend, callbacks, datasets, initializers, layers,
               losses, metrics, models, optimizers, preprocessing, utils)
from .layers import Input
from .models import Model, Sequential

__all__ = ["activations", "backend", "callbacks", "datasets", "initializers",
           "layers", "losses", "metrics", "models", "optimizers",
           "preprocessing", "utils", "Input", "Model", "Sequential"]
