"""A truncated image among the training data stops fit.py with one clear line."""

import io
import os
import shutil
import subprocess

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_mimo.data.decoding import read_image_tensor
from keras_mimo.data.errors import DataError, truncated_file_error
from tests.conftest import ROOT
from tests.training.test_fit import crops, fit_args  # noqa: F401


def encoded(fmt: str) -> bytes:
    buffer = io.BytesIO()
    pixels = np.random.default_rng(0).integers(0, 255, (24, 24, 3), np.uint8)
    Image.fromarray(pixels).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.once
@pytest.mark.parametrize(
    "name, data, complete",
    [
        ("whole.png", encoded("PNG"), True),
        ("cut.png", encoded("PNG")[:-20], False),
        ("whole.jpg", encoded("JPEG"), True),
        ("padded.jpg", encoded("JPEG") + b"\0\0\0", True),
        ("cut.jpg", encoded("JPEG")[:-40], False),
    ],
)
def test_read_image_names_a_truncated_file(tmp_path, name, data, complete):
    path = tmp_path / name
    path.write_bytes(data)
    dataset = tf.data.Dataset.from_tensor_slices([str(path)]).map(read_image_tensor)
    if complete:
        assert next(iter(dataset)).shape == (24, 24, 3)
        return
    with pytest.raises(tf.errors.InvalidArgumentError) as caught:
        next(iter(dataset))
    error = truncated_file_error(caught.value)
    assert isinstance(error, DataError) and error.path == str(path)
    assert str(error).startswith(f"{path}: truncated image file")


def test_fit_reports_a_truncated_training_png(crops, tmp_path):  # noqa: F811
    data = tmp_path / "data"
    shutil.copytree(crops / "train", data)
    victim = sorted((data / "blur").glob("*.png"))[0]
    victim.write_bytes(victim.read_bytes()[:-100])
    args = fit_args(crops, tmp_path / "run", keras.config.backend(), "--steps", "4")
    args[args.index("--data") + 1] = f"folders:{data}/blur,{data}/sharp"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"error: {victim}: truncated image file" in result.stderr
    assert "Traceback" not in result.stderr
