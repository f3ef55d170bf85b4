import numpy as np
import pytest
import tensorflow as tf

from keras_mimo.data import CameraMotionSource, parse_source_spec
from keras_mimo.data.synthesis.camera_motion import camera_path, film
from keras_mimo.data.synthesis.gopro import average_frames
from tests.conftest import FIXTURES, requires_shared
from tests.data.conftest import SHARP, real_crop, save

pytestmark = pytest.mark.once

PHOTO = FIXTURES / "pairs" / "sharp" / "pair0.png"  # a real 72x96 GoPro crop


def photo() -> tf.Tensor:
    from keras_mimo.data.decoding import read_image_tensor

    return read_image_tensor(str(PHOTO))


def test_camera_path_is_the_identity_at_the_middle_frame():
    for frames in (7, 8, 13):
        path = camera_path(frames, (10.0, -4.0), (2.0, 1.0), 0.02, 0.03, (30.0, 40.0))
        assert path.shape == (frames, 8)
        np.testing.assert_allclose(
            path[frames // 2], [1, 0, 0, 0, 1, 0, 0, 0], atol=1e-6
        )
    # A pure rotation keeps its centre where it is.
    path = camera_path(3, (0.0, 0.0), rotation=0.1, center=(30.0, 40.0))
    a0, a1, a2, b0, b1, b2 = path[0, :6]
    np.testing.assert_allclose(
        [a0 * 30 + a1 * 40 + a2, b0 * 30 + b1 * 40 + b2], [30, 40], atol=1e-4
    )
    with pytest.raises(ValueError, match="positive"):
        camera_path(0, (1.0, 1.0))


def test_integer_shifts_average_like_gopro_frames():
    # Five frames moving 1 px apart sample the photo at whole pixels, so the
    # blur is GoPro's own average of the five shifted crops (float32 warps
    # of linear light: equal to float32 precision before the 8-bit step).
    image = photo()
    path, window = camera_path(5, (4.0, 0.0)), [8, 10, 40, 60]
    shifted = tf.stack([image[8:48, 10 + d : 70 + d] for d in (-2, -1, 0, 1, 2)])
    blur, sharp = film(image, path, window, quantize=False)
    expected = average_frames(shifted, quantize=False)
    np.testing.assert_allclose(blur.numpy(), expected.numpy(), atol=1e-6)
    assert np.abs(blur.numpy() - image[8:48, 10:70].numpy()).mean() > 1e-3
    # The sharp image is the photo's window itself, never resampled.
    np.testing.assert_array_equal(sharp.numpy(), image[8:48, 10:70].numpy())
    quantized, _ = film(image, path, window)
    np.testing.assert_allclose(
        quantized.numpy() * 255, np.round(quantized.numpy() * 255), atol=1e-3
    )
    # No motion: the blur is the window again, up to the 8-bit truncation.
    still, _ = film(image, camera_path(9, (0.0, 0.0)), window)
    assert np.abs(still.numpy() - sharp.numpy()).max() <= 1 / 255 + 1e-6


@requires_shared
def test_source_pairs_blur_real_photos_reproducibly(tmp_path):
    save(tmp_path / "a.png", real_crop(SHARP / "kodak24" / "kodim05.png", 0, 0, 80, 96))
    save(
        tmp_path / "sub" / "b.jpg",
        real_crop(SHARP / "kodak24" / "kodim07.png", 0, 0, 96, 80),
    )
    source = CameraMotionSource(tmp_path, shift=(8.0, 16.0), num_examples=4)
    assert len(source.images) == 2
    pairs = list(source.named_dataset(seed=3, crop_hint=(48, 48)).as_numpy_iterator())
    assert len(pairs) == 4
    for blur, sharp, name in pairs:
        assert blur.shape == sharp.shape == (48, 48, 3)
        np.testing.assert_allclose(blur * 255, np.round(blur * 255), atol=1e-3)
        # 8-16 px of motion: far below a copy's ~58 dB (8-bit rounding only).
        mse = np.mean((blur - sharp) ** 2)
        assert 15 < 10 * np.log10(1 / mse) < 40, name
    again = list(source.named_dataset(seed=3, crop_hint=(48, 48)).as_numpy_iterator())
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(pairs, again, strict=True))
    with pytest.raises(ValueError, match="shift"):
        CameraMotionSource(tmp_path, shift=(5.0, 1.0))


def test_spec_builds_the_source(tmp_path):
    from keras_mimo.images.files import read_image

    save(tmp_path / "a.png", read_image(PHOTO).pixels)
    source, weight = parse_source_spec(
        f"synth_motion:{tmp_path}?window=9-11&shift=2-20&n=5@0.3"
    )
    assert isinstance(source, CameraMotionSource) and weight == 0.3
    assert (source.window, source.shift, len(source)) == ((9, 11), (2.0, 20.0), 5)
