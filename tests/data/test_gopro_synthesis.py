import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_mimo.data import GoProSynthesisSource
from keras_mimo.data.synthesis.gopro import average_frames, synthesize_gopro_pair
from tests.conftest import requires_shared
from tests.data.conftest import GOPRO_CHECK, GOPRO_FRAMES, GOPRO_VAL, save

pytestmark = pytest.mark.once
PAIR = "GOPR0477_11_00_st_frame-165_n_avg-8.png"


def load(path):
    return np.asarray(Image.open(path)).astype(np.float64) / 255.0


@requires_shared
def test_rebuilds_the_real_gopro_pair():
    # st_frame-165, n_avg-8: blur = frames 166..173, sharp = frame 166 + 8 // 2 = 170.
    frames = [str(GOPRO_CHECK / f"{i:06d}.png") for i in range(166, 174)]
    blur, sharp = synthesize_gopro_pair(frames)
    real_blur, real_sharp = (
        load(GOPRO_VAL / "blur" / PAIR),
        load(GOPRO_VAL / "sharp" / PAIR),
    )
    error = np.abs(blur.numpy() - real_blur)
    assert error.max() <= 1 / 255 + 1e-6
    # With 8-bit truncation (the rule the GoPro data set used) it is bit-exact.
    assert error.max() < 1e-5
    np.testing.assert_allclose(sharp.numpy(), real_sharp, atol=1e-6)


def test_average_frames_in_linear_light():
    dark, bright = (
        np.zeros((1, 2, 2, 3), np.uint8),
        np.full((1, 2, 2, 3), 255, np.uint8),
    )
    blur = average_frames(np.concatenate([dark, bright]), quantize=False).numpy()
    np.testing.assert_allclose(
        blur, 0.5 ** (1 / 2.2), rtol=1e-6
    )  # not 0.5: linear light
    quantized = average_frames(np.concatenate([dark, bright])).numpy()
    assert quantized[0, 0, 0] * 255 == pytest.approx(np.floor(255 * 0.5 ** (1 / 2.2)))


def test_source_windows_crops_and_seed(tmp_path):
    # 10 tiny frames whose value encodes their index, so the pair is checkable.
    for index in range(10):
        save(
            tmp_path / "seq" / f"{index + 1:06d}.png",
            np.full((40, 50, 3), 20 * index, np.uint8),
        )
    source = GoProSynthesisSource(tmp_path, window=(3, 5), num_examples=6)
    pairs = list(source.named_dataset(seed=3, crop_hint=(32, 32)).as_numpy_iterator())
    assert len(pairs) == 6
    for blur, sharp, name in pairs:
        start, length = (
            int(name.decode().split("/")[1][:6]),
            int(name.decode().split("_n")[1].split("_")[0]),
        )
        assert 3 <= length <= 5 and start + length - 1 <= 10
        assert blur.shape == sharp.shape == (32, 32, 3)
        middle = start - 1 + length // 2  # 0-based frame index of the sharp image
        np.testing.assert_allclose(sharp, 20 * middle / 255.0, atol=1e-6)
        values = np.arange(start - 1, start - 1 + length) * 20 / 255.0
        expected = np.floor(255 * np.mean(values**2.2) ** (1 / 2.2) + 1e-9) / 255
        np.testing.assert_allclose(blur, expected, atol=1e-6)
    again = list(source.named_dataset(seed=3, crop_hint=(32, 32)).as_numpy_iterator())
    assert all(
        a[2] == b[2] and np.array_equal(a[0], b[0])
        for a, b in zip(pairs, again, strict=True)
    )
    other = [
        p[2]
        for p in source.named_dataset(seed=4, crop_hint=(32, 32)).as_numpy_iterator()
    ]
    assert other != [p[2] for p in pairs]


@requires_shared
def test_source_on_real_frames_streams_endlessly():
    source = GoProSynthesisSource(GOPRO_FRAMES, window=7)
    dataset = source.dataset(seed=0, repeat=True, crop_hint=(64, 64))
    for blur, sharp in dataset.take(2):
        assert blur.shape == sharp.shape == (64, 64, 3) and blur.dtype == tf.float32


def test_several_crops_per_draw(tmp_path):
    for index in range(8):
        save(tmp_path / f"{index:06d}.png", np.full((40, 50, 3), 30 * index, np.uint8))
    source = GoProSynthesisSource(
        tmp_path, window=(3, 4), crops_per_draw=3, num_examples=5
    )
    pairs = list(source.named_dataset(seed=0, crop_hint=(16, 24)).as_numpy_iterator())
    assert len(pairs) == 5
    names = [p[2].decode() for p in pairs]
    assert len(set(names)) == 5
    for blur, sharp, _ in pairs:
        assert blur.shape == sharp.shape == (16, 24, 3)
    # Crops of one draw share the frame window (same values on flat frames).
    windows = {}
    for blur, _, name in pairs:
        windows.setdefault(name.decode().rsplit("_y", 1)[0], set()).add(
            float(blur[0, 0, 0])
        )
    assert all(len(values) == 1 for values in windows.values())
    full = list(source.named_dataset(seed=0).as_numpy_iterator())
    assert len(full) == 5 and full[0][0].shape == (40, 50, 3)


def test_frame_stride_averages_every_nth_frame(tmp_path):
    # Frame values encode their index: with stride 2 the blur of N frames
    # from S averages S, S + 2, ..., and the sharp image is the middle one.
    for index in range(12):
        save(
            tmp_path / f"{index + 1:06d}.png",
            np.full((24, 24, 3), 20 * index, np.uint8),
        )
    source = GoProSynthesisSource(tmp_path, window=(3, 5), stride=2, num_examples=8)
    assert source.stride == (2, 2) and "stride=(2, 2)" in repr(source)
    for blur, sharp, name in source.named_dataset(seed=1).as_numpy_iterator():
        stem, length = name.decode().split("/")[1].split("_y")[0].split("_n")
        length, stride = map(int, length.split("_s"))
        assert stride == 2 and 3 <= length <= 5
        used = int(stem) - 1 + 2 * np.arange(length)
        assert used[-1] <= 11
        np.testing.assert_allclose(sharp, 20 * used[length // 2] / 255.0, atol=1e-6)
        expected = np.floor(
            255 * np.mean((used * 20 / 255.0) ** 2.2) ** (1 / 2.2) + 1e-9
        )
        np.testing.assert_allclose(blur, expected / 255, atol=1e-6)
    # A stride range draws both; a stride no window fits falls back to 1.
    mixed = GoProSynthesisSource(tmp_path, window=3, stride=(1, 2), num_examples=40)
    names = [p[2].decode() for p in mixed.named_dataset(seed=0).as_numpy_iterator()]
    assert any("_n3_s2_" in n for n in names) and any("_n3_y" in n for n in names)
    wide = GoProSynthesisSource(tmp_path, window=5, stride=4, num_examples=3)
    assert all(
        "_n5_y" in p[2].decode() for p in wide.named_dataset(seed=0).as_numpy_iterator()
    )
    with pytest.raises(ValueError, match="stride must be"):
        GoProSynthesisSource(tmp_path, stride=(2, 1))
