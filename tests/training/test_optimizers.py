"""Gradient accumulation (`fit.py --accumulate`): N batches make one update."""

import keras
import numpy as np
import pytest

from keras_mimo import MIMOLoss
from keras_mimo.training.optimizers import accumulation_steps, training_optimizer
from tests.test_case import tiny_model


def compiled(accumulate):
    keras.utils.set_random_seed(3)
    model = tiny_model()
    model.compile(optimizer=training_optimizer(1e-3, 0.9, accumulate), loss=MIMOLoss())
    return model


def pairs(count):
    rng = np.random.default_rng(0)
    sharp = rng.random((count, 32, 32, 3), dtype="float32")
    blur = (sharp + np.roll(sharp, 2, axis=2)) / 2
    return blur, sharp


def targets(model, sharp):
    """The loss's targets: the sharp image at each of the model's scales."""
    return [keras.ops.image.resize(sharp, o.shape[1:3]) for o in model(sharp[:1])]


def test_two_accumulated_batches_make_the_update_of_one_twice_as_large(tmp_path):
    blur, sharp = pairs(4)
    whole = compiled(1)
    whole.train_on_batch(blur, targets(whole, sharp))

    halves = compiled(2)
    start = [w.copy() for w in halves.get_weights()]
    halves.train_on_batch(blur[:2], targets(halves, sharp[:2]))
    # The first batch only adds to the accumulators; the weights wait.
    for before, after in zip(start, halves.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    # A checkpoint taken between the two batches keeps what was accumulated.
    halves.save(tmp_path / "half.keras")
    resumed = keras.saving.load_model(tmp_path / "half.keras")
    assert accumulation_steps(resumed) == 2
    for model in (halves, resumed):
        model.train_on_batch(blur[2:], targets(model, sharp[2:]))
        assert int(model.optimizer.iterations) == 1  # schedules count updates
        for got, want in zip(model.get_weights(), whole.get_weights(), strict=True):
            np.testing.assert_allclose(got, want, atol=2e-6)
    # The weights moved: the comparison above is not between two untouched models.
    moved = zip(start, whole.get_weights(), strict=True)
    assert max(np.abs(a - b).max() for a, b in moved) > 1e-4


def test_accumulate_must_be_a_positive_count():
    with pytest.raises(ValueError, match="at least 1, got 0"):
        training_optimizer(1e-3, accumulate=0)
