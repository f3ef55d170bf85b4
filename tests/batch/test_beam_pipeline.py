"""`keras-mimo deblur-batch` / `keras_mimo.batch` on a folder of real photos."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from tests.batch.conftest import make_collection
from tests.conftest import ROOT, requires_shared

pytestmark = pytest.mark.once  # the pipeline is backend-independent


@requires_shared
def test_folder_with_a_corrupt_file(tmp_path, tiny_keras_file, capsys):
    import keras

    from keras_mimo.cli import main
    from keras_mimo.inference import Deblurrer, read_image
    from keras_mimo.inference.evaluation import score_pair
    from keras_mimo.inference.layout import split_image

    blur = make_collection(tmp_path / "set")
    out = tmp_path / "out"
    code = main(
        [
            "deblur-batch",
            str(blur / "*"),
            "-o",
            str(out),
            "--model",
            str(tiny_keras_file),
            "--",
            "--runner=DirectRunner",
        ]
    )
    assert code == 1  # one bad file
    stderr = capsys.readouterr().err
    assert "broken.png: corrupt or truncated PNG" in stderr
    assert "notes.txt: not an image" in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == {
        "deblurred": 3,
        "done_before": 0,
        "failed": 1,
        "skipped": 1,
    }
    assert [f["input"] for f in manifest["failed"]] == [str(blur / "broken.png")]
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "photo_0.jpg",
        "photo_1.png",
        "photo_2.png",
    ]
    deblurrer = Deblurrer(keras.saving.load_model(tiny_keras_file))
    for entry in manifest["files"]:
        name = os.path.basename(entry["input"])
        assert entry["output"] == str(out / name)
        assert (entry["height"], entry["width"]) == (72, 98)
        assert entry["deblur_seconds"] > 0
        written = read_image(out / name)
        assert written.format == ("JPEG" if name.endswith(".jpg") else "PNG")
        blurry = read_image(blur / name).pixels
        expected = deblurrer(blurry)
        assert np.abs(expected.astype(int) - blurry).mean() > 2  # a visible change
        if name.endswith(".png"):  # lossless: exactly what Deblurrer gives
            np.testing.assert_array_equal(written.pixels, expected)
            sharp = read_image(tmp_path / "set" / "sharp" / name).pixels
            psnr, ssim = score_pair(split_image(expected)[0], split_image(sharp)[0])
            assert entry["psnr_db"] == pytest.approx(psnr, abs=1e-3)
            assert entry["ssim"] == pytest.approx(ssim, abs=1e-4)
        else:  # no sharp partner for the JPEG
            assert "psnr_db" not in entry
            error = np.abs(written.pixels.astype(int) - expected).mean()
            assert error < 2  # JPEG quality 95


KILL_AT_SECOND_IMAGE = r"""
import os, signal, sys
from keras_mimo.batch import handler, pipeline

calls = []
original = handler.DeblurModelHandler.run_inference

def run_inference(self, batch, model, inference_args=None):
    calls.append(1)
    if len(calls) == 2:  # a hard kill in the middle of the run
        os.kill(os.getpid(), signal.SIGKILL)
    return original(self, batch, model, inference_args)

handler.DeblurModelHandler.run_inference = run_inference
pipeline.deblur_files(sys.argv[1], sys.argv[2], model=sys.argv[3])
"""


@requires_shared
def test_interrupted_run_resumes(tmp_path, tiny_keras_file):
    from keras_mimo.batch import deblur_files

    blur = make_collection(tmp_path / "set")
    out = tmp_path / "out"
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            KILL_AT_SECOND_IMAGE,
            str(blur / "*.*"),
            str(out),
            str(tiny_keras_file),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL
    first = {p.name: p.stat() for p in out.iterdir()}
    assert len(first) == 1 and "manifest.json" not in first  # one output, no manifest
    ((name, stat),) = first.items()

    manifest = deblur_files(str(blur / "*.*"), out, model=tiny_keras_file)
    assert manifest["counts"] == {
        "deblurred": 2,
        "done_before": 1,
        "failed": 1,
        "skipped": 1,
    }
    (before,) = [f for f in manifest["files"] if f["status"] == "done_before"]
    assert before["output"] == str(out / name)
    again = (out / name).stat()  # not redone: same file, untouched
    assert (again.st_ino, again.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "photo_0.jpg",
        "photo_1.png",
        "photo_2.png",
    ]

    # A third run has nothing left to do and keeps the details of earlier runs.
    third = deblur_files(str(blur / "*.*"), out, model=tiny_keras_file)
    assert third["counts"]["done_before"] == 3 and third["counts"]["deblurred"] == 0
    details = {f["input"]: f for f in manifest["files"]}
    for entry in third["files"]:
        if details[entry["input"]]["status"] == "deblurred":
            assert entry["deblur_seconds"] == details[entry["input"]]["deblur_seconds"]


@requires_shared
def test_foreign_manifest_is_never_replaced(tmp_path, tiny_keras_file):
    from keras_mimo.batch import deblur_files
    from keras_mimo.batch.errors import BatchError

    blur = make_collection(tmp_path / "set", count=2)
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text('{"mine": true}')
    with pytest.raises(BatchError, match="not a keras-mimo batch manifest"):
        deblur_files(str(blur / "*"), out, model=tiny_keras_file)
    assert (out / "manifest.json").read_text() == '{"mine": true}'
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
