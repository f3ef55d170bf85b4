"""Validate a keras-mimo blur/sharp pair dataset with TensorFlow Data Validation.

Thin entry point of the `training/data_validation` package; run it in the TFDV
virtualenv (``.venv-tfdv``: TF 2.16, numpy<2), e.g.

    .venv-tfdv/bin/python training/validate_data.py --data gopro_tfr --output runs/validation

keras_mimo is not installed in that virtualenv: the repository is appended to
the import path so the package can share keras_mimo's framework-free modules
(`keras_mimo.data.tfrecord_format`, `keras_mimo.images.quality`) with training.

Exit status: 0 clean, 1 anomalies found, 2 usage error.
"""

import pathlib
import sys

sys.path.append(str(pathlib.Path(__file__).resolve().parents[1]))

from data_validation.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
