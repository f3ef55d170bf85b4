import numpy as np
import pytest

from keras_mimo.data import CameraShakeSource
from keras_mimo.data.synthesis.camera_shake import convolve, shake_blur
from keras_mimo.data.synthesis.kernels import random_motion_kernel, trajectory_to_kernel
from tests.conftest import requires_shared
from tests.data.conftest import SHARP, real_crop, save

pytestmark = pytest.mark.once


@pytest.mark.parametrize("size", [15, 41])
def test_kernel_properties(size):
    kernels = [
        random_motion_kernel(seed, size, (2.0, size - 1.0)) for seed in range(20)
    ]
    for kernel in kernels:
        assert kernel.shape == (size, size) and kernel.dtype == np.float32
        assert kernel.min() >= 0
        assert kernel.sum() == pytest.approx(1.0, abs=1e-5)
        assert kernel.max() < 1  # a blur, not a delta
    # Varies with the seed, repeats with the seed.
    assert len({k.tobytes() for k in kernels}) == len(kernels)
    np.testing.assert_array_equal(
        kernels[3], random_motion_kernel(3, size, (2.0, size - 1.0))
    )
    rng = np.random.default_rng(7)
    assert np.array_equal(
        random_motion_kernel(rng, size),
        random_motion_kernel(np.random.default_rng(7), size),
    )


def test_kernel_support_within_size():
    # A straight path as long as the kernel allows reaches both borders and
    # loses no mass; the kernel is centred on the path's midpoint.
    points = np.stack([np.zeros(101), np.linspace(-7.0, 7.0, 101)], axis=1)
    kernel = trajectory_to_kernel(points, size=15)
    assert kernel[7, 0] > 0 and kernel[7, 14] > 0
    assert kernel.sum() == pytest.approx(1.0, abs=1e-6)
    assert np.count_nonzero(kernel[:7]) == 0 and np.count_nonzero(kernel[8:]) == 0
    with pytest.raises(ValueError, match="length range"):
        random_motion_kernel(0, 15, (2.0, 20.0))
    with pytest.raises(ValueError, match="odd"):
        random_motion_kernel(0, 16)


def test_convolve_matches_direct_convolution():
    rng = np.random.default_rng(0)
    image, kernel = (
        rng.random((12, 14, 3)).astype(np.float32),
        rng.random((5, 5)).astype(np.float32),
    )
    direct = np.zeros((8, 10, 3))
    for y in range(8):
        for x in range(10):
            direct[y, x] = (image[y : y + 5, x : x + 5] * kernel[::-1, ::-1, None]).sum(
                (0, 1)
            )
    np.testing.assert_allclose(convolve(image, kernel).numpy(), direct, atol=1e-5)


def test_shake_blur_keeps_flat_images_and_saturates_lights():
    flat = np.full((20, 20, 3), 0.5, np.float32)
    kernel = random_motion_kernel(1, 11, (3.0, 10.0))
    blur = shake_blur(flat, kernel, quantize=False).numpy()
    np.testing.assert_allclose(blur, 0.5, atol=1e-5)
    lamp = np.zeros((31, 31, 3), np.float32)
    lamp[15, 15] = 1.0
    line = np.zeros((11, 11), np.float32)
    line[5, 1:10] = 1 / 9
    dim = shake_blur(lamp, line, saturation_gain=1.0, quantize=False).numpy()
    bright = shake_blur(lamp, line, saturation_gain=9.0, quantize=False).numpy()
    assert dim.max() < 0.5 and bright.max() == pytest.approx(1.0)  # a streak, clipped


@requires_shared
def test_source_pairs(tmp_path):
    save(tmp_path / "a.png", real_crop(SHARP / "kodak24" / "kodim05.png", 0, 0, 60, 80))
    save(
        tmp_path / "sub" / "b.jpg",
        real_crop(SHARP / "kodak24" / "kodim07.png", 0, 0, 80, 60),
    )
    (tmp_path / "c.tif").write_bytes(b"skipped: not PNG/JPEG")
    source = CameraShakeSource(tmp_path, kernel_size=15, num_examples=4)
    assert len(source.images) == 2
    pairs = list(source.named_dataset(seed=5, crop_hint=(48, 48)).as_numpy_iterator())
    assert len(pairs) == 4
    for blur, sharp, _ in pairs:
        assert blur.shape == sharp.shape == (48, 48, 3)
        assert 0 <= blur.min() and blur.max() <= 1
        np.testing.assert_allclose(
            blur * 255, np.round(blur * 255), atol=1e-3
        )  # 8-bit levels
        assert np.abs(blur - sharp).mean() > 1e-3
    again = list(source.named_dataset(seed=5, crop_hint=(48, 48)).as_numpy_iterator())
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(pairs, again, strict=True))
    full = next(source.named_dataset(seed=0).as_numpy_iterator())
    assert full[0].shape in ((60, 80, 3), (80, 60, 3))
