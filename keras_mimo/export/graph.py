"""TensorFlow graphs around a MIMO-UNet for deployment: pad, run, crop, clip.

The network needs H and W divisible by 4; the exported graphs take any size
(at least 4x4), reflect-pad the bottom/right edge to a multiple of 4, run the
model and crop the full-resolution output back, clipped to [0, 1].
"""

import tensorflow as tf

from keras_mimo.layers import NearestUpsample

MULTIPLE = 4
OUTPUT_KEY = "deblurred"


def pad_to_multiple(images: tf.Tensor, multiple: int = MULTIPLE):
    """Reflect-pads bottom/right to a multiple; returns `(padded, height, width)`.

    The trailing reshape restates the static channel count: the TFLite
    converter cannot infer shapes through a pad with computed paddings, and a
    convolution with an unknown input depth has no TFLite kernel.
    """
    shape = tf.shape(images)
    height, width = shape[1], shape[2]
    pad_h = (-height) % multiple
    pad_w = (-width) % multiple
    padded = tf.pad(images, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode="REFLECT")
    padded = tf.reshape(
        padded, tf.stack([shape[0], height + pad_h, width + pad_w, images.shape[-1]])
    )
    return padded, height, width


def _nearest_upsample_x2(x: tf.Tensor) -> tf.Tensor:
    """Nearest x2 as channel concat + depth_to_space (XNNPACK-friendly).

    Same values as `ops.repeat` on H then W, but with static channels and
    ops that the TFLite XNNPACK delegate runs.
    """
    return tf.nn.depth_to_space(tf.concat([x, x, x, x], axis=-1), 2)


def _lite_operation(operation):
    return _nearest_upsample_x2 if isinstance(operation, NearestUpsample) else operation


def full_resolution(model, images: tf.Tensor, lite: bool = False) -> tf.Tensor:
    """The model's full-resolution output for an (already padded) batch.

    With `lite=True` the functional graph is replayed with the nearest
    upsampling layers swapped for `_nearest_upsample_x2` (identical values):
    the `ops.repeat` form loses the channel dimension in the TFLite converter.
    """
    if lite and hasattr(model, "_run_through_graph"):
        outputs = model._run_through_graph(images, operation_fn=_lite_operation)
    else:
        outputs = model(images, training=False)
    return outputs[-1]


def deblur_float(model, images: tf.Tensor, lite: bool = False) -> tf.Tensor:
    """float32 [0, 1] batch of any size -> deblurred float32 batch, clipped."""
    padded, height, width = pad_to_multiple(images)
    output = full_resolution(model, padded, lite=lite)
    return tf.clip_by_value(output[:, :height, :width, :], 0.0, 1.0)


def deblur_uint8(model, images: tf.Tensor) -> tf.Tensor:
    """uint8 [0, 255] batch -> deblurred uint8 batch (rounded)."""
    output = deblur_float(model, tf.cast(images, tf.float32) / 255.0)
    return tf.cast(tf.round(output * 255.0), tf.uint8)
