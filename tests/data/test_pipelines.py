import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_mimo.data import (
    FilePairSource,
    folder_pairs,
    training_dataset,
    validation_dataset,
    with_model_targets,
)
from tests.data.conftest import save


def batches(dataset, count):
    return [tuple(x.numpy() for x in batch) for batch in dataset.take(count)]


@pytest.mark.once
def test_same_seed_same_batches(small_pairs):
    source = FilePairSource(folder_pairs(small_pairs / "blur", small_pairs / "sharp"))
    first = batches(training_dataset(source, crop=32, batch_size=2, seed=7), 3)
    tf.random.set_seed(1234)  # the global seed must not matter
    second = batches(training_dataset(source, crop=32, batch_size=2, seed=7), 3)
    other = batches(training_dataset(source, crop=32, batch_size=2, seed=8), 3)
    for (b1, s1), (b2, s2) in zip(first, second, strict=True):
        np.testing.assert_array_equal(b1, b2)
        np.testing.assert_array_equal(s1, s2)
    assert not all(
        np.array_equal(a[0], b[0]) for a, b in zip(first, other, strict=True)
    )
    blur, sharp = first[0]
    assert blur.shape == sharp.shape == (2, 32, 32, 3) and blur.dtype == np.float32
    assert 0 <= blur.min() and blur.max() <= 1


@pytest.mark.once
def test_crops_and_flips_are_aligned(small_pairs):
    # Blur and sharp from the same files: any misalignment would show.
    same = FilePairSource(folder_pairs(small_pairs / "sharp", small_pairs / "sharp"))
    for blur, sharp in batches(
        training_dataset(same, crop=(40, 40), batch_size=4, seed=0), 4
    ):
        np.testing.assert_array_equal(blur, sharp)
    # And with a real blur: still the blur of the very same window.
    pairs = FilePairSource(folder_pairs(small_pairs / "blur", small_pairs / "sharp"))
    blur, sharp = batches(
        training_dataset(pairs, crop=(40, 40), batch_size=4, seed=0), 1
    )[0]
    assert np.abs(blur.mean((1, 2, 3)) - sharp.mean((1, 2, 3))).max() < 0.05


@pytest.mark.once
def test_mixing_by_weight_and_small_images(tmp_path):
    for name, value in (("dark", 0), ("light", 255)):
        save(tmp_path / name / "a.png", np.full((20, 24, 3), value, np.uint8))  # < crop
    dark = FilePairSource(folder_pairs(tmp_path / "dark", tmp_path / "dark"))
    light = FilePairSource(folder_pairs(tmp_path / "light", tmp_path / "light"))
    dataset = training_dataset(
        [(dark, 3.0), (light, 1.0)], crop=32, batch_size=50, seed=1, augment=False
    )
    blur, _ = batches(dataset, 1)[0]
    assert blur.shape == (50, 32, 32, 3)
    light_share = (blur.mean((1, 2, 3)) > 0.5).mean()
    assert 0.1 < light_share < 0.45  # expected 0.25


@pytest.mark.once
def test_validation_pads_whole_images(tmp_path):
    image = np.random.default_rng(0).integers(0, 256, (30, 38, 3), dtype=np.uint8)
    save(tmp_path / "b" / "x.png", image)
    save(tmp_path / "s" / "x.png", image)
    save(tmp_path / "b" / "y.png", image)
    save(tmp_path / "s" / "y.png", image)
    source = FilePairSource(folder_pairs(tmp_path / "b", tmp_path / "s"))
    items = batches(validation_dataset((source, 1.0)), 10)
    assert len(items) == 2  # finite
    # ... and counted, so Keras's fit does not warn that it "ran out of data".
    assert int(validation_dataset(source).cardinality()) == 2
    assert int(validation_dataset(source, max_examples=1).cardinality()) == 1
    blur, sharp = items[0]
    assert blur.shape == sharp.shape == (1, 32, 40, 3)
    np.testing.assert_allclose(blur[0, :30, :38], image / 255.0, atol=1e-7)
    targets = next(iter(with_model_targets(validation_dataset(source))))[1]
    assert isinstance(targets, tuple) and len(targets) == 3


def test_pipeline_feeds_a_keras_model(small_pairs):
    """Runs on every backend: the tf.data pipeline feeds JAX/torch models too."""
    source = FilePairSource(folder_pairs(small_pairs / "blur", small_pairs / "sharp"))
    train = with_model_targets(training_dataset(source, crop=32, batch_size=2, seed=0))
    inputs = keras.Input((32, 32, 3))
    outputs = [
        keras.layers.Conv2D(3, 3, padding="same", name=f"out{i}")(inputs)
        for i in range(3)
    ]
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=["mae", "mae", "mae"])
    history = model.fit(train, steps_per_epoch=2, epochs=1, shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.once
def test_flips_and_rotations_cover_the_symmetries():
    from keras_mimo.data.augment import random_flip_rotate_pair

    image = tf.reshape(tf.range(9 * 3, dtype=tf.float32), [3, 3, 3])
    seen, flips_only = set(), set()
    for seed in range(48):
        blur, sharp = random_flip_rotate_pair(image, image + 1, tf.constant([seed, 0]))
        np.testing.assert_array_equal(blur + 1, sharp)
        seen.add(blur.numpy().tobytes())
        flipped, _ = random_flip_rotate_pair(
            image, image, tf.constant([seed, 0]), rotate=False
        )
        flips_only.add(flipped.numpy().tobytes())
    assert len(seen) == 8 and len(flips_only) == 2
