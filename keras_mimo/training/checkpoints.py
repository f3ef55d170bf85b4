"""Atomic, NaN-safe training checkpoints that `--resume` continues from.

A checkpoint is a `.keras` file (weights *and* optimizer state) plus
`state.json` naming it with the epoch, step and seed. Both are written to a
temporary file and renamed, and the previous checkpoint is deleted only
after `state.json` points at the new one, so a process killed at any moment
leaves a complete, loadable checkpoint behind.

`state.json` is data, not instructions: the checkpoint it names must be a
plain file name inside the run folder, and a file is only ever deleted if its
name is one of ours (`checkpoint-NNNNN.keras`). Temporaries left by a killed
run are removed when the next run starts (`TrainingCheckpoint`).
"""

import json
import math
import os
import pathlib
import re

import keras

from keras_mimo.training.averaging import averaged_weights
from keras_mimo.training.errors import TrainingStateError
from keras_mimo.utils.errors import UnsafePathError
from keras_mimo.utils.files import atomic_file, path_inside, remove_stale_temporaries

STATE_FILE = "state.json"
#: The only file names a run deletes: its own periodic checkpoints.
CHECKPOINT_NAME = re.compile(r"^checkpoint-\d{5,}\.keras$")
_INTEGER_KEYS = ("epoch", "step")


def checkpoint_name(epoch: int) -> str:
    """`checkpoint-00005.keras` for epoch 5."""
    return f"checkpoint-{epoch:05d}.keras"


def _check_state(path: pathlib.Path, state: object) -> dict:
    """Raises `TrainingStateError` unless `state` has the fields a resume needs."""
    if not isinstance(state, dict):
        raise TrainingStateError(
            path, f"must hold a JSON object, not {type(state).__name__}"
        )
    missing = [k for k in ("checkpoint", *_INTEGER_KEYS) if k not in state]
    if missing:
        raise TrainingStateError(path, f"missing field(s) {', '.join(missing)}")
    for key in _INTEGER_KEYS:
        value = state[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise TrainingStateError(
                path, f"field {key!r} must be a non-negative integer, got {value!r}"
            )
    if not isinstance(state.get("history", []), list):
        raise TrainingStateError(path, "field 'history' must be a list")
    provenance = state.get("provenance", {})
    if not isinstance(provenance, dict) or not isinstance(
        provenance.get("calls", []), list
    ):
        raise TrainingStateError(
            path, "field 'provenance' must be an object with a list of 'calls'"
        )
    return state


def read_state(directory: str | os.PathLike) -> dict | None:
    """The last complete checkpoint's state in `directory`, or None.

    Raises:
        TrainingStateError: `state.json` is empty, truncated or not JSON,
            lacks a field, or its `checkpoint` is not a plain file name
            inside `directory` or is missing.
    """
    directory = pathlib.Path(directory)
    path = directory / STATE_FILE
    if not path.is_file():
        return None
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise TrainingStateError(path, f"cannot read it ({error})") from None
    if not text.strip():
        raise TrainingStateError(
            path, "empty file (the run was interrupted while writing it?)"
        )
    try:
        state = _check_state(path, json.loads(text))
    except json.JSONDecodeError as error:
        raise TrainingStateError(
            path, f"not valid JSON, truncated or corrupt ({error})"
        ) from None
    try:
        checkpoint = path_inside(directory, state["checkpoint"], "field 'checkpoint'")
    except UnsafePathError as error:
        raise TrainingStateError(
            path, f"{error}; it must name a file in the run folder"
        ) from None
    if not checkpoint.is_file():
        raise TrainingStateError(
            path, f"names checkpoint {checkpoint.name}, which does not exist"
        )
    return state


def checkpoint_path(directory: str | os.PathLike, state: dict) -> pathlib.Path:
    """The checkpoint file a state read by `read_state` names."""
    return path_inside(directory, state["checkpoint"], "field 'checkpoint'")


def remove_replaced_checkpoint(
    directory: pathlib.Path, name: str, current: str
) -> None:
    """Deletes a superseded checkpoint, but only one of our own naming."""
    if name != current and CHECKPOINT_NAME.match(name):
        path_inside(directory, name, "checkpoint").unlink(missing_ok=True)


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
    checkpoint; `TerminateOnNaN` stops the run. With a weight average
    (`--ema`), `best.keras` holds the average, which validation scored; the
    periodic checkpoints hold the raw weights and, in the optimizer, the
    average, so a resumed run continues both.

    Args:
        directory: the run's output folder.
        steps_per_epoch: to record the global step.
        seed: recorded so a resumed run derives its data order from it.
        monitor: validation metric for `best.keras` (higher is better).
        every: save every this many epochs.
        provenance: the run's record (`keras_mimo.training.provenance`),
            kept in `state.json` so a resumed run's preset still knows it.
    """

    def __init__(
        self,
        directory,
        steps_per_epoch,
        seed,
        monitor="val_full_psnr",
        every=1,
        provenance=None,
    ):
        super().__init__()
        self.directory = pathlib.Path(directory)
        self.steps_per_epoch = steps_per_epoch
        self.seed = seed
        self.monitor = monitor
        self.every = every
        self.provenance = provenance
        remove_stale_temporaries(self.directory)
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
            with averaged_weights(self.model):
                save_model_atomic(self.model, self.directory / "best.keras")
        if (epoch + 1) % self.every:
            return
        name = checkpoint_name(epoch + 1)
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
                **({"provenance": self.provenance} if self.provenance else {}),
            },
        )
        if previous:
            remove_replaced_checkpoint(self.directory, previous["checkpoint"], name)
