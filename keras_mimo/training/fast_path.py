"""Choosing the fastest training path (precision, graph or XLA) on this machine.

`fit.py --precision auto --jit-compile auto` asks `choose_training_path`.
Candidates are only those that can win: bfloat16 only where the hardware
computes in it natively (CPU flags `amx_bf16`/`avx512_bf16`, or a GPU);
one compile mode per backend (`AUTO_JIT_COMPILE`: TensorFlow graph mode,
JAX's XLA, PyTorch eager). With more than one candidate, each trains a few steps of the real model at the real
batch and crop size and the fastest wins. The answer is cached per machine,
backend, library versions, model and shape in
`$KERAS_MIMO_HOME/training_paths.json`, so the probe runs once.
"""

import dataclasses
import json
import sys

from keras_mimo.utils.precision import PRECISION_POLICIES, native_bf16
from keras_mimo.utils.probes import (
    machine_key,
    read_cached,
    time_calls,
    time_in_subprocess,
    write_cached,
)

# One compile mode per backend. JAX always compiles with XLA. On TensorFlow,
# graph mode (oneDNN) beat XLA in every precision measured on CPU (AMX Xeon:
# 6.8 vs 10.0 s fp32, 1.84 vs 10.1 s bf16; Zen 5: 4.4 vs 5.9 s fp32, 3.6 vs
# 6.2 s bf16, batch 4 x 256), and XLA cannot validate on images of varying
# size (the loss's FFT with dynamic dimensions is unimplemented), so it is
# not a candidate; PyTorch's compile is not used either (eager, as Keras).
AUTO_JIT_COMPILE = {"tensorflow": False, "jax": True, "torch": False}
CACHE_FILE = "training_paths.json"


@dataclasses.dataclass(frozen=True)
class TrainingPath:
    """A precision and compile mode, and why it was chosen."""

    precision: str  # "float32" or "bfloat16"
    jit_compile: bool
    reason: str
    seconds_per_step: dict | None = None

    @property
    def policy(self) -> str:
        """The Keras dtype policy of `precision`."""
        return PRECISION_POLICIES[self.precision]

    def describe(self) -> str:
        mode = "XLA" if self.jit_compile else "graph/eager"
        return f"{self.precision}, {mode} ({self.reason})"


def candidates(backend: str, precision: str, jit_compile: str) -> tuple[list, str]:
    """The `(precision, jit_compile)` pairs worth probing, and why these."""
    notes = []
    if precision == "auto":
        native = native_bf16(backend)
        if native:
            precisions = ["bfloat16", "float32"]
            notes.append(f"native bf16 ({native})")
        else:
            precisions = ["float32"]
            notes.append("no native bf16 on this CPU")
    else:
        precisions = [precision]
    if jit_compile == "auto":
        modes = [AUTO_JIT_COMPILE[backend]]
    else:
        modes = [jit_compile == "true"]
    return [(p, j) for p in precisions for j in modes], "; ".join(notes)


def probe_step_time(
    backend: str,
    config: dict,
    precision: str,
    jit_compile: bool,
    batch: int,
    crop: int,
    steps: int = 2,
) -> float:
    """Median seconds per `train_on_batch` step after one warm-up (compile) step.

    Each candidate runs in a fresh process (`python -m
    keras_mimo.training.fast_path`): the backend is chosen per process, and
    the training process is not left holding the probe's models and
    compiled functions.
    """
    arguments = [config, precision, jit_compile, batch, crop, steps]
    try:
        module = "keras_mimo.training.fast_path"
        return float(time_in_subprocess(module, arguments, backend))
    except RuntimeError as error:
        raise RuntimeError(
            f"probe of {precision}/{jit_compile} failed: {error}"
        ) from None


def _probe_worker(config, precision, jit_compile, batch, crop, steps) -> float:
    import keras
    import numpy as np

    from keras_mimo.losses import MIMOLoss
    from keras_mimo.models.mimo_unet.mimo_unet import MIMOUNet

    model = MIMOUNet(**config, dtype=PRECISION_POLICIES[precision])
    model.compile(
        optimizer=keras.optimizers.Adam(1e-4), loss=MIMOLoss(), jit_compile=jit_compile
    )
    rng = np.random.default_rng(0)
    x = rng.random((batch, crop, crop, 3), dtype=np.float32)
    y = np.clip(x + 0.05 * rng.standard_normal(x.shape, dtype=np.float32), 0, 1)
    times = time_calls(lambda: model.train_on_batch(x, (y, y, y)), steps)
    return sorted(times)[len(times) // 2]


def choose_training_path(
    backend: str,
    config: dict,
    batch: int,
    crop: int,
    precision: str = "auto",
    jit_compile: str = "auto",
    cache: bool = True,
    log=print,
) -> TrainingPath:
    """The fastest `TrainingPath` among the candidates, probed or from the cache.

    Args:
        backend: the Keras backend.
        config: the `MIMOUNet` configuration to time (`num_res`, `width`,
            `dropout`); part of the cache key.
        batch, crop: the training batch and crop size.
        precision: `"auto"`, `"float32"` or `"bfloat16"`.
        jit_compile: `"auto"`, `"true"` or `"false"`.
        cache: read and write the per-machine cache.
        log: where progress goes.

    Example:
    >>> path = choose_training_path("tensorflow", {}, 4, 256, "float32", "false")
    >>> path.describe()
    'float32, graph/eager (asked for)'
    """
    pairs, why = candidates(backend, precision, jit_compile)
    if len(pairs) == 1:
        (p, j), reason = pairs[0], why or "asked for"
        if precision == "auto" or jit_compile == "auto":
            reason = f"only candidate: {why}" if why else "only candidate"
        return TrainingPath(p, j, reason)
    key = machine_key(backend, config, batch, crop, pairs)
    hit = read_cached(CACHE_FILE, key) if cache else None
    if hit:
        return TrainingPath(
            hit["precision"], hit["jit_compile"], f"cached probe, {why}", hit["times"]
        )
    log(f"Probing {len(pairs)} training paths ({why}), a few steps each...")
    times, working = {}, {}
    for p, j in pairs:
        label = f"{p}/{'xla' if j else 'graph'}"
        try:
            seconds = probe_step_time(backend, config, p, j, batch, crop)
        except RuntimeError as error:
            log(f"  {label}: skipped ({error})")
            continue
        times[label] = round(seconds, 3)
        working[label] = (p, j)
        log(f"  {label}: {seconds:.2f} s/step")
    if not working:
        raise RuntimeError("every training path failed its probe; see above.")
    best = working[min(working, key=times.get)]
    if cache:
        entry = {"precision": best[0], "jit_compile": best[1], "times": times}
        write_cached(CACHE_FILE, key, entry)
    return TrainingPath(best[0], best[1], f"fastest in a probe, {why}", times)


if __name__ == "__main__":  # one probe candidate, in its own process
    print(_probe_worker(*json.loads(sys.argv[1])))
