"""Shared pytest set-up: backend selection, markers, real-data paths."""

import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = pathlib.Path(os.environ.get("KERAS_MIMO_SHARED", ROOT.parent / "shared"))
REFERENCE = SHARED / "reference"
DATA = SHARED / "data"
FIRST_BACKEND = "tensorflow"


def pytest_collection_modifyitems(config, items):
    backend = keras.config.backend()
    for item in items:
        if "once" in item.keywords and backend != FIRST_BACKEND:
            item.add_marker(pytest.mark.skip(reason="backend-independent; runs once"))
        wanted = item.get_closest_marker("requires_backend")
        if wanted and backend not in wanted.args:
            item.add_marker(pytest.mark.skip(reason=f"needs backend {wanted.args}"))


def pytest_configure(config):
    config.addinivalue_line("markers", "requires_backend(*names): backend-specific")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Each test gets its own empty $KERAS_MIMO_HOME."""
    monkeypatch.setenv("KERAS_MIMO_HOME", str(tmp_path / "keras_mimo_home"))
    keras.utils.set_random_seed(0)
    yield


@pytest.fixture(scope="session")
def reference_io():
    """Official reference inputs/outputs converted to NHWC."""
    data = np.load(REFERENCE / "mimo_unet_reference_io.npz")
    return {
        k: (data[k].transpose(0, 2, 3, 1) if data[k].ndim == 4 else data[k])
        for k in data.files
    }


@pytest.fixture(scope="session")
def reference_model():
    """MIMO-UNet converted from the official-format reference checkpoint."""
    from keras_mimo.models.mimo_unet.mimo_unet_conversion import convert_checkpoint

    return convert_checkpoint(REFERENCE / "mimo_unet_random_init.pkl")


@pytest.fixture(scope="session")
def real_crops():
    """64x64 blur/sharp crops from the real GoPro-style validation pairs."""
    from PIL import Image

    blur, sharp = [], []
    for path in sorted((DATA / "gopro_val" / "blur").glob("*.png"))[:4]:
        pair = [path, DATA / "gopro_val" / "sharp" / path.name]
        b, s = (
            np.asarray(Image.open(p).convert("RGB"), np.float32) / 255 for p in pair
        )
        for top, left in ((200, 300), (400, 800)):
            blur.append(b[top : top + 64, left : left + 64])
            sharp.append(s[top : top + 64, left : left + 64])
    return np.stack(blur), np.stack(sharp)
