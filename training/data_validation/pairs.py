"""The feature row and anomaly records of one blur/sharp pair."""

from __future__ import annotations

from typing import Any

from keras_mimo.data.tfrecord_format import IMAGE_KEYS
from keras_mimo.images.quality import psnr

from .images import inspect_image


def pair_row(
    name: str,
    source: str,
    blur: bytes,
    sharp: bytes,
    crop: int,
    max_psnr: float,
    meta: dict[str, int] | None = None,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Feature row and anomaly records of one blur/sharp pair.

    Args:
        name: the example's name, reported with its anomalies.
        source: the dataset it came from (the `source` feature).
        blur, sharp: the encoded image files.
        crop: the training crop; smaller images are anomalies.
        max_psnr: blur/sharp PSNR (dB) above which the pair counts as unblurred.
        meta: a record's `height`/`width`/`channels` features, compared with the
            sharp image.

    Returns:
        The row (feature name -> value) and `{"check", "example", "detail"}`
        records, one per check that failed.
    """
    row: dict[str, Any] = {"name": name, "source": source}
    found: dict[str, list[str]] = {}
    pixels = {}
    for key, data in zip(IMAGE_KEYS, (blur, sharp), strict=True):
        feats, image_found, pixels[key] = inspect_image(key, data, crop)
        row.update(feats)
        for check, detail in image_found.items():
            found.setdefault(check, []).append(detail)
    a, b = pixels["blur"], pixels["sharp"]
    if a is not None and b is not None:
        row["sizes_match"] = int(a.shape[:2] == b.shape[:2])
        if row["sizes_match"]:
            row["psnr"] = psnr(a, b)
            if row["psnr"] > max_psnr:
                found["near_identical"] = [f"PSNR {row['psnr']:.1f} dB"]
        else:
            found["size_mismatch"] = [
                f"blur {a.shape[1]}x{a.shape[0]} vs sharp {b.shape[1]}x{b.shape[0]}"
            ]
    sharp_shape = (row.get("sharp_width"), row.get("sharp_height"))
    if meta and b is not None:
        stored = (meta.get("width"), meta.get("height"), meta.get("channels"))
        if stored != (*sharp_shape, row["sharp_channels"]):
            found["metadata_mismatch"] = [
                "width/height/channels features {}x{}x{} vs sharp {}x{}x{}".format(
                    *stored, *sharp_shape, row["sharp_channels"]
                )
            ]
    records = [
        {"check": check, "example": name, "detail": "; ".join(details)}
        for check, details in sorted(found.items())
    ]
    return row, records
