"""Padding images for the network and cropping back: numpy and tensor forms.

Two rules, each in a numpy form (files, inference, verification) and a
TensorFlow form (`tf.data` maps and exported graphs), side by side so they
cannot drift apart:

- `pad_to_multiple` / `pad_to_multiple_tensor`: reflect-pad the bottom and
  right of the image up to the next multiple of `SIZE_MULTIPLE` (the size
  the network needs, defined on the model); `crop_to` undoes it.
- `pad_at_least` / `pad_at_least_tensor`: mirror-pad the bottom and right
  up to at least a given size (crops of images smaller than the crop).

Every function pads the last three axes `(..., H, W, C)`, so one image
`(H, W, C)` and a batch `(N, H, W, C)` both work. TensorFlow is imported
only by the tensor forms.

Example:
>>> import numpy as np
>>> pad_to_multiple(np.ones((1, 5, 8, 3))).shape
(1, 8, 8, 3)
>>> pad_at_least(np.ones((2, 3, 3)), 5, 4).shape
(5, 4, 3)
"""

import numpy as np

from keras_mimo.models.mimo_unet.input_check import SIZE_MULTIPLE


def _paddings(rank: int, pad_h, pad_w) -> list:
    """Paddings for `(..., H, W, C)`: only the bottom of H and right of W."""
    return [[0, 0]] * (rank - 3) + [[0, pad_h], [0, pad_w], [0, 0]]


def padded_size(height: int, width: int, multiple: int = SIZE_MULTIPLE):
    """`(height, width)` rounded up to the multiple `pad_to_multiple` pads to.

    Example:
    >>> padded_size(721, 1280)
    (724, 1280)
    """
    return height + -height % multiple, width + -width % multiple


def pad_to_multiple(images: np.ndarray, multiple: int = SIZE_MULTIPLE) -> np.ndarray:
    """Reflect-pads the bottom and right of `(..., H, W, C)` up to a multiple.

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
    height, width = images.shape[-3:-1]
    pad_h, pad_w = -height % multiple, -width % multiple
    if not pad_h and not pad_w:
        return images
    return np.pad(images, _paddings(images.ndim, pad_h, pad_w), mode="reflect")


def pad_to_multiple_tensor(images, multiple: int = SIZE_MULTIPLE):
    """`pad_to_multiple` with TensorFlow ops, for graphs of unknown size.

    The padding is computed as `(m - x % m) % m`, not `(-x) % m`: ONNX
    converters map the modulo of a negative number to C's truncated
    remainder, which would crop. The trailing reshape restates the static
    channel count: the TFLite converter cannot infer shapes through a pad
    with computed paddings, and a convolution with an unknown input depth
    has no TFLite kernel. TensorFlow's `REFLECT` needs the padding smaller
    than the side, so sides must be at least `multiple` pixels.

    Example:
    >>> import tensorflow as tf
    >>> pad_to_multiple_tensor(tf.zeros([5, 7, 3])).shape
    TensorShape([8, 8, 3])
    """
    import tensorflow as tf

    shape = tf.shape(images)
    height, width = shape[-3], shape[-2]
    pad_h = (multiple - height % multiple) % multiple
    pad_w = (multiple - width % multiple) % multiple
    rank = images.shape.rank
    padded = tf.pad(images, _paddings(rank, pad_h, pad_w), mode="REFLECT")
    new_shape = [shape[i] for i in range(rank - 3)]
    new_shape += [height + pad_h, width + pad_w, images.shape[-1]]
    return tf.reshape(padded, tf.stack(new_shape))


def crop_to(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Crops `(..., H', W', C)` back to the top-left `height x width`."""
    return images[..., :height, :width, :]


def pad_at_least(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Mirror-pads the bottom and right of `(..., H, W, C)` to at least `height x width`.

    Example:
    >>> pad_at_least(np.arange(2.0).reshape(1, 2, 1), 1, 5)[0, :, 0]
    array([0., 1., 1., 0., 0.])
    """
    pad_h = max(0, height - image.shape[-3])
    pad_w = max(0, width - image.shape[-2])
    if not pad_h and not pad_w:
        return image
    return np.pad(image, _paddings(image.ndim, pad_h, pad_w), mode="symmetric")


def pad_at_least_tensor(images, height: int, width: int):
    """`pad_at_least` with TensorFlow ops (mirror padding, bottom/right).

    TensorFlow's `SYMMETRIC` padding can at most double a side, so it
    repeats until the image is big enough.
    """
    import tensorflow as tf

    rank = images.shape.rank

    def too_small(x):
        shape = tf.shape(x)
        return tf.logical_or(shape[-3] < height, shape[-2] < width)

    def grow(x):
        shape = tf.shape(x)
        pad_h = tf.minimum(tf.maximum(height - shape[-3], 0), shape[-3])
        pad_w = tf.minimum(tf.maximum(width - shape[-2], 0), shape[-2])
        return tf.pad(x, _paddings(rank, pad_h, pad_w), mode="SYMMETRIC")

    shape = images.shape.as_list()
    invariant = tf.TensorShape(shape[:-3] + [None, None] + shape[-1:])
    (images,) = tf.while_loop(
        too_small, lambda x: [grow(x)], [images], shape_invariants=[invariant]
    )
    return images
