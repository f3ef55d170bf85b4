"""Beam element functions: a TFRecord or a file pair to a feature row.

Each yields the row on the main output and its anomaly records on the
`anomalies` tagged output.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from keras_mimo.data.tfrecord_format import IMAGE_KEYS, SHAPE_KEYS

from .files import read_bytes
from .pairs import pair_row

_REQUIRED_KEYS = (*IMAGE_KEYS, "name")


def _anomaly(check: str, example: str, detail: str) -> Any:
    from apache_beam import pvalue

    record = {"check": check, "example": example, "detail": detail}
    return pvalue.TaggedOutput("anomalies", record)


def _feature_value(example: Any, key: str) -> Any:
    """First value of a tf.train.Example feature, or None when absent."""
    feature = example.features.feature.get(key)
    if feature is None:
        return None
    kind = feature.WhichOneof("kind")
    values = getattr(feature, kind).value if kind else []
    return values[0] if len(values) else None


def record_row(item: tuple[str, bytes], crop: int, max_psnr: float) -> Iterator[Any]:
    """Features of one serialized tf.train.Example from shard `item[0]`.

    A record without a name is called `shard#` plus the start of its sha1.
    """
    import tensorflow as tf

    shard, record = item
    fallback = f"{shard}#{hashlib.sha1(record).hexdigest()[:10]}"
    try:
        example = tf.train.Example.FromString(record)
    except Exception as err:  # noqa: BLE001 - protobuf DecodeError and friends
        yield _anomaly("unparsable_record", fallback, str(err))
        return
    values = {k: _feature_value(example, k) for k in (*_REQUIRED_KEYS, "source")}
    name = values["name"].decode("utf-8", "replace") if values["name"] else fallback
    source = values["source"].decode("utf-8", "replace") if values["source"] else ""
    missing = [k for k in _REQUIRED_KEYS if values[k] is None]
    if missing:
        yield _anomaly("missing_feature", name, ", ".join(missing))
    if values["blur"] is None or values["sharp"] is None:
        yield {"name": name, "source": source}
        return
    meta = {k: _feature_value(example, k) for k in SHAPE_KEYS}
    row, found = pair_row(
        name, source, values["blur"], values["sharp"], crop, max_psnr, meta
    )
    yield row
    for record_anomaly in found:
        yield _anomaly(**record_anomaly)


def file_pair_row(
    pair: tuple[str, str, str], crop: int, max_psnr: float
) -> Iterator[Any]:
    """Features of one (name, blur path, sharp path) file pair."""
    name, blur_path, sharp_path = pair
    row, found = pair_row(
        name, "folder", read_bytes(blur_path), read_bytes(sharp_path), crop, max_psnr
    )
    yield row
    for record_anomaly in found:
        yield _anomaly(**record_anomaly)
