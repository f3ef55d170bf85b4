"""A TFRecord shard against its manifest.json entry.

`check_shard` hashes each shard and compares it with the manifest. A shard
whose bytes are what `write_tfrecords` wrote has valid framing; any other
(changed, or not listed) is scanned by TensorFlow's TFRecord reader first,
so a corrupt shard becomes a `corrupt_shard` anomaly instead of failing the
pipeline, and its records are not read. The records themselves are read by
Beam's `ReadAllFromTFRecord`; `count_problems` compares their count per shard
with the manifest.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from .files import basename, open_file

_CHUNK = 1 << 20


def hash_file(path: str) -> tuple[str, int]:
    """sha256 hex digest and size in bytes of a file."""
    digest, size = hashlib.sha256(), 0
    with open_file(path) as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def scan_records(path: str) -> tuple[int, str | None]:
    """Records TensorFlow reads (lengths and CRCs checked) before an error, if any."""
    import tensorflow as tf

    count = 0
    try:
        for _ in tf.data.TFRecordDataset(path):
            count += 1
    except tf.errors.OpError as err:
        message = re.sub(r"\{\{.*?\}\}\s*|\s*\[Op:.*", "", err.message, flags=re.S)
        return count, message[:200]
    return count, None


def manifest_problems(
    sha256: str, size: int, expected: dict[str, Any] | None
) -> list[tuple[str, str]]:
    """(check, detail) pairs comparing a shard's bytes with its manifest entry."""
    if expected is None:
        return [("manifest_shards", "shard not listed in manifest.json")]
    differs = []
    if expected.get("sha256") not in (None, sha256):
        differs.append(f"sha256 {sha256[:12]}... differs")
    if expected.get("bytes") not in (None, size):
        differs.append(f"{size} bytes, manifest says {expected['bytes']}")
    return [("manifest_sha256", "; ".join(differs))] if differs else []


def check_shard(spec: tuple[str, dict[str, Any] | None]) -> Iterator[Any]:
    """Yields `spec` back if the shard can be read; its anomalies are tagged.

    Args:
        spec: the shard's path and its manifest entry (None when not listed).
    """
    from apache_beam import pvalue

    path, expected = spec
    shard = basename(path)
    problems = manifest_problems(*hash_file(path), expected)
    error = None
    if problems:
        count, error = scan_records(path)
        if error:
            detail = f"{error} after {count} record(s); shard not read"
            problems.append(("corrupt_shard", detail))
    for check, detail in problems:
        yield pvalue.TaggedOutput(
            "anomalies", {"check": check, "example": shard, "detail": detail}
        )
    if error is None:
        yield spec


def count_problems(
    item: tuple[str, dict[str, list[Any]]],
) -> list[dict[str, str]]:
    """`manifest_count` anomaly of a shard whose record count differs.

    Args:
        item: `(shard, {"expected": [manifest entry], "read": [counts]})`, as
            `CoGroupByKey` joins them.
    """
    shard, grouped = item
    expected = grouped["expected"][0] if grouped["expected"] else None
    read = sum(grouped["read"])
    if expected is None or expected.get("count") == read:
        return []
    detail = f"{read} records, manifest says {expected.get('count')}"
    return [{"check": "manifest_count", "example": shard, "detail": detail}]
