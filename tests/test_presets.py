import json
import os
import subprocess
import sys

import numpy as np
import pytest

import keras_mimo
from keras_mimo import MIMOUNet, PresetError
from tests.conftest import ROOT
from tests.test_case import TestCase, tiny_model

X = np.random.default_rng(0).random((1, 16, 16, 3), dtype=np.float32)


class TestPresets(TestCase):
    def test_round_trip_and_metadata(self, tmp_path):
        model = tiny_model()
        restored = self.run_preset_test(
            model, tmp_path, X, {"training_data": "unit test"}
        )
        meta = restored.preset_source["metadata"]
        assert meta["training_data"] == "unit test"
        assert len(meta["weights_sha256"]) == 64
        assert restored.preset_source["origin"] == "directory"

    def test_load_without_weights_and_overrides(self, tmp_path):
        model = tiny_model()
        model.save_to_preset(tmp_path / "p")
        fresh = MIMOUNet.from_preset(tmp_path / "p", load_weights=False)
        assert fresh.count_params() == model.count_params()
        mixed = MIMOUNet.from_preset(tmp_path / "p", dtype="mixed_bfloat16")
        assert mixed.dtype_policy.name == "mixed_bfloat16"

    def test_unknown_name_lists_known_presets(self):
        tiny_model().save_to_preset(keras_mimo.presets.user_preset_dir() / "mine")
        with pytest.raises(PresetError, match="Unknown preset 'nope'.*mine"):
            MIMOUNet.from_preset("nope")
        with pytest.raises(PresetError, match="does not exist"):
            MIMOUNet.from_preset("/no/such/dir")

    def test_user_preset_resolves_by_name(self):
        model = tiny_model()
        model.save_to_preset(keras_mimo.presets.user_preset_dir() / "mine")
        assert "mine" in keras_mimo.list_presets()
        restored = MIMOUNet.from_preset("mine")
        assert restored.preset_source["origin"] == "user"
        self.assert_allclose(restored(X), model(X), atol=0)

    @pytest.mark.parametrize("damage", ["weights", "missing", "json"])
    def test_corrupt_preset_is_refused(self, tmp_path, damage):
        directory = tmp_path / "p"
        tiny_model().save_to_preset(directory)
        if damage == "weights":
            data = bytearray((directory / "model.weights.h5").read_bytes())
            data[-100] ^= 0xFF
            (directory / "model.weights.h5").write_bytes(bytes(data))
            match = "sha256"
        elif damage == "missing":
            os.remove(directory / "model.weights.h5")
            match = "missing model.weights.h5"
        else:
            (directory / "config.json").write_text("{not json")
            match = "config.json is corrupt"
        with pytest.raises(PresetError, match=match):
            MIMOUNet.from_preset(directory)

    def test_save_is_atomic_over_existing(self, tmp_path):
        directory = tmp_path / "p"
        tiny_model().save_to_preset(directory)
        second = tiny_model(width=4)
        second.save_to_preset(directory)
        assert (
            json.loads((directory / "config.json").read_text())["config"]["width"] == 4
        )
        assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


CROSS_BACKEND = """
import json, pathlib, sys
import keras
import numpy as np
from keras_mimo import MIMOUNet
root, me = pathlib.Path(sys.argv[1]), sys.argv[2]
x = np.random.default_rng(0).random((1, 16, 20, 3), dtype=np.float32)
for other in sorted(root.glob("*/expected.npy")):
    got = keras.ops.convert_to_numpy(MIMOUNet.from_preset(other.parent / "preset")(x)[-1])
    diff = float(np.abs(got - np.load(other)).max())
    print(f"{other.parent.name}->{me} {diff}")
    assert diff <= 1e-5, diff
if not (root / me).exists():
    model = MIMOUNet(num_res=1, width=8)
    model.save_to_preset(root / me / "preset")
    np.save(root / me / "expected.npy", keras.ops.convert_to_numpy(model(x)[-1]))
"""


@pytest.mark.once
@pytest.mark.slow
def test_preset_loads_identically_on_every_backend(tmp_path):
    """A preset written under each backend loads under the other two."""
    log = []
    for backend in ("tensorflow", "jax", "torch", "tensorflow", "jax"):
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        result = subprocess.run(
            [sys.executable, "-c", CROSS_BACKEND, str(tmp_path), backend],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        log += [line for line in result.stdout.splitlines() if "->" in line]
    pairs = {line.split()[0] for line in log}
    expected = {
        f"{a}->{b}"
        for a in ("tensorflow", "jax", "torch")
        for b in ("tensorflow", "jax", "torch")
        if a != b
    }
    assert expected <= pairs, log
