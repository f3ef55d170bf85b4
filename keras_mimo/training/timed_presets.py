"""`TimedPresets`: a run that must return weights by a deadline.

A lent GPU machine gives one command a few minutes, kills it at its limit
and returns only small files. This callback, at the first epoch end after
every `every_s` seconds, scores the weight average (float32) on whole
validation images, writes it as a float16 preset (`last/`; also `preset/` when its
PSNR is the best so far), appends a row to `curve.csv`, prints one line of
progress, and stops training at the `deadline`. Throughput counts
training time only (not the first epoch's compilation, validation or
saving).
"""

import csv
import pathlib
import time

import keras
import numpy as np

from keras_mimo.metrics import psnr
from keras_mimo.training.averaging import averaged_weights
from keras_mimo.utils.files import atomic_file

CURVE_FIELDS = ("step", "seconds", "images_per_s", "loss", "val_psnr", "best")


class TimedPresets(keras.callbacks.Callback):
    """Validates and saves float16 presets every `every_s` s; stops at `deadline`.

    Args:
        output: folder for `preset/`, `last/` and `curve.csv`.
        val_pairs: `(blur, sharp)` float32 `(1, H, W, 3)` arrays in [0, 1].
        deadline: `time.time()` at which training stops (after a save).
        every_s: seconds between saves.
        batch_size, steps_per_epoch: to count steps and images.
        export: builds the float32 model to save from the current weights.
        metadata: called with the new curve row and the whole curve, returns
            the preset's metadata.
    """

    def __init__(
        self,
        output,
        val_pairs,
        deadline,
        every_s,
        batch_size,
        steps_per_epoch,
        export,
        metadata,
    ):
        super().__init__()
        self.output = pathlib.Path(output)
        self.val_pairs = val_pairs
        self.deadline, self.every_s = deadline, every_s
        self.batch_size, self.steps_per_epoch = batch_size, steps_per_epoch
        self.export, self.metadata = export, metadata
        self.curve, self.best = [], -np.inf

    def on_train_begin(self, logs=None):
        self.start = self.last = time.time()
        self.warm = None  # (time, step) at the first epoch end: compiled by then
        self.paused = 0.0

    def validate(self, model) -> float:
        """Mean PSNR of `model` on the validation pairs (whole images)."""
        scores = []
        for blur, sharp in self.val_pairs:
            output = model.predict_on_batch(blur)[-1]  # full scale
            scores.append(float(psnr(sharp, output)[0]))  # clipped to [0, 1]
        return float(np.mean(scores)) if scores else float("nan")

    def on_epoch_end(self, epoch, logs=None):
        now, step = time.time(), (epoch + 1) * self.steps_per_epoch
        if self.warm is None:
            self.warm = (now, step)
        done = now >= self.deadline
        if now - self.last < self.every_s and not done:
            return
        trained = now - self.warm[0] - self.paused
        speed = (step - self.warm[1]) * self.batch_size / trained if trained > 0 else 0
        with averaged_weights(self.model):
            final = self.export(self.model)
        # The exported float32 copy is scored: predicting with the model in
        # training would disturb the JAX trainer's state mid-fit.
        score = self.validate(final)
        row = {
            "step": step,
            "seconds": round(now - self.start, 1),
            "images_per_s": round(speed, 1),
            "loss": round(float((logs or {}).get("loss", np.nan)), 4),
            "val_psnr": round(score, 3),
            # Without validation pairs the latest is the best there is.
            "best": bool(score > self.best or not self.val_pairs),
        }
        self.curve.append(row)
        metadata = self.metadata(row, self.curve)
        final.save_to_preset(self.output / "last", metadata, half=True)
        if row["best"]:
            self.best = score
            final.save_to_preset(self.output / "preset", metadata, half=True)
        with atomic_file(self.output / "curve.csv", suffix=".csv") as tmp:
            with open(tmp, "w", newline="") as f:
                writer = csv.DictWriter(f, CURVE_FIELDS)
                writer.writeheader()
                writer.writerows(self.curve)
        print(
            f"step {step}, {row['seconds']:.0f} s, {speed:.1f} images/s, "
            f"loss {row['loss']}, val {score:.3f} dB{' (best)' if row['best'] else ''}",
            flush=True,
        )
        self.paused += time.time() - now
        self.last = time.time()
        if done:
            self.model.stop_training = True
