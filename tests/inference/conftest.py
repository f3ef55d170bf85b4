"""Fixtures for the inference tests: tiny models, presets and real images."""

import keras
import numpy as np
import pytest
from PIL import Image

from tests.conftest import DATA, FIXTURES
from tests.test_case import tiny_model

BLUR_DIR = DATA / "gopro_val" / "blur"
SHARP_DIR = DATA / "gopro_val" / "sharp"
FIRST_BLUR = min(BLUR_DIR.glob("*.png"), default=None)


@pytest.fixture(scope="session")
def tiny():
    """A small MIMO-UNet shared by the tests (weights never change)."""
    keras.utils.set_random_seed(1)
    return tiny_model()


@pytest.fixture(scope="session")
def tiny_preset(tiny, tmp_path_factory):
    """`tiny` saved as a preset directory."""
    directory = tmp_path_factory.mktemp("presets") / "tiny"
    tiny.save_to_preset(directory)
    return directory


@pytest.fixture(scope="session")
def real_crop():
    """A 64x96 uint8 RGB crop of a real GoPro blurry frame (rows 300-363,
    columns 500-595 of the first `gopro_val` blurry frame)."""
    region = np.asarray(Image.open(FIXTURES / "blur_region.png").convert("RGB"))
    return region[:64, :96].copy()


class IdentityModel(keras.Model):
    """Returns its input: every pre/post-processing step must undo itself."""

    def call(self, inputs, training=False):
        return inputs


@pytest.fixture
def identity():
    return IdentityModel()
