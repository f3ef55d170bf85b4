"""SIGTERM (or Ctrl-C) ends a fit.py run with a preset of the best weights so far."""

import os
import signal
import subprocess
import time

import keras

from keras_mimo import MIMOUNet
from tests.conftest import ROOT
from tests.training.test_fit import crops, fit_args  # noqa: F401


# Python's own handler raised KeyboardInterrupt wherever the run was: once the
# signal was lost (JAX) and once the run crashed at exit (TF, CI). The run now
# stops between two steps (`keras_mimo.training.interruption`), on every backend.
def test_sigterm_writes_the_preset_from_the_best_checkpoint(crops, tmp_path):  # noqa: F811
    args = fit_args(crops, tmp_path, keras.config.backend(), "--epochs", "200")
    args += ["--steps-per-epoch", "3"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(
        args,
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 300
    # state.json is written after best.keras: wait for the complete checkpoint.
    while not (tmp_path / "state.json").exists() and time.time() < deadline:
        time.sleep(0.5)
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-2000:]
    assert "SIGTERM: stopping after this step" in out
    assert "Interrupted: writing the preset" in out
    preset = MIMOUNet.from_preset(tmp_path / "preset")
    metadata = preset.preset_source["metadata"]
    assert metadata["steps"] >= 3 and metadata["validation"]["val_full_psnr"] > 0
