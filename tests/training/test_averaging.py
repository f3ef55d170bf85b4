"""Weight averaging (`fit.py --ema`): exact averages, and what the run ships."""

import os
import subprocess

import keras
import numpy as np
import pytest

from keras_mimo import MIMOUNet
from keras_mimo.training.averaging import averaged_weights, weight_average_momentum
from keras_mimo.training.checkpoints import read_state
from tests.conftest import ROOT
from tests.training.test_fit import crops, fit_args, run  # noqa: F401


def constant_gradient_model(**optimizer):
    """w starts at 0 and every SGD step (rate 1, gradient 1) lowers it by 1."""
    model = keras.Sequential(
        [
            keras.Input((1,)),
            keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(1.0, **optimizer),
        loss=lambda y, p: keras.ops.mean(p),
    )
    return model


def test_the_block_holds_the_average_then_the_model_weights():
    model = constant_gradient_model(use_ema=True, ema_momentum=0.5)
    ones = np.ones((1, 1), "float32")
    for _ in range(4):
        model.train_on_batch(ones, ones)
    # w = -1, -2, -3, -4; the average starts at the first step's weights:
    # -1, then 0.5 * -1 + 0.5 * -2 = -1.5, -2.25, -3.125.
    with averaged_weights(model) as averaged:
        np.testing.assert_allclose(averaged.get_weights()[0], [[-3.125]])
    np.testing.assert_allclose(model.get_weights()[0], [[-4.0]])
    assert weight_average_momentum(model) == 0.5


def test_a_model_without_an_average_is_left_alone():
    model = constant_gradient_model()
    ones = np.ones((1, 1), "float32")
    model.train_on_batch(ones, ones)
    with averaged_weights(model):
        np.testing.assert_allclose(model.get_weights()[0], [[-1.0]])
    assert weight_average_momentum(model) is None


def test_fit_validates_and_ships_the_average(crops, tmp_path):  # noqa: F811
    backend = keras.config.backend()
    extra = ("--epochs", "1", "--steps-per-epoch", "6", "--ema", "0.5")
    run(fit_args(crops, tmp_path, backend, *extra))
    # The periodic checkpoint holds the raw weights, its optimizer the average.
    checkpoint = keras.saving.load_model(tmp_path / read_state(tmp_path)["checkpoint"])
    raw = checkpoint.get_weights()
    with averaged_weights(checkpoint):
        average = checkpoint.get_weights()
    preset = MIMOUNet.from_preset(tmp_path / "preset")
    shipped = preset.get_weights()
    assert len(shipped) == len(average)
    for got, want in zip(shipped, average, strict=True):
        np.testing.assert_array_equal(got, want)
    assert any(not np.array_equal(a, r) for a, r in zip(average, raw, strict=True))
    assert preset.preset_source["metadata"]["ema_momentum"] == 0.5


def test_resume_refuses_a_different_momentum(crops, tmp_path):  # noqa: F811
    backend = keras.config.backend()
    extra = ("--epochs", "1", "--steps-per-epoch", "2", "--ema", "0.9")
    run(fit_args(crops, tmp_path, backend, *extra))
    args = fit_args(crops, tmp_path, backend, "--epochs", "2", "--steps-per-epoch", "2")
    result = subprocess.run(
        [*args, "--resume", "--ema", "0.99"],
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "--ema 0.99 differs from the run's (0.9" in result.stderr
    assert "Traceback" not in result.stderr
    # Without --ema (or with the same) it continues the run and its average.
    run([*args, "--resume"])
    state = read_state(tmp_path)
    assert state["epoch"] == 2 and state["step"] == 4
    resumed = keras.saving.load_model(tmp_path / state["checkpoint"])
    assert weight_average_momentum(resumed) == 0.9
    assert int(resumed.optimizer.iterations.numpy()) == 4


@pytest.mark.parametrize("value", ["0", "1", "1.5"])
def test_momentum_outside_zero_one_is_a_usage_error(value, capsys):
    from keras_mimo.training.cli import parse_args

    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--steps", "1", "--output", "x", "--data", "d", "--ema", value])
    assert exit_info.value.code == 2
    assert f"--ema must be between 0 and 1 (exclusive), got {float(value)}" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    "flags, rate, given",
    [
        ([], 1e-4, False),
        (["--lr", "2e-4"], 2e-4, True),
        (["--lr=3e-4"], 3e-4, True),
        (["--l", "5e-5"], 5e-5, True),
    ],
)
def test_a_given_rate_is_told_from_the_default(flags, rate, given):
    """`--resume` applies `--lr` only when given, in any spelling argparse takes."""
    from keras_mimo.training.cli import parse_args

    args = parse_args(["--steps", "1", "--output", "x", "--data", "d", *flags])
    assert args.lr == rate and args.lr_given is given
