"""`training/fit_on_device.py`: a timed run that returns float16 presets."""

import csv
import subprocess
import sys

import h5py
import keras
import numpy as np
import pytest
from PIL import Image

from keras_mimo import MIMOUNet, psnr
from keras_mimo.training.device_cli import load_pairs, out_of_memory
from tests.conftest import DATA, ROOT, require_shared


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    """16 real frames and two validation pairs, cut to 96x96."""
    require_shared()
    root = tmp_path_factory.mktemp("packed")
    (root / "frames").mkdir()
    frames = sorted((DATA / "gopro_frames" / "GOPR0477_11_00").glob("*.png"))[:16]
    for path in frames:
        Image.open(path).crop((600, 300, 696, 396)).save(root / "frames" / path.name)
    names = sorted(p.name for p in (DATA / "gopro_val" / "blur").glob("*.png"))[:2]
    for kind in ("blur", "sharp"):
        (root / "val" / kind).mkdir(parents=True)
        for name in names:
            image = Image.open(DATA / "gopro_val" / kind / name)
            image.crop((600, 300, 696, 396)).save(root / "val" / kind / name)
    return root


def test_timed_run_returns_float16_presets_and_its_curve(packed, tmp_path):
    args = [
        sys.executable,
        str(ROOT / "training" / "fit_on_device.py"),
        "--backend",
        keras.config.backend(),
        "--data",
        str(packed),
        "--width",
        "8",
        "--num-res",
        "1",
        "--batch-size",
        "2",
        "--crop",
        "32",
        "--window",
        "7-9",
        "--steps-per-epoch",
        "5",
        "--minutes",
        "0.1",
        "--save-every",
        "2",
        "--output",
        str(tmp_path),
    ]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "images/s" in result.stdout and "Best:" in result.stdout
    with open(tmp_path / "curve.csv") as f:
        curve = list(csv.DictReader(f))
    assert curve and int(curve[-1]["step"]) % 5 == 0
    last = MIMOUNet.from_preset(tmp_path / "last")
    meta = last.preset_source["metadata"]
    assert meta["steps"] == int(curve[-1]["step"]) and meta["ema_momentum"] == 0.999
    with h5py.File(tmp_path / "last" / "model.weights.h5") as weights:
        kinds = set()
        weights.visititems(lambda _, item: kinds.add(getattr(item, "dtype", None)))
    assert np.dtype("float16") in kinds and np.dtype("float32") not in kinds
    # The curve's score is the saved weights' PSNR on the validation pairs.
    scores = [
        float(psnr(sharp, last.predict_on_batch(blur)[-1])[0])
        for blur, sharp in load_pairs(packed / "val")
    ]
    assert abs(np.mean(scores) - float(curve[-1]["val_psnr"])) < 0.01


def test_out_of_memory_is_recognised_on_every_backend():
    assert out_of_memory(RuntimeError("RESOURCE_EXHAUSTED: Out of memory while trying"))
    assert out_of_memory(MemoryError("CUDA out of memory. Tried to allocate 2 GiB"))
    assert not out_of_memory(ValueError("crop 64 does not fit 32x32 frames"))
