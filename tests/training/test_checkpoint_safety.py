"""`state.json` is data: it cannot steer loads or deletes out of the run folder."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from keras_mimo.training.checkpoints import (
    STATE_FILE,
    TrainingCheckpoint,
    read_state,
)
from keras_mimo.training.errors import TrainingStateError
from tests.conftest import ROOT
from tests.test_case import tiny_model


def load_fit():
    spec = importlib.util.spec_from_file_location("fit", ROOT / "training" / "fit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_state(run, **fields):
    run.mkdir(parents=True, exist_ok=True)
    state = {"checkpoint": "checkpoint-00001.keras", "epoch": 1, "step": 2, "seed": 0}
    state.update(fields)
    (run / STATE_FILE).write_text(json.dumps(state))
    return run / STATE_FILE


@pytest.mark.once
@pytest.mark.parametrize(
    "name", ["/etc/passwd", "../victim.keras", "sub/checkpoint-00001.keras", ".."]
)
def test_checkpoint_outside_the_run_is_refused(tmp_path, name):
    victim = tmp_path / "victim.keras"
    victim.write_bytes(b"precious")
    path = write_state(tmp_path / "run", checkpoint=name)
    with pytest.raises(TrainingStateError) as caught:
        read_state(tmp_path / "run")
    assert str(caught.value) == (
        f"{path}: field 'checkpoint' {name!r}: must be a plain name, without "
        "folders, '..' or '/'; it must name a file in the run folder"
    )
    assert victim.read_bytes() == b"precious"


@pytest.mark.once
@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "empty file (the run was interrupted while writing it?)"),
        ('{"checkpoint": "checkpoint-00001.keras", "ep', "not valid JSON"),
        ("[1, 2]", "must hold a JSON object, not list"),
        ('{"checkpoint": "checkpoint-00001.keras"}', "missing field(s) epoch, step"),
        (
            '{"checkpoint": "checkpoint-00001.keras", "epoch": "two", "step": 2}',
            "field 'epoch' must be a non-negative integer, got 'two'",
        ),
        (
            '{"checkpoint": "checkpoint-00001.keras", "epoch": 1, "step": 2, '
            '"provenance": {"calls": "python fit.py"}}',
            "field 'provenance' must be an object with a list of 'calls'",
        ),
    ],
)
def test_broken_state_is_a_typed_error(tmp_path, text, problem):
    (tmp_path / STATE_FILE).write_text(text)
    (tmp_path / "checkpoint-00001.keras").write_bytes(b"x")
    with pytest.raises(TrainingStateError) as caught:
        read_state(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / STATE_FILE}: {problem}")


@pytest.mark.once
def test_existing_state_files_still_read(tmp_path):
    """The format a live run writes today keeps resuming."""
    (tmp_path / "checkpoint-00003.keras").write_bytes(b"x")
    state = {
        "checkpoint": "checkpoint-00003.keras",
        "epoch": 3,
        "step": 1500,
        "seed": 0,
        "best": 25.1,
        "monitor": "val_full_psnr",
        "history": [{"epoch": 1, "loss": 0.1}],
    }
    (tmp_path / STATE_FILE).write_text(json.dumps(state, indent=2))
    assert read_state(tmp_path) == state


@pytest.mark.once
def test_checkpoint_never_deletes_a_file_not_of_its_naming(tmp_path):
    """A state naming another file in the run folder: it survives the next save."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "notes.keras").write_bytes(b"user's model")
    write_state(run, checkpoint="notes.keras")
    callback = TrainingCheckpoint(run, steps_per_epoch=2, seed=0)
    model = tiny_model()
    callback.set_model(model)
    callback.on_epoch_end(1, {"loss": 0.5})
    assert (run / "notes.keras").read_bytes() == b"user's model"
    assert read_state(run)["checkpoint"] == "checkpoint-00002.keras"
    callback.on_epoch_end(2, {"loss": 0.4})  # our own old checkpoint does go
    assert not (run / "checkpoint-00002.keras").exists()
    assert (run / "checkpoint-00003.keras").is_file()


@pytest.mark.once
def test_stale_temporaries_are_removed_when_the_run_resumes(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    stale = tmp_path / f".checkpoint-00005.keras.{process.pid}-abcdefgh.keras"
    stale.write_bytes(b"half a checkpoint")
    (tmp_path / "log.csv").write_text("epoch\n")
    TrainingCheckpoint(tmp_path, steps_per_epoch=2, seed=0)
    assert sorted(os.listdir(tmp_path)) == ["log.csv"]


@pytest.mark.once
@pytest.mark.parametrize("resume", [True, False])
def test_fit_reports_a_broken_state_in_one_line(tmp_path, capsys, resume):
    fit = load_fit()
    (tmp_path / STATE_FILE).write_text('{"checkpoint": "chec')
    argv = ["--backend", "tensorflow", "--data", "folders:a,b", "--steps", "1"]
    argv += ["--output", str(tmp_path)] + (["--resume"] if resume else [])
    assert fit.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {tmp_path / STATE_FILE}: not valid JSON")
    assert "\n" not in err and "Traceback" not in err


@pytest.mark.once
def test_fit_reports_a_corrupt_checkpoint_in_one_line(tmp_path, capsys):
    fit = load_fit()
    write_state(tmp_path)
    (tmp_path / "checkpoint-00001.keras").write_bytes(b"not a zip")
    argv = ["--backend", "tensorflow", "--data", "folders:a,b", "--steps", "5"]
    assert fit.main([*argv, "--output", str(tmp_path), "--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(
        f"error: {tmp_path / 'checkpoint-00001.keras'}: cannot load this checkpoint"
    )
    assert "\n" not in err
