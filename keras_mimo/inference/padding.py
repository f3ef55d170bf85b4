"""Padding images to the size multiple the network needs, and cropping back."""

import numpy as np

#: MIMO-UNet downsamples twice by 2: H and W must be divisible by 4.
SIZE_MULTIPLE = 4


def pad_to_multiple(images: np.ndarray, multiple: int = SIZE_MULTIPLE) -> np.ndarray:
    """Reflect-pads the bottom and right of `(N, H, W, C)` up to a multiple.

    numpy's `"reflect"` mode reflects repeatedly when the padding is larger
    than the image and repeats a 1-pixel axis, so every size works, 1x1
    included (it becomes a 4x4 constant image). Padding only the bottom and
    right keeps the image origin on the network's downsampling grid.

    Example:
    >>> pad_to_multiple(np.ones((1, 1, 1, 3))).shape
    (1, 4, 4, 3)
    >>> pad_to_multiple(np.ones((2, 8, 9, 3))).shape
    (2, 8, 12, 3)
    """
    height, width = images.shape[1:3]
    pad_h, pad_w = -height % multiple, -width % multiple
    if not pad_h and not pad_w:
        return images
    return np.pad(images, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="reflect")


def crop_to(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Crops `(N, H', W', C)` back to the top-left `height x width`."""
    return images[:, :height, :width]
