"""The per-example features handed to TFDV, and the values a dataset should have."""

from __future__ import annotations

from keras_mimo.data.tfrecord_format import IMAGE_KEYS

GOOD_FORMATS = ("png", "jpeg")
GOOD_BIT_DEPTHS = (8, 16)

# Per-example features: name -> value kind ("bytes", "int" or "float").
FEATURES: dict[str, str] = {"source": "bytes", "sizes_match": "int", "psnr": "float"}
for _key in IMAGE_KEYS:
    FEATURES.update(
        {
            f"{_key}_height": "int",
            f"{_key}_width": "int",
            f"{_key}_channels": "int",
            f"{_key}_bit_depth": "int",
            f"{_key}_format": "bytes",
            f"{_key}_mean": "float",
            f"{_key}_file_bytes": "int",
        }
    )
