"""`training/fit.py` end to end, in subprocesses, on small real crops."""

import csv
import json
import math
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
from PIL import Image

from keras_mimo.training.checkpoints import TrainingCheckpoint, read_state
from tests.conftest import DATA, ROOT, require_shared
from tests.test_case import tiny_model

FIT = [sys.executable, str(ROOT / "training" / "fit.py")]
# Keras' own CPU default per backend (TF graph, JAX XLA, torch eager).
JIT = {"tensorflow": "false", "jax": "true", "torch": "false"}


def write_crops(root, input_image):
    """Two 96x96 crops of each validation pair: three pairs train, three validate.

    `input_image(name, sharp)` gives the pair's input (blurry) image.
    """
    names = sorted(p.name for p in (DATA / "gopro_val" / "sharp").glob("*.png"))
    for split, chosen in (("train", names[:3]), ("val", names[3:])):
        for kind in ("blur", "sharp"):
            (root / split / kind).mkdir(parents=True)
        for name in chosen:
            sharp = Image.open(DATA / "gopro_val" / "sharp" / name)
            images = {"sharp": sharp, "blur": input_image(name, sharp)}
            for k, (top, left) in enumerate(((150, 300), (400, 700))):
                for kind, image in images.items():
                    tile = image.crop((left, top, left + 96, top + 96))
                    tile.save(root / split / kind / f"{k}_{name}")
    return root


@pytest.fixture(scope="module")
def crops(tmp_path_factory):
    """Train on crops of three real pairs, validate on the other three."""
    require_shared()
    return write_crops(
        tmp_path_factory.mktemp("crops"),
        lambda name, sharp: Image.open(DATA / "gopro_val" / "blur" / name),
    )


@pytest.fixture(scope="module")
def exposure_crops(tmp_path_factory):
    """Sharp crops of real photos whose inputs are under-exposed (x 0.7).

    Deblurring real pairs gains too little in a few dozen steps of a tiny
    model to tell from noise (the validation loss moves ~0.1%, either way);
    an exposure error is learned in that time (the loss falls ~18%), so the
    short-training tests can demand a clear drop.
    """
    require_shared()
    return write_crops(
        tmp_path_factory.mktemp("exposure_crops"),
        lambda name, sharp: Image.fromarray(
            (np.asarray(sharp, np.float32) * 0.7).astype(np.uint8)
        ),
    )


def fit_args(crops, output, backend, *extra):
    return [
        *FIT,
        "--backend",
        backend,
        "--width",
        "8",
        "--num-res",
        "1",
        "--data",
        f"folders:{crops}/train/blur,{crops}/train/sharp",
        "--val-data",
        f"folders:{crops}/val/blur,{crops}/val/sharp",
        "--crop",
        "64",
        "--batch-size",
        "4",
        "--lr",
        "2e-3",
        "--output",
        str(output),
        "--verbose",
        "2",
        # Explicit path: the auto probe has its own test (test_fast_path.py).
        *(() if "--precision" in extra else ("--precision", "float32")),
        *(() if "--jit-compile" in extra else ("--jit-compile", JIT[backend])),
        *extra,
    ]


def run(args, timeout=600):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # Keras warns when a dataset of unknown size ends; validation states its size.
    assert "ran out of data" not in result.stderr, result.stderr[-3000:]
    return result.stdout


def val_losses(output):
    with open(output / "log.csv") as f:
        return [float(row["val_loss"]) for row in csv.DictReader(f)]


def test_short_training_lowers_validation_loss(exposure_crops, tmp_path):
    backend = keras.config.backend()
    out = run(
        fit_args(
            exposure_crops, tmp_path, backend, "--epochs", "3", "--steps-per-epoch", "8"
        )
    )
    losses = val_losses(tmp_path)
    # Measured 0.232 -> 0.188 (TensorFlow, float32, AMD EPYC Zen 3).
    assert len(losses) == 3 and losses[-1] < 0.9 * losses[0], losses
    assert "Preset written" in out
    from keras_mimo import MIMOUNet

    preset = MIMOUNet.from_preset(tmp_path / "preset")
    meta = preset.preset_source["metadata"]
    assert meta["steps_run"] == 24 and meta["validation"]["val_full_psnr"] > 0
    # The weights are the best epoch's, and "steps" counts the steps behind them.
    assert meta["steps"] == 8 * meta["validation"]["epoch"]
    assert preset.dtype_policy.name == "float32"


