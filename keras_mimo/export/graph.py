"""TensorFlow graphs around a MIMO-UNet for deployment: pad, run, crop, clip.

The network needs H and W divisible by `SIZE_MULTIPLE` (4); the exported
graphs take any size (at least 4x4), reflect-pad the bottom/right edge to a
multiple with `keras_mimo.images.padding.pad_to_multiple_tensor`, run the model
and crop the full-resolution output back, clipped to [0, 1].
"""

import tensorflow as tf

from keras_mimo.images.padding import pad_to_multiple_tensor

OUTPUT_KEY = "deblurred"


def deblur_float(model, images: tf.Tensor) -> tf.Tensor:
    """float32 [0, 1] batch of any size -> deblurred float32 batch, clipped.

    The model is called as it is: its layers are TFLite-convertible
    (nearest resampling restates static channels; the fusions never build
    upsampled maps), so SavedModel and TFLite share this graph.
    """
    shape = tf.shape(images)
    height, width = shape[1], shape[2]
    padded = pad_to_multiple_tensor(images)
    output = tf.cast(model(padded, training=False)[-1], tf.float32)  # bf16 models
    return tf.clip_by_value(output[:, :height, :width, :], 0.0, 1.0)


def deblur_uint8(model, images: tf.Tensor) -> tf.Tensor:
    """uint8 [0, 255] batch -> deblurred uint8 batch (rounded)."""
    output = deblur_float(model, tf.cast(images, tf.float32) / 255.0)
    return tf.cast(tf.round(output * 255.0), tf.uint8)
