"""Choosing how a model runs for inference: precision and graph or XLA.

`Deblurrer(precision="auto", jit_compile="auto")` asks
`choose_inference_path`. The candidates are only those that can win:

- bfloat16 only where the hardware computes it natively (CPU flags
  `amx_bf16`/`avx512_bf16`, or a GPU), where the model can be rebuilt in it
  (`with_precision`), and where its preset does not record a bfloat16
  PSNR change above `MAX_BF16_PSNR_CHANGE_DB` (`training/ship_preset.py`
  measures it on `gopro_val`);
- on TensorFlow a graph (oneDNN kernels) and XLA; JAX always compiles with
  XLA and PyTorch runs eagerly.

With more than one candidate, each runs a 256x256 image a few times through
a model of the same configuration, in its own process (so the caller keeps
none of the probe's memory), and the fastest wins; the answer is cached per
machine, library versions, backend and model configuration in
`$KERAS_MIMO_HOME/inference_paths.json` (and in memory), so the probe runs
once. A model that cannot be serialized is not probed: it runs in its own
precision, as a TensorFlow graph.
"""

import dataclasses
import functools
import json
import sys
import weakref

import keras
import numpy as np

from keras_mimo.inference.compiled import CompiledModel
from keras_mimo.utils.precision import (
    PRECISION_POLICIES,
    check_precision,
    native_bf16,
    precision_of,
)
from keras_mimo.utils.probes import (
    machine_key,
    read_cached,
    time_calls,
    time_in_subprocess,
    write_cached,
)

#: The largest PSNR change (dB) of bfloat16 against float32 that `auto` accepts.
MAX_BF16_PSNR_CHANGE_DB = 0.05
CACHE_FILE = "inference_paths.json"
#: Side of the square image the probe times.
PROBE_SIZE = 256
_MODES = {"jax": [True], "tensorflow": [False, True], "torch": [False]}

_clones: "weakref.WeakKeyDictionary[keras.Model, dict]" = weakref.WeakKeyDictionary()
_probed: dict[str, dict] = {}


@dataclasses.dataclass(frozen=True)
class InferencePath:
    """A backend, precision and compile mode, and why they were chosen."""

    backend: str
    precision: str  # "float32" or "bfloat16"
    jit_compile: bool
    reason: str
    seconds: dict | None = None

    @property
    def mode(self) -> str:
        """`"XLA"`, `"graph"` (TensorFlow's oneDNN kernels) or `"eager"`."""
        if self.jit_compile:
            return "XLA"
        return "graph" if self.backend == "tensorflow" else "eager"

    @property
    def label(self) -> str:
        """What ran, e.g. `tensorflow graph, bfloat16` (the web page shows it)."""
        return f"{self.backend} {self.mode}, {self.precision}"

    def describe(self) -> str:
        """One line for logs, e.g. `tensorflow graph, bfloat16 (why)`."""
        return f"{self.label} ({self.reason})"


def parse_jit_compile(value: bool | str) -> bool | str:
    """`True`, `False` or `"auto"` from a bool or `"true"`/`"false"`/`"auto"`."""
    if isinstance(value, bool) or value == "auto":
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise ValueError(f"jit_compile must be True, False or 'auto', got {value!r}")


def _rebuildable(model: keras.Model) -> bool:
    try:
        config = model.get_config()
    except (AttributeError, NotImplementedError, TypeError):
        return False
    return isinstance(config, dict) and "dtype" in config


def with_precision(model: keras.Model, precision: str) -> keras.Model:
    """`model`, or a copy with the same weights that computes in `precision`.

    The copy is made once per model and precision and then shared; its
    variables stay float32 (bfloat16 is a mixed policy), so it gives the
    same weights to every path.

    Example:
    >>> import keras_mimo
    >>> model = keras_mimo.MIMOUNet(num_res=1, width=8)
    >>> with_precision(model, "bfloat16").dtype_policy.name
    'mixed_bfloat16'
    >>> with_precision(model, "float32") is model
    True
    """
    check_precision(precision)
    if precision == "auto" or precision_of(model) == precision:
        return model
    if not _rebuildable(model):
        raise ValueError(
            f"{type(model).__name__} cannot be rebuilt in {precision}: its "
            f"get_config() has no 'dtype'. Build it with "
            f"dtype={PRECISION_POLICIES[precision]!r} instead."
        )
    per_model = _clones.setdefault(model, {})
    if precision not in per_model:
        config = {**model.get_config(), "dtype": PRECISION_POLICIES[precision]}
        clone = type(model).from_config(config)
        clone.set_weights(model.get_weights())
        clone.preset_source = getattr(model, "preset_source", None)
        per_model[precision] = clone
    return per_model[precision]


def recorded_bf16_change(model: keras.Model) -> float | None:
    """The bfloat16 PSNR change a preset's metadata records, if any."""
    source = getattr(model, "preset_source", None) or {}
    check = (source.get("metadata") or {}).get("bfloat16_check") or {}
    change = check.get("psnr_change_db")
    return None if change is None else float(change)


def _precisions(model, precision: str, backend: str) -> tuple[list[str], str]:
    own = precision_of(model)
    if precision != "auto":
        if precision != own:
            with_precision(model, precision)  # fails early if impossible
        return [precision], "asked for"
    if own == "bfloat16":
        return ["bfloat16"], "the model's own dtype policy"
    native = native_bf16(backend)
    if not native:
        return ["float32"], "no native bf16 here"
    if not _rebuildable(model):
        return ["float32"], "the model cannot be rebuilt in bf16"
    change = recorded_bf16_change(model)
    if change is not None and abs(change) > MAX_BF16_PSNR_CHANGE_DB:
        return ["float32"], (
            f"bf16 changed this preset's PSNR by {change:+.3f} dB "
            f"(limit {MAX_BF16_PSNR_CHANGE_DB})"
        )
    return ["bfloat16", "float32"], f"native bf16 ({native})"


