"""Image decoding and encoding with TensorFlow ops, for `tf.data` maps.

Everything here is TensorFlow only (no `keras.ops`): the input pipeline runs
on TensorFlow whatever `KERAS_BACKEND` the model uses.

Decoding goes by content, not by file extension: PNG (8- or 16-bit) and JPEG
become float32 RGB in [0, 1] (8-bit values / 255, 16-bit values / 65535).
Grayscale is replicated to RGB; an alpha channel would be dropped, which is
why the readers refuse RGBA files up front. Padding lives with its numpy form
in `keras_mimo.images.padding`.
"""

import tensorflow as tf

#: Start of an error that `read_encoded` raises for a truncated file; training
#: entry points look for it to report the file as a `DataError`.
TRUNCATED_MESSAGE = "keras_mimo: truncated image file"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"  # the IEND chunk's type and CRC end every PNG
_JPEG_SIGNATURE = b"\xff\xd8\xff"


def read_encoded(path: tf.Tensor | str) -> tf.Tensor:
    """A file's bytes, checked to be a complete PNG/JPEG if it is one.

    A file cut short (a copy interrupted, a full disk) passes every header
    check and fails only when decoded, inside `tf.data`, with TensorFlow's
    `Invalid PNG data` and no file name. This asserts that a PNG ends with
    its IEND chunk and a JPEG holds its end-of-image marker, so the error
    names the file (`TRUNCATED_MESSAGE` followed by the path).
    """
    data = tf.io.read_file(path)
    size = tf.strings.length(data)
    tail = tf.strings.substr(data, tf.maximum(size - 8, 0), 8)
    is_png = tf.equal(tf.strings.substr(data, 0, 8), _PNG_SIGNATURE)
    is_jpeg = tf.equal(tf.strings.substr(data, 0, 3), _JPEG_SIGNATURE)
    # JPEGs may carry padding after the end marker: look for it in the tail.
    tail_bytes = tf.io.decode_raw(tail, tf.uint8)
    jpeg_end = tf.reduce_any(
        tf.logical_and(tf.equal(tail_bytes[:-1], 0xFF), tf.equal(tail_bytes[1:], 0xD9))
    )
    complete = tf.logical_and(
        tf.logical_or(tf.logical_not(is_png), tf.equal(tail, _PNG_END)),
        tf.logical_or(tf.logical_not(is_jpeg), jpeg_end),
    )
    check = tf.debugging.Assert(complete, [TRUNCATED_MESSAGE, path], summarize=1)
    with tf.control_dependencies([check]):
        return tf.identity(data)


def decode_image(data: tf.Tensor) -> tf.Tensor:
    """Decodes encoded PNG/JPEG bytes to a float32 `(H, W, 3)` image in [0, 1].

    Example:
    >>> decode_image(tf.io.read_file("photo.png")).shape
    TensorShape([72, 96, 3])
    """
    image = tf.io.decode_image(
        data, channels=3, dtype=tf.float32, expand_animations=False
    )
    image.set_shape([None, None, 3])
    return image


def decode_image_uint16(data: tf.Tensor) -> tf.Tensor:
    """Decodes PNG/JPEG bytes to uint16 RGB codes, 8-bit value v as v * 257.

    So `codes / 65535` is exactly `v / 255` for 8-bit and `v / 65535` for
    16-bit images. (TF's own uint8 -> uint16 conversion of JPEGs multiplies
    by 256, hence the separate JPEG path.)
    """
    is_jpeg = tf.equal(tf.strings.substr(data, 0, 3), b"\xff\xd8\xff")
    image = tf.cond(
        is_jpeg,
        lambda: tf.cast(tf.io.decode_jpeg(data, channels=3), tf.uint16) * 257,
        lambda: tf.io.decode_png(data, channels=3, dtype=tf.uint16),
    )
    image.set_shape([None, None, 3])
    return image


def read_image_tensor(path: tf.Tensor | str) -> tf.Tensor:
    """Reads (checked by `read_encoded`) and decodes an image; see `decode_image`.

    The `tf.data` counterpart of `keras_mimo.images.files.read_image` (which
    returns upright uint8/uint16 pixels of any format as numpy): a float32
    RGB tensor, PNG or JPEG only.
    """
    return decode_image(read_encoded(path))


def encode_png(image: tf.Tensor, bits: int = 8) -> tf.Tensor:
    """Encodes a float image in [0, 1] as an 8- or 16-bit PNG (rounded, clipped)."""
    if bits not in (8, 16):
        raise ValueError(f"PNG bit depth must be 8 or 16, got {bits}.")
    scale, dtype = (255.0, tf.uint8) if bits == 8 else (65535.0, tf.uint16)
    image = tf.round(tf.clip_by_value(tf.cast(image, tf.float32), 0.0, 1.0) * scale)
    return tf.io.encode_png(tf.cast(image, dtype))
