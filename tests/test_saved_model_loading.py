"""A `.keras` file of a compiled model (what `training/fit.py` writes as
`best.keras` and checkpoints) loads in a fresh process with plain
`keras.saving.load_model` after `import keras` and `import keras_mimo`: the
package registers its model, layers, losses and metrics at import when Keras is
already loaded, although its public names stay lazy."""

import os
import subprocess
import sys

import keras
import numpy as np

from keras_mimo import PSNR, SSIM, MIMOLoss
from tests.test_case import tiny_model

LOAD_AND_PREDICT = """
import sys
import keras
import keras_mimo
import numpy as np

model = keras.saving.load_model(sys.argv[1])
outputs = model(np.load(sys.argv[2]))
np.save(sys.argv[3], keras.ops.convert_to_numpy(outputs[-1]))
print(type(model).__name__, type(model.loss).__name__)
"""


def test_fit_style_keras_file_loads_after_import_keras_mimo(tmp_path, real_crops):
    model = tiny_model()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3, use_ema=True),
        loss=MIMOLoss(),
        metrics={"full": [PSNR(), SSIM()]},
    )
    blur = np.asarray(real_crops[0][:1], "float32")
    path = tmp_path / "best.keras"
    model.save(path)
    np.save(tmp_path / "blur.npy", blur)
    expected = keras.ops.convert_to_numpy(model(blur)[-1])

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            LOAD_AND_PREDICT,
            str(path),
            str(tmp_path / "blur.npy"),
            str(tmp_path / "out.npy"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": keras.backend.backend()},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["MIMOUNet", "MIMOLoss"]
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, atol=1e-6)
