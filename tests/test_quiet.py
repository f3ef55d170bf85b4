"""`quiet_startup`: the command lines print no TensorFlow start-up noise."""

import os
import re
import subprocess
import sys

import pytest

from keras_mimo.utils.quiet import filter_native_log

# Captured from `import tensorflow` (TF 2.21, CPU-only machine).
NOISE = (
    "WARNING: All log messages before absl::InitializeLog() is called are"
    " written to STDERR\n"
    "I0000 00:00:1796022020.029233   12261 port.cc:153] oneDNN custom operations"
    " are on.\n"
    "I0000 00:00:1796022147.629133   14999 cpu_feature_guard.cc:227] This"
    " TensorFlow binary is optimized\n"
    "To enable the following instructions: AVX2 AVX512F FMA, in other operations\n"
    "E0000 00:00:1796021971.515763   11485 cuda_platform.cc:52] failed call to"
    " cuInit\n"
)
SCRIPT = (
    "from keras_mimo.utils.quiet import quiet_startup\n"
    "quiet_startup()\n"
    "import tensorflow as tf\n"
    "tf.config.list_physical_devices()\n"
    "print(int(tf.constant(1) + 1))\n"
)
RECORD = re.compile(r"^[IWE]\d{4} ", re.MULTILINE)


def test_filter_drops_records_below_the_level():
    assert filter_native_log(NOISE, 3) == ""
    kept = filter_native_log(NOISE, 2)
    assert kept.startswith("E0000") and "cuInit" in kept
    assert "oneDNN" not in kept and "To enable" not in kept


def test_filter_keeps_what_is_not_a_native_log_record():
    traceback = 'Traceback (most recent call last):\n  File "x.py", line 1\nboom\n'
    assert filter_native_log(NOISE + traceback, 3) == traceback
    fatal = "F0000 00:00:1.0 1 cpu_feature_guard.cc:1] no AVX on this CPU\n"
    assert filter_native_log(fatal, 3) == fatal


def _run(level: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    if level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = level
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.once
def test_tensorflow_starts_silently():
    pytest.importorskip("tensorflow")
    result = _run(None)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2\n"
    assert result.stderr == ""


@pytest.mark.once
def test_a_level_the_user_set_wins():
    pytest.importorskip("tensorflow")
    result = _run("0")
    assert result.returncode == 0, result.stderr
    # TensorFlow logs at least its oneDNN / CPU-feature notices at INFO.
    assert RECORD.search(result.stderr), result.stderr
