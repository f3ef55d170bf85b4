"""Export refuses bad float artifacts, protects outputs, and needs TensorFlow."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, requires_shared
from tests.export.conftest import IMAGES

pytestmark = pytest.mark.requires_backend("tensorflow")


def _export(tmp_path, formats, **kwargs):
    from keras_mimo.export import export_model
    from tests.test_case import tiny_model

    return export_model(
        tiny_model(),
        tmp_path / "out",
        formats=formats,
        representative_images=IMAGES,
        verification_samples=1,
        **kwargs,
    )


@requires_shared
def test_float_artifact_below_target_is_not_published(tmp_path):
    from keras_mimo.export import ExportError

    with pytest.raises(ExportError, match="tflite_float32 agrees .* Refusing"):
        _export(tmp_path, "tflite_float32", min_psnr_db={"tflite_float32": 200.0})
    assert list(tmp_path.iterdir()) == []  # no output dir, no temporary left


@requires_shared
def test_existing_output_is_kept_without_overwrite(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError):
        _export(tmp_path, "tflite_float32")
    assert (tmp_path / "out" / "keep.txt").read_text() == "x"


@requires_shared
def test_needs_images_and_known_formats(tmp_path):
    from keras_mimo.export import ExportError, export_model
    from tests.test_case import tiny_model

    with pytest.raises(ExportError, match="representative_images"):
        export_model(tiny_model(), tmp_path / "out", formats="tflite_float32")
    with pytest.raises(ValueError, match="Unknown export format 'coreml'"):
        _export(tmp_path, "saved_model,coreml")


def test_other_backend_gets_a_clear_error(tmp_path):
    code = (
        "from keras_mimo.export import ExportError, export_model\n"
        "try:\n"
        "    export_model('some_preset', 'out', representative_images='x')\n"
        "except ExportError as e:\n"
        "    print(e)\n"
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "KERAS_BACKEND=tensorflow" in result.stdout
    assert "keras-mimo --backend tensorflow export" in result.stdout
    assert not (ROOT / "out").exists()