@pytest.mark.once
def test_preset_records_earlier_stages_and_each_resumed_call(crops, tmp_path):
    """Provenance is taken when a run starts and kept across `--resume`.

    The starting preset is replaced mid-run (as a shipped preset can be):
    the run still lists the stages it really started from. The resumed call
    changes the batch size and, the run being at a constant rate, the rate;
    the run's gradient accumulation carries on, and cannot be changed.
    """
    from keras_mimo import MIMOUNet

    backend = keras.config.backend()
    start = tmp_path / "start"
    MIMOUNet(width=8, num_res=1).save_to_preset(
        start, {"stages": [{"command": "first stage", "steps": 100}]}
    )
    run_dir = tmp_path / "run"
    base = ("--steps-per-epoch", "4", "--val-every", "1", "--schedule", "constant")
    run(
        fit_args(
            crops,
            run_dir,
            backend,
            *base,
            "--epochs",
            "1",
            "--init-from",
            str(start),
            "--accumulate",
            "2",
        )
    )
    MIMOUNet(width=8, num_res=1).save_to_preset(
        start, {"stages": [{"command": "replaced", "steps": 999}]}
    )
    out = run(
        fit_args(
            crops,
            run_dir,
            backend,
            *base,
            "--epochs",
            "2",
            "--resume",
            "--batch-size",
            "2",
            "--lr",
            "1e-3",
        )
    )
    assert "predates provenance" not in out
    assert "Learning rate 0.002 -> 0.001 from here on." in out
    state = read_state(run_dir)
    resumed = keras.saving.load_model(run_dir / state["checkpoint"])
    assert float(resumed.optimizer.learning_rate) == pytest.approx(1e-3)
    assert int(resumed.optimizer.iterations) == state["step"] // 2 == 4
    meta = MIMOUNet.from_preset(run_dir / "preset").preset_source["metadata"]
    assert meta["accumulate"] == 2
    assert meta["initialised_from"] == str(start)
    first, this_run = meta["stages"]
    assert first == {"command": "first stage", "steps": 100}
    calls = this_run["calls"]
    assert [call["from_step"] for call in calls] == [0, 4]
    assert "--init-from" in calls[0]["command"] and "--resume" in calls[1]["command"]
    assert calls[1]["command"].endswith("--batch-size 2 --lr 1e-3")
    assert this_run["command"] == calls[0]["command"]
    assert this_run["steps"] == meta["steps"] and meta["steps"] in (4, 8)
    assert meta["total_steps"] == 100 + meta["steps"]
    changed = [*fit_args(crops, run_dir, backend, *base), "--epochs", "3"]
    result = subprocess.run(
        [*changed, "--resume", "--accumulate", "4"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "error: --accumulate 4 differs from the run's (2, " in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.requires_backend("jax")
def test_resume_after_sigkill_loses_nothing(crops, tmp_path):
    args = fit_args(crops, tmp_path, "jax", "--epochs", "4", "--steps-per-epoch", "6")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 600
    while time.time() < deadline and process.poll() is None:
        state = read_state(tmp_path) if (tmp_path / "state.json").exists() else None
        if state and state["epoch"] >= 2:
            break
        time.sleep(0.5)
    assert process.poll() is None, "run ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed = read_state(tmp_path)
    saved = keras.saving.load_model(tmp_path / killed["checkpoint"])
    out = run([*args, "--resume"])
    assert f"Resumed {killed['checkpoint']}" in out
    final = read_state(tmp_path)
    assert final["epoch"] == 4 and final["step"] == 24
    epochs = [h["epoch"] for h in final["history"]]
    assert epochs[: killed["epoch"]] == list(range(1, killed["epoch"] + 1))
    assert epochs[-1] == 4
    # The resumed run started from the checkpoint's optimizer state.
    assert int(saved.optimizer.iterations.numpy()) == killed["step"]


@pytest.mark.once
def test_non_finite_epoch_keeps_last_good_checkpoint(tmp_path):
    model = tiny_model()
    model.compile(optimizer="adam", loss="mae")
    callback = TrainingCheckpoint(tmp_path, steps_per_epoch=5, seed=0)
    callback.set_model(model)
    callback.on_epoch_end(0, {"loss": 0.5, "val_full_psnr": 20.0})
    good = read_state(tmp_path)
    callback.on_epoch_end(1, {"loss": math.nan, "val_full_psnr": 30.0})
    assert read_state(tmp_path) == good
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "best.keras",
        "checkpoint-00001.keras",
        "state.json",
    ]
    callback.on_epoch_end(2, {"loss": 0.4, "val_full_psnr": 10.0})
    state = read_state(tmp_path)
    assert state["checkpoint"] == "checkpoint-00003.keras" and state["best"] == 20.0
    assert not (tmp_path / "checkpoint-00001.keras").exists()
    assert json.loads((tmp_path / "state.json").read_text())["step"] == 15


@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_distribute_on_two_virtual_devices(crops, tmp_path, backend):
    if keras.config.backend() != backend:
        pytest.skip("runs in its own backend's pass")
    out = run(
        fit_args(
            crops,
            tmp_path,
            backend,
            "--epochs",
            "1",
            "--steps-per-epoch",
            "3",
            "--distribute",
            "--virtual-devices",
            "2",
        )
    )
    assert "2 replica(s)" in out
    assert np.isfinite(val_losses(tmp_path)).all()


@pytest.mark.once
def test_help_gives_defaults_and_data_kinds():
    from keras_mimo.data.layouts import KIND_ARGUMENTS, LAYOUTS

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [*FIT, "--help"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stderr == ""
    text = " ".join(result.stdout.split())  # argparse wraps lines
    for default in ("(default: tensorflow)", "(default: 500)", "(default: 0.0001)"):
        assert default in text
    for kind in KIND_ARGUMENTS:
        assert f" {kind} " in text
    for layout in LAYOUTS.values():
        assert " ".join(layout.split()) in text
