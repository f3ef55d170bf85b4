"""TensorFlow graphs around a MIMO-UNet for deployment: pad, run, crop, clip.

The network needs H and W divisible by 4; the exported graphs take any size
(at least 4x4), reflect-pad the bottom/right edge to a multiple of 4, run the
model and crop the full-resolution output back, clipped to [0, 1].
"""

import tensorflow as tf

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
    # (m - x % m) % m, not (-x) % m: ONNX converters map the modulo of a
    # negative number to C's truncated remainder, which would crop.
    pad_h = (multiple - height % multiple) % multiple
    pad_w = (multiple - width % multiple) % multiple
    padded = tf.pad(images, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode="REFLECT")
    padded = tf.reshape(
        padded, tf.stack([shape[0], height + pad_h, width + pad_w, images.shape[-1]])
    )
    return padded, height, width


def deblur_float(model, images: tf.Tensor) -> tf.Tensor:
    """float32 [0, 1] batch of any size -> deblurred float32 batch, clipped.

    The model is called as it is: its layers are TFLite-convertible
    (nearest resampling restates static channels; the fusions never build
    upsampled maps), so SavedModel and TFLite share this graph.
    """
    padded, height, width = pad_to_multiple(images)
    output = model(padded, training=False)[-1]
    return tf.clip_by_value(output[:, :height, :width, :], 0.0, 1.0)


def deblur_uint8(model, images: tf.Tensor) -> tf.Tensor:
    """uint8 [0, 255] batch -> deblurred uint8 batch (rounded)."""
    output = deblur_float(model, tf.cast(images, tf.float32) / 255.0)
    return tf.cast(tf.round(output * 255.0), tf.uint8)
