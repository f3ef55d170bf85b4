"""Random crops, flips and 90-degree rotations applied identically to a pair.

The blur and sharp images are stacked into one `(2, H, W, 3)` tensor, so the
crop window and the flips are the same for both by construction. All ops are
stateless TensorFlow ops keyed by an explicit `[2]` seed.

Keras' `RandomCrop`/`RandomFlip` are not used: their seed is an integer or a
`SeedGenerator`, not a per-example seed tensor, so a parallel `tf.data` map
would no longer be reproducible; `RandomFlip` draws a flip per batch entry (a
stacked pair would be flipped apart); `RandomCrop` resizes images smaller than
the crop instead of mirror-padding them; and there is no 90-degree rotation.
"""

import tensorflow as tf

from keras_mimo.images.padding import pad_at_least_tensor


def random_crop_pair(
    blur: tf.Tensor, sharp: tf.Tensor, size: tuple[int, int], seed: tf.Tensor
) -> tuple[tf.Tensor, tf.Tensor]:
    """The same random `size` crop of both images (mirror-padded if smaller).

    Example:
    >>> b, s = random_crop_pair(tf.zeros([300, 400, 3]), tf.ones([300, 400, 3]),
    ...                         (256, 256), seed=tf.constant([1, 2]))
    >>> b.shape
    TensorShape([256, 256, 3])
    """
    stacked = pad_at_least_tensor(tf.stack([blur, sharp]), size[0], size[1])
    stacked = tf.image.stateless_random_crop(
        stacked, [2, size[0], size[1], 3], seed=seed
    )
    return stacked[0], stacked[1]


def random_flip_rotate_pair(
    blur: tf.Tensor, sharp: tf.Tensor, seed: tf.Tensor, rotate: bool = True
) -> tuple[tf.Tensor, tf.Tensor]:
    """The same random horizontal flip and rotation by k x 90 degrees of both.

    With `rotate` (square images only) this draws one of the 8 symmetries of
    the square uniformly; without it, only the horizontal flip (the official
    MIMO-UNet recipe).
    """
    flip_seed, turn_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    stacked = tf.stack([blur, sharp])
    flip = tf.random.stateless_uniform([], flip_seed) < 0.5
    stacked = tf.cond(flip, lambda: tf.reverse(stacked, [2]), lambda: stacked)
    if rotate:
        turns = tf.random.stateless_uniform([], turn_seed, 0, 4, dtype=tf.int32)
        stacked = tf.image.rot90(stacked, turns)
    return stacked[0], stacked[1]
