"""Float16 weight files load back into float32 models on every backend."""

import h5py
import keras
import numpy as np
import pytest

from keras_mimo.utils.half_weights import store_weights_as_float16
from tests.test_case import tiny_model


def test_float16_file_restores_float32_weights(tmp_path):
    model = tiny_model()
    path = tmp_path / "model.weights.h5"
    model.save_weights(path)
    size = path.stat().st_size
    converted = store_weights_as_float16(path)
    assert converted == len(model.weights)
    assert path.stat().st_size < 0.75 * size
    with h5py.File(path) as f:
        dtypes = set()
        f.visititems(
            lambda n, i: dtypes.add(i.dtype) if isinstance(i, h5py.Dataset) else None
        )
    assert dtypes == {np.dtype("float16")}
    restored = tiny_model()
    restored.load_weights(path)
    for original, loaded in zip(model.weights, restored.weights, strict=True):
        value = keras.ops.convert_to_numpy(loaded.value)
        assert value.dtype == np.float32
        expected = keras.ops.convert_to_numpy(original.value)
        np.testing.assert_array_equal(value, expected.astype(np.float16))


def test_values_beyond_float16_are_refused(tmp_path):
    model = tiny_model()
    model.get_layer("head_full").weights[1].assign(keras.ops.full((3,), 1e6))
    path = tmp_path / "model.weights.h5"
    model.save_weights(path)
    with pytest.raises(ValueError, match="exceeds the float16 range"):
        store_weights_as_float16(path)
