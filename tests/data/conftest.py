"""Fixtures of the data tests: small real image pairs in temporary folders."""

import pathlib
import shutil

import numpy as np
import pytest
from PIL import Image

from tests.conftest import DATA, FIXTURES, HAS_SHARED

GOPRO_VAL = DATA / "gopro_val"
GOPRO_CHECK = DATA / "gopro_check" / "GOPR0477_11_00"
GOPRO_FRAMES = DATA / "gopro_frames" / "GOPR0477_11_00"
SHARP = DATA / "sharp"
VAL_NAMES = sorted(p.name for p in (GOPRO_VAL / "blur").iterdir()) if HAS_SHARED else []


def save(path: pathlib.Path, array: np.ndarray) -> pathlib.Path:
    """Saves a uint8 array as an image file (format by extension)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def real_crop(
    path: pathlib.Path, top: int, left: int, height: int, width: int
) -> np.ndarray:
    """A crop of a real image, as uint8."""
    with Image.open(path) as image:
        return np.asarray(
            image.crop((left, top, left + width, top + height)).convert("RGB")
        )


@pytest.fixture
def small_pairs(tmp_path) -> pathlib.Path:
    """`tmp/{blur,sharp}/pair{0,1,2}.png`: 72x96 crops of the real gopro_val pairs.

    Copied from `tests/fixtures/pairs` (see `tests/fixtures/make_fixtures.py`).
    """
    for kind in ("blur", "sharp"):
        shutil.copytree(FIXTURES / "pairs" / kind, tmp_path / kind)
    return tmp_path
