"""`GoProBatchSampler`: GoPro synthesis on the accelerator, against the tf.data one."""

import keras
import numpy as np
import pytest

from keras_mimo.data.synthesis.gopro import synthesize_gopro_pair
from keras_mimo.data.synthesis.gopro_batches import GoProBatchSampler, load_frames
from tests.conftest import DATA, require_shared

FRAMES = DATA / "gopro_frames" / "GOPR0477_11_00"


@pytest.fixture(scope="module")
def frames():
    require_shared()
    return load_frames(FRAMES)[:30]


def test_render_matches_the_tensorflow_synthesis(frames):
    sampler = GoProBatchSampler(frames, crop=96)
    windows = [(7, 0, 10, 20), (8, 5, 300, 1100), (13, 17, 600, 640)]
    blur, sharp = sampler.render(*np.array(windows).T)
    blur, sharp = keras.ops.convert_to_numpy(blur), keras.ops.convert_to_numpy(sharp)
    for i, (length, start, top, left) in enumerate(windows):
        paths = [
            str(FRAMES / f"{k:06d}.png") for k in range(start + 1, start + length + 1)
        ]
        want_blur, want_sharp = synthesize_gopro_pair(paths, window=(top, left, 96, 96))
        np.testing.assert_allclose(sharp[i], want_sharp.numpy(), atol=1e-7)  # 1 ulp
        # float32 against float64: at most one 8-bit step, on rare boundary pixels.
        steps = np.abs(blur[i] - want_blur.numpy()) * 255
        assert steps.max() < 1 + 1e-4, steps.max()
        assert (steps < 1e-4).mean() > 0.99, (steps < 1e-4).mean()


def test_samples_cover_the_window_range_and_the_eight_orientations(frames):
    # Frames whose pixels say where they are: a crop's orientation is readable.
    count = 16
    ramp = np.arange(64, dtype=np.uint8)
    frame = np.stack([ramp[:, None] * 3 + 0 * ramp, 0 * ramp[:, None] + ramp * 3], -1)
    frame = np.concatenate([frame, np.zeros((64, 64, 1), np.uint8)], -1)
    sampler = GoProBatchSampler(np.repeat(frame[None], count, 0), crop=32, seed=1)
    blur, sharp = sampler.sample(64)
    sharp = keras.ops.convert_to_numpy(sharp) * 255
    # Static frames: the blur equals the sharp crop.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(blur) * 255, sharp, atol=1e-3)
    # Orientation: which way rows/columns grow, and whether they are swapped.
    kinds = {
        (
            np.sign(s[1, 0, 0] - s[0, 0, 0]) + 2 * np.sign(s[0, 1, 0] - s[0, 0, 0]),
            np.sign(s[0, 1, 1] - s[0, 0, 1]) + 2 * np.sign(s[1, 0, 1] - s[0, 0, 1]),
        )
        for s in sharp
    }
    assert len(kinds) == 8, kinds


def test_frames_too_few_or_too_small_are_refused():
    frames = np.zeros((5, 32, 32, 3), np.uint8)
    with pytest.raises(ValueError, match="needs 13 frames, have 5"):
        GoProBatchSampler(frames, crop=16)
    with pytest.raises(ValueError, match="crop 64 does not fit 32x32"):
        GoProBatchSampler(frames, crop=64, window=(3, 5))
