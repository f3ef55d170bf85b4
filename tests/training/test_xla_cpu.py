"""XLA:CPU training flags: accepted by the installed jaxlib and in effect."""

import os
import subprocess
import sys

import pytest

from keras_mimo.training import xla_cpu

# Compiles one bare 3x3 convolution (the shape of a weight or input gradient
# in training) and prints whether XLA handed it to YNNPACK.
PROBE = """
import sys
from keras_mimo.training.xla_cpu import use_training_xla_flags
print(use_training_xla_flags() if sys.argv[1] == "tuned" else False)
import jax
x, k = jax.numpy.ones((1, 64, 64, 32)), jax.numpy.ones((3, 3, 32, 32))
conv = lambda k: jax.lax.conv_general_dilated(
    x, k, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
print("__ynn_fusion" in jax.jit(conv).lower(k).compile().as_text())
"""


def probe(mode: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env["JAX_PLATFORMS"] = "cpu"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        env=env,
        capture_output=True,
        text=True,
        check=True,  # XLA aborts at start-up on a flag it does not know
    )
    return result.stdout.split()


@pytest.mark.once
def test_training_flags_move_bare_convolutions_off_ynnpack():
    assert probe("default") == ["False", "True"]
    assert probe("tuned") == ["True", "False"]


@pytest.mark.once
def test_user_flags_and_late_calls_are_left_alone(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", f"{xla_cpu.YNN_FLAG}=dot")
    monkeypatch.delitem(sys.modules, "jax", raising=False)
    assert not xla_cpu.use_training_xla_flags()
    assert os.environ["XLA_FLAGS"] == f"{xla_cpu.YNN_FLAG}=dot"

    monkeypatch.delenv("XLA_FLAGS")
    monkeypatch.setitem(sys.modules, "jax", object())  # too late to set flags
    assert not xla_cpu.use_training_xla_flags()
    assert "XLA_FLAGS" not in os.environ

    monkeypatch.delitem(sys.modules, "jax")
    monkeypatch.setattr(xla_cpu.metadata, "version", lambda name: "0.99.0")
    assert not xla_cpu.use_training_xla_flags()  # an untested jaxlib
    monkeypatch.setattr(xla_cpu.metadata, "version", lambda name: "0.10.2")
    assert xla_cpu.use_training_xla_flags()
    assert os.environ["XLA_FLAGS"] == " ".join(xla_cpu.TRAINING_FLAGS)
