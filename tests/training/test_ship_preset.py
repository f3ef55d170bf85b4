"""`training/ship_preset.py`'s extra pairs: held-in training frames, JPEG inputs."""

import importlib.util

import numpy as np
import pytest

from keras_mimo.data.synthesis.gopro import synthesize_gopro_pair
from keras_mimo.images.files import read_image
from tests.conftest import DATA, FIXTURES, ROOT, require_shared


@pytest.fixture(scope="module")
def ship_preset():
    spec = importlib.util.spec_from_file_location(
        "ship_preset", ROOT / "training" / "ship_preset.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_held_in_pairs_are_eight_frame_averages_of_the_training_frames(
    ship_preset, tmp_path
):
    require_shared()
    frames = DATA / "gopro_frames"
    pairs = ship_preset.training_frame_pairs(frames, tmp_path, starts=(5, 130))
    assert [p.name for p in pairs] == [
        "train_st_frame-5_n_avg-8.png",
        "train_st_frame-130_n_avg-8.png",
    ]
    paths = [str(frames / "GOPR0477_11_00" / f"{k:06d}.png") for k in range(131, 139)]
    blur, sharp = synthesize_gopro_pair(paths)
    np.testing.assert_array_equal(
        read_image(pairs[1].blur).pixels, np.round(blur.numpy() * 255)
    )
    # The sharp image is the middle frame itself (the 5th of 8: frame 135).
    middle = read_image(frames / "GOPR0477_11_00" / "000135.png").pixels
    np.testing.assert_array_equal(read_image(pairs[1].sharp).pixels, middle)


def test_jpeg_input_pairs_compress_only_the_blurry_inputs(ship_preset, tmp_path):
    from keras_mimo.data.compression import jpeg_round_trip
    from keras_mimo.metrics import psnr

    pairs = ship_preset.jpeg_input_pairs(FIXTURES / "pairs", tmp_path, quality=60)
    assert [p.name for p in pairs] == ["pair0.png", "pair1.png", "pair2.png"]
    for pair in pairs:
        original = read_image(FIXTURES / "pairs" / "blur" / pair.name).pixels
        compressed = read_image(pair.blur).pixels
        expected = jpeg_round_trip(original.astype(np.float32) / 255.0, 60)
        np.testing.assert_array_equal(compressed, np.round(expected.numpy() * 255))
        # A real loss, not a copy: quality 60 leaves these blurry crops about 46.5 dB.
        change = float(psnr(original[None] / 255.0, compressed[None] / 255.0)[0])
        assert 40.0 < change < 50.0, change
        assert pair.sharp == str(FIXTURES / "pairs" / "sharp" / pair.name)
