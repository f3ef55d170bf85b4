"""Timed probes in their own process, and a per-machine cache of the winners.

`keras_mimo.training.fast_path` and `keras_mimo.inference.execution` time
candidate paths (precision, graph or XLA) with `time_in_subprocess`: each
candidate runs in a fresh process, so the caller is left holding neither
the probe's models and compiled functions nor their peak memory. They
store the winner under a key made of this machine's CPU model and flags,
the library versions and what was probed, in a JSON file in
`$KERAS_MIMO_HOME`, so each probe runs once per machine and set-up. A
damaged cache file is ignored and rewritten.
"""

import hashlib
import json
import os
import subprocess
import sys
import time
from importlib import metadata

from keras_mimo.presets import keras_mimo_home
from keras_mimo.utils.files import atomic_file
from keras_mimo.utils.hardware import cpu_info

_LIBRARIES = ("keras-mimo", "keras", "tensorflow", "jax", "jaxlib", "torch")


def machine_key(*parts) -> str:
    """A short hash of this machine, the library versions and `parts`.

    Example:
    >>> machine_key("tensorflow", {"width": 32}) == machine_key("tensorflow", {"width": 32})
    True
    """
    versions = {}
    for package in _LIBRARIES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    info = cpu_info()
    blob = json.dumps(
        [info["model"], info["family"], info["flags"], versions, *parts],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _read(file_name: str) -> dict:
    path = keras_mimo_home() / file_name
    try:
        known = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def read_cached(file_name: str, key: str) -> dict | None:
    """The entry stored under `key` in `$KERAS_MIMO_HOME/file_name`, if any."""
    entry = _read(file_name).get(key)
    return entry if isinstance(entry, dict) else None


def write_cached(file_name: str, key: str, entry: dict) -> None:
    """Stores `entry` under `key` (atomically; other keys are kept)."""
    known = _read(file_name)
    known[key] = entry
    path = keras_mimo_home() / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(known, indent=2))


def time_in_subprocess(module: str, arguments: list, backend: str):
    """Runs `python -m module '<arguments as JSON>'` on `backend`.

    The module prints its measurement (seconds, or a JSON object of them) as
    its last line; this returns it parsed. A failure raises `RuntimeError`
    with the child's last error line.
    """
    command = [sys.executable, "-m", module, json.dumps(arguments)]
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(tail)
    return json.loads(result.stdout.strip().splitlines()[-1])


def time_calls(function, repeats: int) -> list[float]:
    """Seconds of each of `repeats` calls of `function`, after one warm-up call.

    The warm-up call compiles (XLA, a traced graph) and is not timed.
    """
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times
