"""`convert` never deletes what it did not write, nor writes outside its target."""

import numpy as np
import pytest

from keras_mimo import CheckpointError, convert_checkpoint
from keras_mimo.cli import main as cli_main
from keras_mimo.presets import user_preset_dir
from keras_mimo.utils.errors import OutputExistsError
from tests.conftest import REFERENCE, requires_shared

torch = pytest.importorskip("torch")
# Converts the official-format reference checkpoint of the shared data.
pytestmark = [pytest.mark.once, requires_shared]
CHECKPOINT = REFERENCE / "mimo_unet_random_init.pkl"


def folder_with_user_files(path):
    (path / "sub").mkdir(parents=True)
    (path / "notes.txt").write_text("mine")
    (path / "sub" / "photo.jpg").write_bytes(b"jpeg")
    return path


def assert_untouched(path):
    assert (path / "notes.txt").read_text() == "mine"
    assert (path / "sub" / "photo.jpg").read_bytes() == b"jpeg"
    assert sorted(p.name for p in path.iterdir()) == ["notes.txt", "sub"]


def modified_checkpoint(tmp_path, key, value):
    state = torch.load(CHECKPOINT, weights_only=True)["model"]
    state[key] = value
    path = tmp_path / "bad.pkl"
    torch.save({"model": state}, path)
    return path


def test_convert_refuses_a_non_empty_folder(tmp_path, capsys):
    target = folder_with_user_files(tmp_path / "DIR")
    assert cli_main(["convert", str(CHECKPOINT), str(target)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"error: {target} exists; pass --overwrite to replace it"
    )
    assert_untouched(target)


def test_convert_overwrite_still_keeps_foreign_files(tmp_path, capsys):
    target = folder_with_user_files(tmp_path / "DIR")
    assert cli_main(["convert", str(CHECKPOINT), str(target), "--overwrite"]) == 1
    assert "holds notes.txt, sub, which are not part of a preset" in (
        capsys.readouterr().err
    )
    assert_untouched(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DIR"]


@pytest.mark.parametrize("name", ["../other", "/tmp/elsewhere", "a/b", ".."])
def test_convert_name_must_be_plain(tmp_path, capsys, name):
    outside = user_preset_dir().parent / "other"
    assert cli_main(["convert", str(CHECKPOINT), "--name", name]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: --name {name!r}: must be a plain name, without folders, '..' or '/'"
    )
    assert not outside.exists() and not user_preset_dir().exists()


def test_convert_api_refuses_existing_output(tmp_path):
    target = folder_with_user_files(tmp_path / "DIR")
    with pytest.raises(OutputExistsError, match="pass overwrite=True"):
        convert_checkpoint(CHECKPOINT, target)
    assert_untouched(target)


def test_wrong_rank_is_a_checkpoint_error(tmp_path):
    key = "feat_extract.0.main.0.bias"
    path = modified_checkpoint(tmp_path, key, torch.zeros(32, 1))
    with pytest.raises(CheckpointError) as caught:
        convert_checkpoint(path)
    assert str(caught.value) == (
        f"Tensor {key!r} has shape (32, 1) (rank 2); a bias must have rank 1."
    )


def test_nan_checkpoint_is_refused_and_keeps_the_installed_preset(tmp_path):
    key = "Encoder.0.layers.0.main.0.main.0.weight"
    state = torch.load(CHECKPOINT, weights_only=True)["model"]
    weight = state[key].clone()
    weight[0, 0, 0, 0] = float("nan")
    path = modified_checkpoint(tmp_path, key, weight)
    installed = user_preset_dir() / "gopro"
    installed.mkdir(parents=True)
    (installed / "config.json").write_text("{}")
    with pytest.raises(CheckpointError) as caught:
        convert_checkpoint(path, installed, overwrite=True)
    assert str(caught.value) == (
        f"Tensor {key!r} holds NaN or infinite values: the checkpoint is corrupt "
        "or comes from a diverged run."
    )
    assert (installed / "config.json").read_text() == "{}"
    assert np.isnan(weight.numpy()).any()
