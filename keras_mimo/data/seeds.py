"""Seeds for reproducible pipelines.

All randomness of the pipelines comes from stateless TensorFlow ops and
seeded NumPy generators, keyed by the user's seed, so the same seed gives
the same batches whatever the TensorFlow or Keras global seed is.
"""

import secrets

import numpy as np
import tensorflow as tf


def resolve_seed(seed: int | None) -> int:
    """`seed`, or a fresh random one when `None`."""
    return secrets.randbits(31) if seed is None else int(seed)


def derive_seed(seed: int, *salt: int | str) -> int:
    """A new 31-bit seed from `seed` and a salt (e.g. a source index)."""
    words = [int(seed) & 0xFFFFFFFF]
    for item in salt:
        if isinstance(item, str):
            words += list(item.encode())
        else:
            words.append(int(item) & 0xFFFFFFFF)
    return int(np.random.SeedSequence(words).generate_state(1)[0] >> 1)


def element_seed(seed: int, index: tf.Tensor) -> tf.Tensor:
    """The `[2]` int64 stateless-op seed of element `index` of a stream."""
    return tf.stack([tf.constant(seed, tf.int64), tf.cast(index, tf.int64)])


def index_stream(
    size: int, seed: int, shuffle: bool = False, repeat: bool = False
) -> tf.data.Dataset:
    """Indices `0..size-1`: per-epoch stateless shuffles when asked, forever if `repeat`."""

    def epoch(number):
        indices = tf.range(size, dtype=tf.int64)
        if shuffle:
            indices = tf.random.experimental.stateless_shuffle(
                indices, seed=element_seed(seed, number)
            )
        return tf.data.Dataset.from_tensor_slices(indices)

    epochs = tf.data.Dataset.counter() if repeat else tf.data.Dataset.range(1)
    return epochs.flat_map(epoch)


def block_shuffle(dataset: tf.data.Dataset, block: int, seed: int) -> tf.data.Dataset:
    """Shuffles elements within consecutive blocks of `block`, statelessly.

    A seeded stand-in for `Dataset.shuffle(block)` that does not depend on the
    TensorFlow global seed (the last, partial block is shuffled too).
    """
    blocks = tf.data.Dataset.zip(dataset.batch(block), tf.data.Dataset.counter())

    def shuffled(items, number):
        size = tf.shape(tf.nest.flatten(items)[0])[0]
        order = tf.random.experimental.stateless_shuffle(
            tf.range(size), seed=element_seed(seed, number)
        )
        picked = tf.nest.map_structure(lambda x: tf.gather(x, order), items)
        return tf.data.Dataset.from_tensor_slices(picked)

    return blocks.flat_map(shuffled)
