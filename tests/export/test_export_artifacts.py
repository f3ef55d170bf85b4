"""The exported artifacts load without keras_mimo and run at any image size."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from keras_mimo.export.verify import keras_reference, psnr
from tests.conftest import requires_shared
from tests.export.conftest import SIZES, real_crops

pytestmark = pytest.mark.requires_backend("tensorflow")

LOAD_SAVED_MODEL = r"""
import sys
import numpy as np
import tensorflow as tf

loaded = tf.saved_model.load(sys.argv[1])
data = np.load(sys.argv[2])
results = {}
for i in range(len(data.files)):
    image = data[f"image_{i}"]
    f32 = loaded.signatures["serving_default"](images=tf.constant(image[None]))
    u8 = loaded.signatures["serving_uint8"](
        images=tf.constant(np.round(image[None] * 255).astype(np.uint8))
    )
    results[f"float_{i}"] = f32["deblurred"].numpy()
    results[f"uint8_{i}"] = u8["deblurred"].numpy()
    # Two images of different sizes in one batch are not possible, but a batch
    # of two of the same size is.
    results[f"batch_{i}"] = loaded.signatures["serving_default"](
        images=tf.constant(np.stack([image, image[::-1]]))
    )["deblurred"].numpy()
assert not any(m.startswith("keras_mimo") for m in sys.modules), "keras_mimo imported"
np.savez(sys.argv[3], **results)
"""


@requires_shared
def test_saved_model_in_fresh_process(tiny_export, tmp_path):
    directory, model = tiny_export
    crops = real_crops()
    np.savez(tmp_path / "in.npz", **{f"image_{i}": c for i, c in enumerate(crops)})
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("KERAS_BACKEND", None)
    subprocess.run(
        [
            sys.executable,
            "-c",
            LOAD_SAVED_MODEL,
            str(directory / "saved_model"),
            str(tmp_path / "in.npz"),
            str(tmp_path / "out.npz"),
        ],
        check=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    out = np.load(tmp_path / "out.npz")
    for i, crop in enumerate(crops):
        expected = keras_reference(model, crop)
        assert out[f"float_{i}"].shape == (1, *SIZES[i], 3)
        assert out[f"float_{i}"].dtype == np.float32
        assert psnr(out[f"float_{i}"][0], expected) >= 50
        assert out[f"uint8_{i}"].dtype == np.uint8
        assert out[f"uint8_{i}"].shape == (1, *SIZES[i], 3)
        uint8_expected = keras_reference(model, np.round(crop * 255) / 255)
        assert (
            np.abs(out[f"uint8_{i}"][0] / 255.0 - uint8_expected).max()
            <= 1 / 255 + 1e-6
        )
        batch = out[f"batch_{i}"]
        assert batch.shape == (2, *SIZES[i], 3)
        assert psnr(batch[1], keras_reference(model, crop[::-1].copy())) >= 50


@requires_shared
@pytest.mark.parametrize(
    "variant, min_db",
    [
        ("tflite_float32", 50),
        ("tflite_float16", 50),
        ("tflite_dynamic_int8", 25),
        ("tflite_int8", 25),
    ],
)
def test_tflite_runs_at_two_sizes(tiny_export, variant, min_db):
    from ai_edge_litert.interpreter import Interpreter

    directory, model = tiny_export
    manifest = json.loads((directory / "manifest.json").read_text())
    interpreter = Interpreter(
        model_path=str(directory / manifest["artifacts"][variant]["path"]),
        num_threads=2,
    )
    (inp,) = interpreter.get_input_details()
    assert list(inp["shape_signature"]) == [1, -1, -1, 3]
    assert inp["dtype"] == np.float32
    for crop in real_crops():
        interpreter.resize_tensor_input(inp["index"], [1, *crop.shape])
        interpreter.allocate_tensors()
        interpreter.set_tensor(inp["index"], crop[None])
        interpreter.invoke()
        (out,) = interpreter.get_output_details()
        result = interpreter.get_tensor(out["index"])
        assert result.shape == (1, *crop.shape) and result.dtype == np.float32
        assert 0.0 <= result.min() and result.max() <= 1.0
        assert psnr(result[0], keras_reference(model, crop)) >= min_db


def test_manifest_describes_and_hashes_everything(tiny_export):
    from keras_mimo.export import FORMATS, check_files, read_manifest

    directory, model = tiny_export
    manifest = read_manifest(directory)
    assert set(manifest["artifacts"]) == set(FORMATS)
    assert check_files(directory) == []
    listed = {f["path"] for a in manifest["artifacts"].values() for f in a["files"]}
    on_disk = {
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert listed == on_disk  # nothing unlisted (e.g. no TFLite source left behind)
    assert manifest["model"]["parameters"] == model.count_params()
    sm = manifest["artifacts"]["saved_model"]
    assert set(sm["signatures"]) == {"serving_default", "serving_uint8"}
    for name, entry in manifest["artifacts"].items():
        agreement = entry["agreement"]
        if name != "tflite_dynamic_int8":
            assert agreement["threshold_db"] == FORMATS[name].min_psnr_db
        assert agreement["passed"] == (
            agreement["min_psnr_db"] >= agreement["threshold_db"]
        )
        assert entry["size_bytes"] == sum(f["size_bytes"] for f in entry["files"])
        if FORMATS[name].required:
            assert agreement["passed"]
    assert manifest["verification"]["calibration"]["samples"] == 8


def test_int8_miss_is_published_with_a_warning(tiny_export):
    from keras_mimo.export import read_manifest

    directory, _ = tiny_export
    manifest = read_manifest(directory)
    entry = manifest["artifacts"]["tflite_dynamic_int8"]
    assert entry["agreement"]["threshold_db"] == 200.0
    assert not entry["agreement"]["passed"]
    assert entry["warnings"] and manifest["warnings"] == entry["warnings"]
    assert (directory / entry["path"]).is_file()


def test_tampered_file_is_detected(tiny_export, tmp_path):
    import shutil

    from keras_mimo.export import check_files

    directory, _ = tiny_export
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    blob = bytearray((copy / "model_float32.tflite").read_bytes())
    blob[-1] ^= 0xFF
    (copy / "model_float32.tflite").write_bytes(bytes(blob))
    assert check_files(copy) == ["sha256 of model_float32.tflite differs"]
