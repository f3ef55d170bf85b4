"""ONNX and OpenVINO artifacts: run in their own runtimes, verified, hashed."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from keras_mimo.export.verify import keras_reference, psnr
from tests.conftest import requires_shared
from tests.export.conftest import IMAGES, SIZES, real_crops

pytestmark = pytest.mark.requires_backend("tensorflow")

# Runs in a fresh process: only numpy, onnxruntime and openvino, no keras_mimo,
# no TensorFlow, as a deployment would.
RUN_IN_RUNTIMES = r"""
import sys
import numpy as np
import onnxruntime
import openvino

export, data = sys.argv[1], np.load(sys.argv[2])
session = onnxruntime.InferenceSession(
    f"{export}/model.onnx", providers=["CPUExecutionProvider"]
)
dims = [d for d in session.get_inputs()[0].shape]
core = openvino.Core()
compiled = {
    name: core.compile_model(
        f"{export}/{name}/model.xml", "CPU", {"INFERENCE_PRECISION_HINT": "f32"}
    )
    for name in ("openvino_float32", "openvino_float16")
}
results = {"dims": np.array([str(d) for d in dims])}
for key in data.files:
    image = data[key][None]
    results[f"onnx_{key}"] = session.run(["deblurred"], {"images": image})[0]
    results[f"onnx_batch_{key}"] = session.run(
        ["deblurred"], {"images": np.concatenate([image, image[:, ::-1]])}
    )[0]
    for name, model in compiled.items():
        results[f"{name}_{key}"] = model([image])[0]
assert not any(m.startswith(("keras", "tensorflow")) for m in sys.modules)
np.savez(sys.argv[3], **results)
"""


@requires_shared
def test_onnx_and_openvino_run_in_their_runtimes(tiny_export, tmp_path):
    directory, model = tiny_export
    crops = real_crops()
    np.savez(tmp_path / "in.npz", **{f"image_{i}": c for i, c in enumerate(crops)})
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run(
        [
            sys.executable,
            "-c",
            RUN_IN_RUNTIMES,
            str(directory),
            *(str(tmp_path / name) for name in ("in.npz", "out.npz")),
        ],
        check=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    out = np.load(tmp_path / "out.npz")
    assert list(out["dims"]) == ["batch", "height", "width", "3"]
    for i, crop in enumerate(crops):
        expected = keras_reference(model, crop)
        for name in ("onnx", "openvino_float32", "openvino_float16"):
            result = out[f"{name}_image_{i}"]
            assert result.shape == (1, *SIZES[i], 3) and result.dtype == np.float32
            assert 0.0 <= result.min() and result.max() <= 1.0
            assert psnr(result[0], expected) >= 50, name
        batch = out[f"onnx_batch_image_{i}"]
        assert batch.shape == (2, *SIZES[i], 3)
        assert psnr(batch[1], keras_reference(model, crop[::-1].copy())) >= 50


def test_manifest_records_onnx_and_openvino(tiny_export):
    from keras_mimo.export import read_manifest

    directory, _ = tiny_export
    manifest = read_manifest(directory)
    onnx = manifest["artifacts"]["onnx"]
    assert onnx["format"] == "onnx" and onnx["signature"]["opset"] == 17
    assert [f["path"] for f in onnx["files"]] == ["model.onnx"]
    assert len(onnx["files"][0]["sha256"]) == 64
    sizes = {}
    for name in ("openvino_float32", "openvino_float16"):
        entry = manifest["artifacts"][name]
        assert entry["format"] == "openvino"
        assert [f["path"] for f in entry["files"]] == [
            f"{name}/model.bin",
            f"{name}/model.xml",
        ]
        sizes[name] = entry["files"][0]["size_bytes"]
        assert entry["agreement"]["passed"]
        bf16 = entry["bf16_inference"]
        if bf16["supported_here"]:  # measured and labelled, not a gate
            assert 20 < bf16["min_psnr_db"] <= 100
    # float16 weights are half the size (the graph's few int constants aside).
    assert sizes["openvino_float16"] < 0.6 * sizes["openvino_float32"]
    for package in ("tf2onnx", "onnx", "onnxruntime", "openvino"):
        assert manifest["producer"][package]


@requires_shared
def test_failed_verification_publishes_nothing(tmp_path):
    import keras

    from keras_mimo.export import ExportError, export_model
    from tests.test_case import tiny_model

    keras.utils.set_random_seed(0)
    model = tiny_model()
    target = tmp_path / "refused"
    with pytest.raises(ExportError, match="openvino_float16 agrees .* 200.0 dB"):
        export_model(
            model,
            target,
            formats="openvino",
            representative_images=IMAGES,
            verification_samples=2,
            min_psnr_db={"openvino_float16": 200.0},
        )
    assert list(tmp_path.iterdir()) == []  # no target, no temporaries


@requires_shared
def test_cli_exports_onnx_and_openvino_from_a_preset(tmp_path, capsys):
    import keras

    from keras_mimo.cli import main
    from keras_mimo.export import check_files, read_manifest
    from tests.test_case import tiny_model

    keras.utils.set_random_seed(0)
    tiny_model().save_to_preset(tmp_path / "preset")
    out = tmp_path / "out"
    code = main(
        [
            "export",
            str(tmp_path / "preset"),
            str(out),
            "--formats",
            "openvino_float32",
            "--images",
            str(IMAGES),
            "--verification-samples",
            "2",
        ]
    )
    assert code == 0
    manifest = read_manifest(out)
    assert list(manifest["artifacts"]) == ["openvino_float32"]
    # The ONNX graph it was converted from was temporary.
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "openvino_float32",
    ]
    assert check_files(out) == []
    shapes = [
        i["shape"]
        for i in manifest["artifacts"]["openvino_float32"]["agreement"][
            "per_signature"
        ]["serving_default"]["images"]
    ]
    assert shapes == [[256, 256], [250, 198]]  # one size not divisible by 4
    assert "openvino_float32" in capsys.readouterr().out
    assert json.loads((out / "manifest.json").read_text())["name"] == "preset"


@requires_shared
@pytest.mark.once
def test_missing_runtime_is_one_clear_error(monkeypatch, tmp_path):
    import importlib.util

    from keras_mimo.export import ExportError, export_model

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "openvino" else real(name, *a),
    )
    with pytest.raises(ExportError, match=r"needs openvino, .*keras-mimo\[export\]"):
        export_model(
            "unused",
            tmp_path / "x",
            formats="onnx,openvino_float32",
            representative_images=IMAGES,
        )
    assert not (tmp_path / "x").exists()
