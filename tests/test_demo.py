"""`make demo`: the shipped preset restores the demo photo."""

import os
import re
import subprocess
import sys

import keras
from PIL import Image

from tests.conftest import ROOT

MIN_GAIN_DB = 0.2  # measured +0.71 dB (24.31 -> 25.02) with the shipped gopro


def test_demo_restores_the_default_photo(tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-m", "keras_mimo.demo", "--output", str(tmp_path)]
    command += ["--backend", keras.config.backend()]
    result = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "preset 'gopro' (package" in result.stdout
    scores = dict(
        re.findall(r"PSNR (blurry input|restored):\s+([\d.]+) dB", result.stdout)
    )
    blurry, restored = float(scores["blurry input"]), float(scores["restored"])
    assert restored > blurry + MIN_GAIN_DB, result.stdout
    with Image.open(tmp_path / "before_after.png") as picture:
        assert picture.size == (3 * 600 + 2 * 8, 400)  # blurry | restored | sharp


def test_demo_keeps_an_existing_picture(tmp_path, capsys):
    from keras_mimo.demo import PICTURE, main

    mine = tmp_path / PICTURE
    mine.write_bytes(b"the user's own file")
    assert main(["--output", str(tmp_path), "--preset", "no-such-preset"]) == 2
    assert f"{mine} exists; pass --overwrite" in capsys.readouterr().err
    assert mine.read_bytes() == b"the user's own file"
