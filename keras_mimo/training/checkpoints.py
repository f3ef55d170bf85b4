"""Atomic, NaN-safe training checkpoints that `--resume` continues from.

A checkpoint is a `.keras` file (weights *and* optimizer state) plus
`state.json` naming it with the epoch, step and seed. Both are written to a
temporary file and renamed, and the previous checkpoint is deleted only
after `state.json` points at the new one, so a process killed at any moment
leaves a complete, loadable checkpoint behind.
"""

import json
import math
import os
import pathlib

import keras

from keras_mimo.utils.files import atomic_file

STATE_FILE = "state.json"


def read_state(directory: str | os.PathLike) -> dict | None:
    """The last complete checkpoint's state in `directory`, or None."""
    path = pathlib.Path(directory) / STATE_FILE
    if not path.is_file():
        return None
    state = json.loads(path.read_text())
    if not (pathlib.Path(directory) / state["checkpoint"]).is_file():
        raise FileNotFoundError(f"{path} names missing file {state['checkpoint']}.")
    return state


def write_json_atomic(path: pathlib.Path, data: dict) -> None:
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2))


def save_model_atomic(model: keras.Model, path: pathlib.Path) -> None:
    with atomic_file(path, suffix=".keras") as tmp:
        model.save(tmp)


def finite_logs(logs: dict | None) -> bool:
    """True when every logged loss/metric is a finite number."""
    return all(math.isfinite(float(v)) for v in (logs or {}).values())


class TrainingCheckpoint(keras.callbacks.Callback):
    """Saves a resumable checkpoint every `every` epochs; keeps the best model.

    Epochs whose logs hold a NaN or inf never overwrite the last good
    checkpoint; `TerminateOnNaN` stops the run.

    Args:
        directory: the run's output folder.
        steps_per_epoch: to record the global step.
        seed: recorded so a resumed run derives its data order from it.
        monitor: validation metric for `best.keras` (higher is better).
        every: save every this many epochs.
    """

    def __init__(
        self, directory, steps_per_epoch, seed, monitor="val_full_psnr", every=1
    ):
        super().__init__()
        self.directory = pathlib.Path(directory)
        self.steps_per_epoch = steps_per_epoch
        self.seed = seed
        self.monitor = monitor
        self.every = every
        state = read_state(self.directory) or {}
        self.best = state.get("best", -math.inf)
        self.history = state.get("history", [])

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if not finite_logs(logs):
            print(
                f"\nNon-finite loss at epoch {epoch + 1}: keeping the last good checkpoint."
            )
            return
        self.history.append({"epoch": epoch + 1, **logs})
        score = logs.get(self.monitor)
        if score is not None and score > self.best:
            self.best = score
            save_model_atomic(self.model, self.directory / "best.keras")
        if (epoch + 1) % self.every:
            return
        name = f"checkpoint-{epoch + 1:05d}.keras"
        save_model_atomic(self.model, self.directory / name)
        previous = read_state(self.directory)
        write_json_atomic(
            self.directory / STATE_FILE,
            {
                "checkpoint": name,
                "epoch": epoch + 1,
                "step": (epoch + 1) * self.steps_per_epoch,
                "seed": self.seed,
                "best": self.best,
                "monitor": self.monitor,
                "history": self.history,
            },
        )
        if previous and previous["checkpoint"] != name:
            (self.directory / previous["checkpoint"]).unlink(missing_ok=True)
