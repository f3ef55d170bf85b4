"""Geometric self-ensemble: average the de-augmented outputs of flips/rotations.

`size=4` uses the identity, the vertical flip, the horizontal flip and both
(= a 180 degree rotation); `size=8` adds their transposes, which give the
90 and 270 degree rotations and the two diagonal mirrors, i.e. all eight
symmetries of the square. MIMO-UNet+ with `size=8` is MIMO-UNet++.

Each augmented batch is run separately (memory stays that of one call) and
undone on the output; the outputs are summed pairwise, so averaging equal
outputs is exact.

Example:
>>> import numpy as np
>>> x = np.random.rand(1, 8, 12, 3).astype("float32")
>>> y = self_ensemble(lambda batch: batch, x, size=8)  # identity "model"
>>> bool((ops.convert_to_numpy(y) == x).all())
True
"""

from collections.abc import Callable
from typing import NamedTuple

from keras import ops

ENSEMBLE_SIZES = (1, 4, 8)


class Transform(NamedTuple):
    """A symmetry of the square: transpose H/W first, then flip H and/or W."""

    transpose: bool
    flip_rows: bool
    flip_columns: bool


def ensemble_transforms(size: int) -> list[Transform]:
    """The `size` (1, 4 or 8) transforms of a self-ensemble."""
    if size not in ENSEMBLE_SIZES:
        raise ValueError(f"ensemble must be one of {ENSEMBLE_SIZES}, got {size!r}")
    transforms = [
        Transform(transpose, flip_rows, flip_columns)
        for transpose in (False, True)
        for flip_rows in (False, True)
        for flip_columns in (False, True)
    ]
    return transforms[:size]


def apply_transform(images, transform: Transform):
    """Applies `transform` to a `(N, H, W, C)` batch."""
    if transform.transpose:
        images = ops.transpose(images, (0, 2, 1, 3))
    if transform.flip_rows:
        images = ops.flip(images, axis=1)
    if transform.flip_columns:
        images = ops.flip(images, axis=2)
    return images


def invert_transform(images, transform: Transform):
    """Undoes `apply_transform(images, transform)`."""
    if transform.flip_columns:
        images = ops.flip(images, axis=2)
    if transform.flip_rows:
        images = ops.flip(images, axis=1)
    if transform.transpose:
        images = ops.transpose(images, (0, 2, 1, 3))
    return images


def _pairwise_sum(values: list):
    while len(values) > 1:
        pairs = [ops.add(a, b) for a, b in zip(values[::2], values[1::2], strict=False)]
        values = pairs + ([values[-1]] if len(values) % 2 else [])
    return values[0]


def self_ensemble(predict: Callable, images, size: int = 1):
    """Mean of `invert(predict(transform(images)))` over the ensemble.

    Args:
        predict: maps a `(N, H, W, 3)` batch to a same-shape output.
        images: `(N, H, W, 3)` batch (numpy or backend tensor).
        size: 1 (no ensemble), 4 (flips) or 8 (flips and rotations).

    Returns:
        A backend tensor like `predict(images)`.
    """
    transforms = ensemble_transforms(size)
    images = ops.convert_to_tensor(images)
    outputs = [
        invert_transform(predict(apply_transform(images, t)), t) for t in transforms
    ]
    if len(outputs) == 1:
        return outputs[0]
    return ops.divide(_pairwise_sum(outputs), float(len(outputs)))
