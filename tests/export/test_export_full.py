"""The full MIMO-UNet (converted official-format checkpoint) exports and verifies."""

import numpy as np
import pytest

from keras_mimo.export.verify import psnr
from tests.conftest import DATA, REFERENCE, requires_shared
from tests.export.conftest import IMAGES

pytestmark = [pytest.mark.requires_backend("tensorflow"), pytest.mark.slow]


@requires_shared
def test_reference_checkpoint_exports_every_format(tmp_path, reference_io):
    import keras_mimo
    from keras_mimo.export import (
        FORMATS,
        TFLiteRunner,
        check_files,
        export_model,
        read_manifest,
    )

    preset = tmp_path / "preset"
    keras_mimo.convert_checkpoint(REFERENCE / "mimo_unet_random_init.pkl", preset)
    directory = export_model(
        preset,
        tmp_path / "mimo_unet",
        formats="all",
        representative_images=DATA / "sharp" / "kodak24",
        verification_images=IMAGES,
        calibration_samples=16,
    )
    manifest = read_manifest(directory)
    assert check_files(directory) == []
    assert manifest["model"]["parameters"] == 6_807_171
    for name, entry in manifest["artifacts"].items():
        assert entry["agreement"]["min_psnr_db"] >= FORMATS[name].min_psnr_db, name

    # The float TFLite models reproduce the official PyTorch outputs (clipped),
    # at the two reference sizes, and run at a size not divisible by 4.
    for variant, atol in (("tflite_float32", 1e-4), ("tflite_float16", 2e-2)):
        run = TFLiteRunner(directory / FORMATS[variant].path)
        for case in ("a", "b"):
            expected = np.clip(reference_io[f"output_{case}_2"][0], 0, 1)
            output = run(reference_io[f"input_{case}"][0])
            np.testing.assert_allclose(output, expected, atol=atol)
        odd = reference_io["input_a"][0, :50, :74]
        assert run(odd).shape == (50, 74, 3)
    int8 = TFLiteRunner(directory / FORMATS["tflite_int8"].path)
    expected = np.clip(reference_io["output_a_2"][0], 0, 1)
    assert psnr(int8(reference_io["input_a"][0]), expected) >= 30
