import numpy as np
import pytest

from keras_mimo.images.padding import pad_to_multiple
from keras_mimo.inference import InputImageError
from keras_mimo.inference.layout import merge_image, quantize, split_image

pytestmark = pytest.mark.once


@pytest.mark.parametrize(
    "shape, dtype",
    [
        ((5, 7), "uint8"),
        ((5, 7, 1), "uint16"),
        ((5, 7, 2), "uint8"),
        ((5, 7, 3), "float32"),
        ((5, 7, 4), "uint16"),
        ((2, 5, 7, 3), "float64"),
    ],
)
def test_split_merge_round_trip(shape, dtype):
    rng = np.random.default_rng(0)
    scale = {"uint8": 255, "uint16": 65535}.get(dtype, 1)
    image = (rng.random(shape) * scale).astype(dtype)
    if dtype.startswith("uint"):  # grey channels must survive RGB and back
        image = np.round(image).astype(dtype)
    rgb, alpha, layout = split_image(image)
    assert rgb.dtype == np.float32 and rgb.shape[-1] == 3 and rgb.ndim == 4
    restored = merge_image(rgb, alpha, layout)
    assert restored.shape == image.shape and restored.dtype == image.dtype
    np.testing.assert_allclose(restored, image, atol=1e-6)


def test_alpha_is_untouched_and_grey_is_mean():
    image = np.zeros((3, 4, 4), np.uint8)
    image[..., 3] = np.arange(12).reshape(3, 4)
    rgb, alpha, layout = split_image(image)
    rgb[..., 0] = 1.0  # the "model" changes the colours
    out = merge_image(rgb, alpha, layout)
    np.testing.assert_array_equal(out[..., 3], image[..., 3])
    grey_rgb, _, grey_layout = split_image(np.zeros((2, 2), np.uint8))
    grey_rgb[..., 0] = 0.3
    assert merge_image(grey_rgb, None, grey_layout)[0, 0] == round(0.1 * 255)


@pytest.mark.parametrize(
    "array, problem",
    [
        (np.array([[np.nan, 0.5]], np.float32), "NaN or infinite"),
        (np.array([[np.inf, 0.5]], np.float32), "NaN or infinite"),
        (np.zeros((0, 5, 3), np.uint8), "empty image"),
        (np.full((4, 4, 3), 200.0), "divide by 255"),
        (np.zeros((4, 4, 3), np.int64), "unsupported pixel type"),
        (np.zeros((4, 4, 5), np.uint8), "1 to 4 channels"),
        (np.zeros((4,), np.uint8), "expected an image"),
    ],
)
def test_bad_arrays_raise_input_image_error(array, problem):
    with pytest.raises(InputImageError, match=problem) as info:
        split_image(array, "frame.npy")
    assert str(info.value).startswith("frame.npy: ")


def test_quantize_rounds_and_clips():
    values = np.array([-0.2, 0.5 / 255, 1.49 / 255, 1.2], np.float32)
    np.testing.assert_array_equal(quantize(values, np.uint8), [0, 1, 1, 255])


@pytest.mark.parametrize("height, width", [(1, 1), (2, 3), (5, 8), (4, 4)])
def test_pad_to_multiple_any_size(height, width):
    images = np.random.rand(2, height, width, 3).astype("float32")
    padded = pad_to_multiple(images)
    assert padded.shape[1] % 4 == 0 and padded.shape[2] % 4 == 0
    np.testing.assert_array_equal(padded[:, :height, :width], images)