def _label(backend: str, precision: str, jit_compile: bool) -> str:
    return f"{precision}/{InferencePath(backend, precision, jit_compile, '').mode}"


def _run_to_numpy(compiled: CompiledModel, image: np.ndarray) -> np.ndarray:
    """One call, waited for (JAX dispatches asynchronously)."""
    return keras.ops.convert_to_numpy(compiled(image))


def _probe_worker(serialized: dict, pairs: list, repeats: int = 2) -> dict:
    """Seconds per candidate: best of `repeats` calls after a compiling call.

    Runs in a child process (`python -m keras_mimo.inference.execution`);
    a candidate that fails gets its error message instead of a time.
    """
    import importlib

    importlib.import_module(serialized["module"])  # registers the classes
    model = keras.saving.deserialize_keras_object(serialized)
    image = np.random.default_rng(0).random(
        (1, PROBE_SIZE, PROBE_SIZE, 3), dtype=np.float32
    )
    results = {}
    for precision, jit_compile in pairs:
        label = _label(keras.config.backend(), precision, jit_compile)
        try:
            compiled = CompiledModel(with_precision(model, precision), jit_compile)
            run = functools.partial(_run_to_numpy, compiled, image)
            results[label] = min(time_calls(run, repeats))
        except Exception as error:  # a path this set-up cannot run
            results[label] = f"{type(error).__name__}: {error}"[:200]
    return results


def _serialized(model) -> dict | None:
    """What `keras.saving.deserialize_keras_object` rebuilds `model` from.

    Built by hand: `keras.saving.serialize_keras_object` imports TensorFlow
    whenever it is installed, even on the JAX and PyTorch backends.
    """
    try:
        serialized = {
            "module": type(model).__module__,
            "class_name": type(model).__name__,
            "config": model.get_config(),
            "registered_name": keras.saving.get_registered_name(type(model)),
        }
        json.dumps(serialized)
        return serialized
    except Exception:  # a model without a JSON config: no probe
        return None


def choose_inference_path(
    model: keras.Model,
    precision: str = "auto",
    jit_compile: bool | str = "auto",
    cache: bool = True,
    log=None,
) -> InferencePath:
    """The fastest `InferencePath` for `model` among the candidates.

    Args:
        model: the model as given (its own precision is one candidate).
        precision: `"auto"`, `"float32"` or `"bfloat16"`.
        jit_compile: `"auto"`, `True` or `False` (TensorFlow: XLA or a graph;
            JAX is always XLA and PyTorch always eager).
        cache: read and write the per-machine cache.
        log: a function that gets progress lines (default: silent).

    Example:
    >>> import keras_mimo
    >>> model = keras_mimo.MIMOUNet(num_res=1, width=8)
    >>> path = choose_inference_path(model, "float32", jit_compile=False)
    >>> path.precision, path.reason
    ('float32', 'asked for')
    """
    check_precision(precision)
    jit_compile = parse_jit_compile(jit_compile)
    backend = keras.config.backend()
    precisions, why = _precisions(model, precision, backend)
    modes = _MODES.get(backend, [False])
    if jit_compile != "auto":
        modes = [jit_compile] if backend == "tensorflow" else modes
    pairs = [(p, j) for p in precisions for j in modes]
    unprobed = (precision_of(model), pairs[0][1] if len(modes) == 1 else False)
    serialized = _serialized(model) if len(pairs) > 1 else None
    if len(pairs) > 1 and serialized is None:
        pairs, why = [unprobed], "not probed: the model cannot be serialized"
    if len(pairs) == 1:
        ((p, j),) = pairs
        return InferencePath(backend, p, j, why)
    key = machine_key("inference", backend, serialized, pairs)
    hit = _probed.get(key) or (read_cached(CACHE_FILE, key) if cache else None)
    if hit:
        _probed[key] = hit
        reason = f"fastest in a cached probe; {why}"
        if hit["times"] is None:
            reason = "every probe failed; as built"
        return InferencePath(
            backend, hit["precision"], hit["jit_compile"], reason, hit["times"]
        )
    if log:
        log(f"Timing {len(pairs)} inference paths once ({why}); cached after this.")
    try:
        measured = time_in_subprocess(__name__, [serialized, pairs], backend)
    except RuntimeError as error:
        measured = {_label(backend, p, j): str(error) for p, j in pairs}
    times, working = {}, {}
    for p, j in pairs:
        label = _label(backend, p, j)
        seconds = measured.get(label)
        if not isinstance(seconds, float):
            if log:
                log(f"  {label}: failed ({seconds}), skipped")
            continue
        times[label], working[label] = round(seconds, 4), (p, j)
        if log:
            log(f"  {label}: {seconds:.3f} s at {PROBE_SIZE}x{PROBE_SIZE}")
    if not working:  # nothing to compare: run as the model is (not on disk)
        entry = {"precision": unprobed[0], "jit_compile": unprobed[1], "times": None}
        _probed[key] = entry
        return InferencePath(backend, *unprobed, "every probe failed; as built")
    best = working[min(working, key=times.get)]
    entry = {"precision": best[0], "jit_compile": best[1], "times": times}
    _probed[key] = entry
    if cache:
        write_cached(CACHE_FILE, key, entry)
    return InferencePath(backend, *best, f"fastest in a probe; {why}", times)


if __name__ == "__main__":  # the probe, in its own process
    print(json.dumps(_probe_worker(*json.loads(sys.argv[1]))))
