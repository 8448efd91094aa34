"""NumPy in and out: aligned float32 arrays viewed in place, others
converted once; outputs are arrays over Kiln's own memory."""

import gc
import sys

import numpy as np
import pytest

from kiln import _kiln, keras


def aligned(shape, dtype=np.float32):
    """An array whose data starts on a 64-byte boundary."""
    n = int(np.prod(shape)) * np.dtype(dtype).itemsize
    raw = np.zeros(n + 64, dtype=np.uint8)
    offset = (-raw.ctypes.data) % 64
    return raw[offset:offset + n].view(dtype).reshape(shape)


def test_views_and_conversions():
    a = aligned((5, 3))
    a[:] = np.arange(15).reshape(5, 3)
    assert _kiln.shares_memory(a)
    assert not _kiln.shares_memory(a.astype(np.float64))   # converted
    assert not _kiln.shares_memory(a[:, :2])               # not contiguous
    assert not _kiln.shares_memory(a[1:])                  # off the boundary
    np.testing.assert_array_equal(_kiln.as_array(a[:, :2]), a[:, :2])
    assert _kiln.as_array(np.arange(4, dtype=np.float64)).dtype == np.float32
    assert _kiln.as_array(np.arange(4, dtype=np.int16)).dtype == np.int64
    assert _kiln.as_array(np.arange(4, dtype=np.uint8)).dtype == np.uint8
    assert _kiln.as_array(np.array([True, False])).dtype == np.float32
    assert _kiln.as_array([[1.5, 2], [3, 4]]).shape == (2, 2)
    with pytest.raises(TypeError, match="holds <U1 values, not numbers"):
        _kiln.as_array(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="holds object values, not numbers"):
        _kiln.as_array(object())


def test_outputs_own_their_memory():
    model = keras.Sequential([keras.layers.Dense(4, input_shape=(3,))])
    x = aligned((8, 3))
    out = model.predict(x)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == (8, 4)
    assert out.flags.c_contiguous
    w = model.get_weights()
    assert [v.shape for v in w] == [(3, 4), (4,)]
    np.testing.assert_allclose(out, x @ w[0] + w[1], atol=1e-6)
    del model
    gc.collect()
    assert out.sum() == out.sum()  # still readable after the model is gone


def test_weights_round_trip():
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    new = [np.arange(6, dtype=np.float64).reshape(3, 2), np.array([1.0, -1.0])]
    model.set_weights(new)
    got = model.get_weights()
    for g, n in zip(got, new):
        np.testing.assert_array_equal(g, n.astype(np.float32))
    np.testing.assert_allclose(model.predict(np.ones((1, 3))), [[7.0, 8.0]])
    with pytest.raises(ValueError, match="shape"):
        model.set_weights([np.zeros((2, 2)), np.zeros(2)])


def test_no_leak_over_many_predicts():
    model = keras.Sequential([keras.layers.Dense(4, input_shape=(3,))])
    x = aligned((1, 3))
    before = sys.getrefcount(x)
    outs = [model.predict(x) for _ in range(1000)]
    del outs
    gc.collect()
    assert sys.getrefcount(x) == before
    # Each output releases Kiln's buffer with it: the count of live arrays
    # over Kiln memory returns to what it was.
    import tracemalloc
    tracemalloc.start()
    for _ in range(1000):
        model.predict(x)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert size < 200_000, size


def test_type_stubs_list_every_layer():
    # layers.pyi tells editors the classes layers.py makes at import time.
    import pathlib
    import re
    stub = (pathlib.Path(keras.__file__).parent / "layers.pyi").read_text()
    listed = set(re.findall(r"^class (\w+)\(Layer\)", stub, re.M))
    assert listed == set(_kiln.supported_layers()) - {"InputLayer"}
    assert (pathlib.Path(keras.__file__).parent.parent / "py.typed").exists()
