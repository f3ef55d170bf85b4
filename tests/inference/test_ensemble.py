import numpy as np
import pytest
from keras import ops

from keras_mimo.inference.ensemble import (
    apply_transform,
    ensemble_transforms,
    invert_transform,
    self_ensemble,
)


def test_transforms_are_the_eight_symmetries():
    x = np.arange(2 * 4 * 4 * 1, dtype="float32").reshape(2, 4, 4, 1)
    seen = set()
    for t in ensemble_transforms(8):
        y = ops.convert_to_numpy(apply_transform(x, t))
        seen.add(y.tobytes())
        back = ops.convert_to_numpy(invert_transform(y, t))
        np.testing.assert_array_equal(back, x)
    assert len(seen) == 8
    assert ensemble_transforms(4) == ensemble_transforms(8)[:4]
    with pytest.raises(ValueError, match="ensemble"):
        ensemble_transforms(2)


@pytest.mark.parametrize("size", [1, 4, 8])
def test_identity_model_is_returned_exactly(size):
    x = np.random.default_rng(0).random((2, 8, 12, 3)).astype("float32")
    y = ops.convert_to_numpy(self_ensemble(lambda batch: batch, x, size))
    np.testing.assert_array_equal(y, x)


def test_outputs_are_de_augmented_before_averaging():
    """A model that is not flip-equivariant: cumulative sum along the width."""
    x = np.random.default_rng(1).random((1, 4, 8, 3)).astype("float32")

    def model(batch):
        return ops.cumsum(batch, axis=2)

    cumsum_w = np.cumsum(x, axis=2)
    cumsum_w_reversed = np.cumsum(x[:, :, ::-1], axis=2)[:, :, ::-1]
    expected = (cumsum_w + cumsum_w_reversed) / 2  # flip-rows leaves cumsum_w alone
    y = ops.convert_to_numpy(self_ensemble(model, x, 4))
    np.testing.assert_allclose(y, expected, rtol=1e-6)
