"""A shared TestCase with keras-hub style helpers."""

import json
import pathlib

import keras
import numpy as np

from keras_mimo.models.mimo_unet.mimo_unet import MIMOUNet


def tiny_model(**kwargs) -> MIMOUNet:
    """A small MIMO-UNet for fast tests (same graph, fewer channels/blocks)."""
    return MIMOUNet(**{"num_res": 1, "width": 8, **kwargs})


def to_numpy(x):
    if isinstance(x, (list, tuple)):
        return [to_numpy(v) for v in x]
    return keras.ops.convert_to_numpy(x)


class TestCase:
    """Helpers for round-trip tests; pytest collects subclasses' `test_*`."""

    def assert_allclose(self, actual, expected, atol=1e-6, rtol=0.0):
        """Element-wise closeness of tensors or of lists of tensors."""
        actual, expected = to_numpy(actual), to_numpy(expected)
        if isinstance(actual, list):
            assert len(actual) == len(expected)
            for a, e in zip(actual, expected, strict=True):
                np.testing.assert_allclose(a, e, atol=atol, rtol=rtol)
        else:
            np.testing.assert_allclose(actual, expected, atol=atol, rtol=rtol)

    def run_serialization_test(self, model, tmp_path: pathlib.Path, inputs):
        """`.keras` save/load gives the same config and identical outputs."""
        expected = to_numpy(model(inputs))
        path = tmp_path / "model.keras"
        model.save(path)
        restored = keras.saving.load_model(path)
        assert type(restored) is type(model)
        assert restored.get_config() == model.get_config()
        self.assert_allclose(restored(inputs), expected, atol=0)
        return restored

    def run_preset_test(self, model, tmp_path: pathlib.Path, inputs, metadata=None):
        """`save_to_preset` then `from_preset` gives identical outputs."""
        expected = to_numpy(model(inputs))
        directory = tmp_path / "preset"
        model.save_to_preset(directory, metadata)
        assert {p.name for p in directory.iterdir()} == {
            "config.json",
            "model.weights.h5",
            "metadata.json",
        }
        meta = json.loads((directory / "metadata.json").read_text())
        assert meta["parameters"] == model.count_params()
        restored = type(model).from_preset(directory)
        self.assert_allclose(restored(inputs), expected, atol=0)
        return restored
