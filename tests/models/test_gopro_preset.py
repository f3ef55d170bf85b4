"""The shipped `gopro` preset: offline, float32 on load, and it deblurs."""

import numpy as np
from PIL import Image

import keras_mimo
from keras_mimo import MIMOUNet
from keras_mimo.inference.evaluation import score_pair
from tests.conftest import DATA, requires_shared

# The most blurred 256x256 window of a real validation pair (frame 792,
# 8 frames averaged: a fast pan), and the smallest gain the preset must give.
PAIR = "GOPR0477_11_00_st_frame-792_n_avg-8.png"
WINDOW = (slice(0, 256), slice(64, 320))
MIN_GAIN_DB = 1.0  # measured +1.81 dB (21.37 -> 23.18) on TensorFlow (was +1.88, +1.94)


def validation_crop():
    blur, sharp = (
        np.asarray(Image.open(DATA / "gopro_val" / kind / PAIR), np.float32)[WINDOW]
        / 255
        for kind in ("blur", "sharp")
    )
    return blur[None], sharp[None]


def test_gopro_is_registered_and_loads_from_the_package():
    assert "gopro" in keras_mimo.list_presets()
    model = MIMOUNet.from_preset("gopro")
    source = model.preset_source
    assert source["origin"] == "package" and model.variant == "mimo_unet"
    assert {v.dtype for v in model.weights} == {"float32"}
    metadata = source["metadata"]
    assert metadata["weights_dtype"] == "float16"
    assert abs(metadata["float16_cost_db"]) < 0.01
    scores = metadata["scores"]["gopro_val"]
    assert scores["images"] == 6 and scores["gain_db"] > 0


@requires_shared
def test_gopro_raises_psnr_on_a_real_validation_crop():
    blur, sharp = validation_crop()
    model = MIMOUNet.from_preset("gopro")
    restored = np.asarray(model.predict(blur, verbose=0))
    before, _ = score_pair(blur, sharp)
    after, _ = score_pair(restored, sharp)
    assert after > before + MIN_GAIN_DB, (before, after)
