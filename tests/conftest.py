"""Shared pytest set-up: backend selection, markers, real-data paths.

The large real data (`../shared`, or `$KERAS_MIMO_SHARED`) is not in the
repository: tests that read it carry `@requires_shared` (or call
`require_shared()` in a fixture) and are skipped, saying why, in a plain
clone. Small real image pairs for the other tests are committed under
`tests/fixtures/`.
"""

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
FIXTURES = ROOT / "tests" / "fixtures"
FIRST_BACKEND = "tensorflow"
HAS_SHARED = DATA.is_dir() and REFERENCE.is_dir()
SHARED_REASON = (
    f"needs the large shared data ({SHARED}: not in a plain clone; "
    "set KERAS_MIMO_SHARED to its folder to run this test)"
)
requires_shared = pytest.mark.skipif(not HAS_SHARED, reason=SHARED_REASON)


def require_shared() -> None:
    """Skips the calling test or fixture when the shared data is absent."""
    if not HAS_SHARED:
        pytest.skip(SHARED_REASON)


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
    require_shared()
    data = np.load(REFERENCE / "mimo_unet_reference_io.npz")
    return {
        k: (data[k].transpose(0, 2, 3, 1) if data[k].ndim == 4 else data[k])
        for k in data.files
    }


@pytest.fixture(scope="session")
def reference_model():
    """MIMO-UNet converted from the official-format reference checkpoint."""
    require_shared()
    from keras_mimo.models.mimo_unet.mimo_unet_conversion import convert_checkpoint

    return convert_checkpoint(REFERENCE / "mimo_unet_random_init.pkl")


@pytest.fixture(scope="session")
def real_crops():
    """64x64 blur/sharp crops of real GoPro-style pairs (`tests/fixtures/crops`)."""
    from PIL import Image

    def load(kind):
        paths = sorted((FIXTURES / "crops" / kind).glob("*.png"))
        return np.stack(
            [np.asarray(Image.open(p).convert("RGB"), np.float32) / 255 for p in paths]
        )

    return load("blur"), load("sharp")
