import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_mimo.data import decode_image, encode_png
from keras_mimo.data.decoding import decode_image_uint16
from keras_mimo.images.padding import pad_at_least_tensor, pad_to_multiple_tensor

pytestmark = pytest.mark.once


def test_16_bit_png_decodes_exactly():
    values = np.arange(4 * 5 * 3, dtype=np.uint16).reshape(4, 5, 3) * 1000 + 7
    png = tf.io.encode_png(tf.constant(values))
    image = decode_image(png)
    assert image.dtype == tf.float32 and image.shape == (4, 5, 3)
    np.testing.assert_allclose(image.numpy(), values / 65535.0, atol=1e-7)
    assert np.array_equal(decode_image_uint16(png).numpy(), values)


def test_8_bit_png_jpeg_and_grayscale(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (6, 7, 3), dtype=np.uint8)
    image = decode_image(tf.io.encode_png(tf.constant(rgb)))
    np.testing.assert_allclose(image.numpy(), rgb / 255.0, atol=1e-7)
    Image.fromarray(rgb[..., 0]).save(tmp_path / "grey.png")
    grey = decode_image(tf.io.read_file(str(tmp_path / "grey.png"))).numpy()
    assert grey.shape == (6, 7, 3) and np.array_equal(grey[..., 0], grey[..., 2])
    Image.fromarray(rgb).save(tmp_path / "photo.jpg", quality=95)
    data = tf.io.read_file(str(tmp_path / "photo.jpg"))
    jpeg = tf.io.decode_jpeg(data).numpy()
    np.testing.assert_allclose(decode_image(data).numpy(), jpeg / 255.0, atol=1e-7)
    assert np.array_equal(
        decode_image_uint16(data).numpy(), jpeg.astype(np.uint16) * 257
    )


def test_encode_png_round_trip_8_and_16_bit():
    image = tf.random.stateless_uniform([5, 6, 3], seed=[1, 2])
    for bits, scale in ((8, 255), (16, 65535)):
        back = decode_image(encode_png(image, bits)).numpy()
        np.testing.assert_allclose(
            back, np.round(image.numpy() * scale) / scale, atol=1e-7
        )


def test_padding():
    image = tf.reshape(tf.range(5 * 7 * 3, dtype=tf.float32), [5, 7, 3])
    padded = pad_to_multiple_tensor(image, 4)
    assert padded.shape == (8, 8, 3)
    np.testing.assert_array_equal(padded[:5, :7], image)
    np.testing.assert_array_equal(padded[5, :7], image[3])  # reflect
    assert pad_at_least_tensor(tf.zeros([2, 5, 6, 3]), 32, 20).shape == (2, 32, 20, 3)
