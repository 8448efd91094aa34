"""kiln.config's devices: the CPU listed first, set_device's names and
errors, and a model trained where set_device says (the GPU's own run is
scripts/gpu-check.sh's: without one, asking for it is a ValueError that
carries the driver's reason)."""

import numpy as np
import pytest

import kiln
from kiln import keras


def test_cpu_is_listed_first():
    devices = kiln.config.list_physical_devices()
    assert devices[0] == kiln.config.PhysicalDevice("/physical_device:CPU:0", "CPU")
    gpus = kiln.config.list_physical_devices("GPU")
    assert all(d.device_type == "GPU" for d in gpus)
    assert len(devices) == 1 + len(gpus)
    assert "cores" in kiln.config.describe_devices()["cpu:0"]


def test_set_device_names_and_errors():
    try:
        kiln.config.set_device("cpu")
        assert kiln.config.get_device() == "cpu"
        with pytest.raises(ValueError, match="unknown device 'tpu'"):
            kiln.config.set_device("tpu")
        if not kiln.config.list_physical_devices("GPU"):
            with pytest.raises(ValueError, match="no CUDA device"):
                kiln.config.set_device("gpu")
        assert kiln.config.get_device() == "cpu"  # a refused name changes nothing
    finally:
        kiln.config.set_device("")
    assert kiln.config.get_device() == ""


def test_model_trains_on_the_chosen_device():
    kiln.config.set_device("auto")
    try:
        model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
        model.compile(optimizer="sgd", loss="mse")
        x = np.ones((8, 3), np.float32)
        history = model.fit(x, np.zeros((8, 2), np.float32), epochs=2, verbose=0)
        assert len(history.history["loss"]) == 2
        assert history.history["loss"][1] < history.history["loss"][0]
    finally:
        kiln.config.set_device("")


def test_float32_matmul_precision_names_and_errors(monkeypatch):
    monkeypatch.delenv("KILN_FLOAT32_MATMUL_PRECISION", raising=False)
    assert kiln.config.get_float32_matmul_precision() == "highest"
    try:
        kiln.config.set_float32_matmul_precision("high")
        assert kiln.config.get_float32_matmul_precision() == "high"
        with pytest.raises(ValueError, match="unknown float32 matmul precision 'medium'"):
            kiln.config.set_float32_matmul_precision("medium")
        assert kiln.config.get_float32_matmul_precision() == "high"
    finally:
        kiln.config.set_float32_matmul_precision("")
    monkeypatch.setenv("KILN_FLOAT32_MATMUL_PRECISION", "high")
    assert kiln.config.get_float32_matmul_precision() == "high"
