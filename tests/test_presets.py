import json
import os
import subprocess
import sys

import keras
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
        keras.config.set_dtype_policy("mixed_bfloat16")
        try:  # the global policy wins over the float32 pinned in config.json
            global_policy = MIMOUNet.from_preset(tmp_path / "p")
        finally:
            keras.config.set_dtype_policy("float32")
        assert global_policy.dtype_policy.name == "mixed_bfloat16"
        assert MIMOUNet.from_preset(tmp_path / "p").dtype_policy.name == "float32"

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


EXCHANGE = """
import pathlib
import keras
import numpy as np
from keras_mimo import MIMOUNet

def exchange(root, me):
    \"\"\"Loads every other backend's preset and compares; then saves its own.\"\"\"
    root, lines = pathlib.Path(root), []
    x = np.random.default_rng(0).random((1, 16, 20, 3), dtype=np.float32)
    for other in sorted(root.glob("*/expected.npy")):
        model = MIMOUNet.from_preset(other.parent / "preset")
        diff = float(np.abs(keras.ops.convert_to_numpy(model(x)[-1]) - np.load(other)).max())
        assert diff <= 1e-5, (other, me, diff)
        lines.append(f"{other.parent.name}->{me}")
    if not (root / me).exists():
        model = MIMOUNet(num_res=1, width=8)
        model.save_to_preset(root / me / "preset")
        np.save(root / me / "expected.npy", keras.ops.convert_to_numpy(model(x)[-1]))
    return lines
"""


@pytest.mark.once
@pytest.mark.slow
def test_preset_loads_identically_on_every_backend(tmp_path):
    """A preset written under each backend loads under the other two.

    This test runs in the TensorFlow pass: TensorFlow's turns run in-process.
    """
    namespace = {}
    exec(EXCHANGE, namespace)
    log = []
    for backend in ("tensorflow", "jax", "torch", "tensorflow", "jax"):
        if backend == keras.config.backend():
            log += namespace["exchange"](tmp_path, backend)
            continue
        code = (
            EXCHANGE
            + f"\nimport json; print(json.dumps(exchange({str(tmp_path)!r}, {backend!r})))"
        )
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        result = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        log += json.loads(result.stdout.strip().splitlines()[-1])
    names = ("tensorflow", "jax", "torch")
    expected = {f"{a}->{b}" for a in names for b in names if a != b}
    assert expected <= set(log), log


class TestRegistry(TestCase):
    """Resolution order: user folder, then shipped in the package, then download."""

    @pytest.fixture
    def registry(self, tmp_path, monkeypatch):
        shipped = tmp_path / "package_presets"
        monkeypatch.setattr(keras_mimo.presets, "PACKAGE_PRESET_DIR", shipped)
        monkeypatch.setattr(keras_mimo.presets, "REGISTRY", {})
        return shipped

    def test_user_preset_takes_precedence_over_package(self, registry):
        packaged = tiny_model()
        packaged.save_to_preset(registry / "demo")
        keras_mimo.presets.REGISTRY["demo"] = {
            "description": "test preset",
            "package_dir": "demo",
        }
        loaded = MIMOUNet.from_preset("demo")
        assert loaded.preset_source["origin"] == "package"
        self.assert_allclose(loaded(X), packaged(X), atol=0)
        assert keras_mimo.list_presets()["demo"] == "test preset"

        user = tiny_model()
        user.save_to_preset(keras_mimo.presets.user_preset_dir() / "demo")
        loaded = MIMOUNet.from_preset("demo")
        assert loaded.preset_source["origin"] == "user"
        self.assert_allclose(loaded(X), user(X), atol=0)
        assert "user-installed" in keras_mimo.list_presets()["demo"]

    def test_download_checks_sha256(self, registry, tmp_path):
        import hashlib
        import tarfile

        model = tiny_model()
        model.save_to_preset(tmp_path / "remote")
        archive = tmp_path / "remote.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(tmp_path / "remote", arcname="remote")
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        keras_mimo.presets.REGISTRY["remote"] = {
            "description": "downloaded",
            "url": archive.as_uri(),
            "sha256": digest,
        }
        loaded = MIMOUNet.from_preset("remote")
        assert loaded.preset_source["origin"] == "download"
        self.assert_allclose(loaded(X), model(X), atol=0)

        keras_mimo.presets.REGISTRY["broken"] = {
            "description": "bad checksum",
            "url": archive.as_uri(),
            "sha256": "0" * 64,
        }
        with pytest.raises(PresetError, match="Could not fetch preset 'broken'"):
            MIMOUNet.from_preset("broken")
