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
import hashlib
import json
import os
import subprocess
import sys
import time
from importlib import metadata

from keras_mimo.presets import keras_mimo_home
from keras_mimo.utils.files import atomic_file
from keras_mimo.utils.hardware import cpu_info, native_bf16_flags

POLICIES = {"float32": "float32", "bfloat16": "mixed_bfloat16"}
# One compile mode per backend. JAX always compiles with XLA. On TensorFlow,
# graph mode (oneDNN) beat XLA in every precision measured on CPU (AMX Xeon:
# 6.8 vs 10.0 s fp32, 1.84 vs 10.1 s bf16; Zen 4: 4.4 vs 5.9 s fp32, 3.6 vs
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
        return POLICIES[self.precision]

    def describe(self) -> str:
        mode = "XLA" if self.jit_compile else "graph/eager"
        return f"{self.precision}, {mode} ({self.reason})"


def _has_gpu(backend: str) -> bool:
    try:
        if backend == "jax":
            import jax

            return any(d.platform == "gpu" for d in jax.devices())
        if backend == "tensorflow":
            import tensorflow as tf

            return bool(tf.config.list_physical_devices("GPU"))
        import torch

        return torch.cuda.is_available()
    except Exception:  # a broken accelerator stack is not a GPU
        return False


def candidates(backend: str, precision: str, jit_compile: str) -> tuple[list, str]:
    """The `(precision, jit_compile)` pairs worth probing, and why these."""
    notes = []
    if precision == "auto":
        native = native_bf16_flags()
        if native or _has_gpu(backend):
            precisions = ["bfloat16", "float32"]
            notes.append(f"native bf16 ({', '.join(native) or 'GPU'})")
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


def _cache_key(backend: str, config: dict, batch: int, crop: int, pairs) -> str:
    versions = {}
    for package in ("keras", "tensorflow", "jax", "jaxlib", "torch"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    info = cpu_info()
    blob = json.dumps(
        [info["model"], info["flags"], backend, versions, config, batch, crop, pairs],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


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
    command = [
        sys.executable,
        "-m",
        "keras_mimo.training.fast_path",
        json.dumps([config, precision, jit_compile, batch, crop, steps]),
    ]
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"probe of {precision}/{jit_compile} failed: {tail}")
    return float(result.stdout.strip().splitlines()[-1])


def _probe_worker(config, precision, jit_compile, batch, crop, steps) -> float:
    import keras
    import numpy as np

    from keras_mimo.losses import MIMOLoss
    from keras_mimo.models.mimo_unet.mimo_unet import MIMOUNet

    model = MIMOUNet(**config, dtype=POLICIES[precision])
    model.compile(
        optimizer=keras.optimizers.Adam(1e-4), loss=MIMOLoss(), jit_compile=jit_compile
    )
    rng = np.random.default_rng(0)
    x = rng.random((batch, crop, crop, 3), dtype=np.float32)
    y = np.clip(x + 0.05 * rng.standard_normal(x.shape, dtype=np.float32), 0, 1)
    model.train_on_batch(x, (y, y, y))
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.train_on_batch(x, (y, y, y))
        times.append(time.perf_counter() - start)
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
    key = _cache_key(backend, config, batch, crop, pairs)
    path = keras_mimo_home() / CACHE_FILE
    known = {}
    if cache and path.is_file():
        try:
            known = json.loads(path.read_text())
            if not isinstance(known, dict):
                known = {}
        except (OSError, ValueError):
            known = {}
    if key in known:
        hit = known[key]
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
        known[key] = {"precision": best[0], "jit_compile": best[1], "times": times}
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as tmp:
            tmp.write_text(json.dumps(known, indent=2))
    return TrainingPath(best[0], best[1], f"fastest in a probe, {why}", times)


if __name__ == "__main__":  # one probe candidate, in its own process
    print(_probe_worker(*json.loads(sys.argv[1])))
