"""Broken presets, impossible flags and wrong inputs end in one clear typed error."""

import json
import shutil

import numpy as np
import pytest

from keras_mimo import MIMOUNet
from keras_mimo.inference import Deblurrer, InputImageError
from keras_mimo.utils.preset_utils import PresetError
from tests.test_case import tiny_model


@pytest.fixture
def preset(tmp_path):
    directory = tmp_path / "preset"
    tiny_model().save_to_preset(directory)
    return directory


def edit_json(path, change):
    data = json.loads(path.read_text())
    path.write_text(json.dumps(change(data)))


def test_config_with_a_wrong_type(preset):
    def wrong(config):
        config["config"]["num_res"] = "eight"
        return config

    edit_json(preset / "config.json", wrong)
    with pytest.raises(PresetError) as caught:
        MIMOUNet.from_preset(preset)
    assert str(caught.value).startswith(
        f"Preset file {preset / 'config.json'} does not describe a model this "
        "version can build (TypeError:"
    )


def test_config_naming_an_unknown_class(preset):
    def unknown(config):
        config["class_name"] = "NoSuchModel"
        config["module"] = "no_such_package"
        config.pop("registered_name", None)
        return config

    edit_json(preset / "config.json", unknown)
    with pytest.raises(PresetError, match="does not describe a model this version"):
        MIMOUNet.from_preset(preset)


def test_metadata_that_is_not_an_object(preset):
    (preset / "metadata.json").write_text("[1, 2, 3]")
    with pytest.raises(PresetError) as caught:
        MIMOUNet.from_preset(preset)
    assert str(caught.value) == (
        f"Preset file {preset / 'metadata.json'} must hold a JSON object, not list."
    )


def test_config_that_does_not_match_the_weights(preset, tmp_path):
    bigger = tmp_path / "bigger"
    MIMOUNet(num_res=2, width=8).save_to_preset(bigger)
    shutil.copy(bigger / "model.weights.h5", preset / "model.weights.h5")
    edit_json(preset / "metadata.json", lambda m: {**m, "weights_sha256": None})
    with pytest.warns(UserWarning), pytest.raises(PresetError) as caught:
        MIMOUNet.from_preset(preset)
    assert str(caught.value) == (
        f"Preset weights {preset / 'model.weights.h5'} hold 100 arrays but the "
        "model its config.json describes has 76 variables: config and weights "
        "do not belong together."
    )


def test_missing_checksum_is_said_loudly(preset):
    edit_json(
        preset / "metadata.json",
        lambda m: {k: v for k, v in m.items() if k != "weights_sha256"},
    )
    with pytest.warns(UserWarning) as caught:
        MIMOUNet.from_preset(preset)
    assert str(caught[0].message) == (
        f"Preset {preset} has no weights_sha256 in metadata.json: its weights are "
        "not verified. Re-save it with `save_to_preset` to add one."
    )


def test_nested_list_is_not_an_image():
    image = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(InputImageError) as caught:
        Deblurrer(tiny_model())(image.tolist())
    assert str(caught.value).startswith(
        "image 0: a nested Python list is not an image; pass a numpy array"
    )


@pytest.mark.once
@pytest.mark.parametrize(
    "flags, message",
    [
        (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
        (["--lr", "0"], "--lr must be a positive number, got 0.0"),
        (["--lr=-1e-4"], "--lr must be a positive number, got -0.0001"),
        (["--lr", "nan"], "--lr must be a positive number, got nan"),
        (["--steps-per-epoch", "-3"], "--steps-per-epoch must be at least 1, got -3"),
        (["--crop", "30"], "--crop must be a positive multiple of 4, got 30"),
        (["--frequency-weight", "-1"], "--frequency-weight must be >= 0, got -1.0"),
        (["--warmup-steps", "-1"], "--warmup-steps must be >= 0, got -1"),
        (["--width", "0"], "--width must be at least 1, got 0"),
    ],
)
def test_impossible_flag_values(capsys, flags, message):
    from keras_mimo.training.cli import parse_args  # what training/fit.py runs

    argv = ["--data", "folders:a,b", "--output", "x", "--steps", "10", *flags]
    with pytest.raises(SystemExit) as caught:
        parse_args(argv)
    assert caught.value.code == 2
    assert capsys.readouterr().err.strip().endswith(f"error: {message}")
