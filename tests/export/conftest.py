"""Shared export fixtures: one tiny-model export reused by the fast tests."""

import pathlib

import numpy as np
import pytest

from tests.conftest import DATA, require_shared

IMAGES = DATA / "gopro_val" / "blur"
# One size divisible by 4 and one that is not (reflect padding inside).
SIZES = ((64, 96), (50, 74))


def real_crops() -> list[np.ndarray]:
    """Float32 crops of a real GoPro-style blurry frame at `SIZES`."""
    from keras_mimo.export.images import load_images

    _, image = load_images(IMAGES, limit=1)[0]
    return [image[300 : 300 + h, 600 : 600 + w].copy() for h, w in SIZES]


@pytest.fixture(scope="session")
def tiny_export(tmp_path_factory) -> tuple[pathlib.Path, object]:
    """`(export_dir, model)`: a tiny MIMO-UNet exported in every format.

    `tflite_dynamic_int8` gets an unreachable 200 dB target, so the same
    export also shows how an int8 miss is published with a warning.
    """
    import keras

    if keras.config.backend() != "tensorflow":
        pytest.skip("export needs the tensorflow backend")
    require_shared()  # calibrates on the gopro_val frames
    from keras_mimo.export import export_model
    from tests.test_case import tiny_model

    keras.utils.set_random_seed(0)
    model = tiny_model()
    directory = export_model(
        model,
        tmp_path_factory.mktemp("export") / "tiny",
        formats="all",
        representative_images=IMAGES,
        calibration_samples=8,
        calibration_size=96,
        verification_samples=2,
        min_psnr_db={"tflite_dynamic_int8": 200.0},
    )
    return directory, model
