"""`keras-mimo export` on a preset saved under JAX."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, requires_shared
from tests.export.conftest import IMAGES

pytestmark = pytest.mark.requires_backend("tensorflow")

MAKE_JAX_PRESET = (
    "import sys, keras\n"
    "from keras_mimo import MIMOUNet\n"
    "assert keras.config.backend() == 'jax'\n"
    "keras.utils.set_random_seed(1)\n"
    "MIMOUNet(num_res=1, width=8).save_to_preset(sys.argv[1])\n"
)


@requires_shared
def test_cli_exports_a_jax_preset(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    env["KERAS_MIMO_HOME"] = str(tmp_path / "home")
    preset = tmp_path / "jax_preset"
    subprocess.run(
        [sys.executable, "-c", MAKE_JAX_PRESET, str(preset)],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    assert json.loads((preset / "metadata.json").read_text())["backend"] == "jax"
    # KERAS_BACKEND=jax is still set: `export` itself selects TensorFlow.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_mimo.cli",
            "export",
            str(preset),
            str(tmp_path / "out"),
            "--formats",
            "tflite_float32",
            "--images",
            str(IMAGES),
            "--verification-samples",
            "2",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "tflite_float32" in result.stdout
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["name"] == "jax_preset"
    assert manifest["model"]["source"]["backend"] == "jax"
    assert manifest["artifacts"]["tflite_float32"]["agreement"]["min_psnr_db"] >= 50

    # And the artifact matches the preset loaded here, under TensorFlow.
    from ai_edge_litert.interpreter import Interpreter

    from keras_mimo import MIMOUNet
    from keras_mimo.export.verify import keras_reference, psnr
    from tests.export.conftest import real_crops

    model = MIMOUNet.from_preset(preset)
    crop = real_crops()[1]
    interpreter = Interpreter(model_path=str(tmp_path / "out" / "model_float32.tflite"))
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, [1, *crop.shape])
    interpreter.allocate_tensors()
    interpreter.set_tensor(index, crop[None])
    interpreter.invoke()
    output = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0]
    assert psnr(output, keras_reference(model, crop)) >= 50


@requires_shared
def test_cli_refuses_another_explicit_backend(tmp_path, monkeypatch, capsys):
    from keras_mimo.cli import main

    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "tensorflow"))
    code = main(["--backend", "jax", "export", "x", "--images", str(IMAGES)])
    assert code == 2
    assert "keras-mimo --backend tensorflow export" in capsys.readouterr().err
