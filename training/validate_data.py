"""Validate a keras-mimo blur/sharp pair dataset with TensorFlow Data Validation.

Reads either the TFRecord dataset written by ``keras_mimo.data`` (a directory of
``data-*.tfrecord`` shards plus ``manifest.json``) or a raw ``--blur-dir`` /
``--sharp-dir`` folder pair, computes per-example image features in an Apache
Beam pipeline, turns them into TFDV statistics, validates them against a schema
(``training/schema/pairs_schema.pbtxt`` by default) and runs the checks a TFDV
schema cannot express (too-small images, near-identical pairs, grayscale/alpha,
size mismatches, unexpected formats, undecodable bytes, manifest problems).

This script is standalone: it runs in the TFDV virtualenv (``.venv-tfdv``:
Python 3.11, TF 2.16, numpy<2) and must not import ``keras_mimo``.

Exit status: 0 clean, 1 anomalies found, 2 usage error.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import html
import io
import json
import logging
import os
import re
import struct
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

MANIFEST_FORMAT = "keras_mimo.tfrecord.v1"
MANIFEST_NAME = "manifest.json"
SHARD_PATTERN = "data-*.tfrecord"
DEFAULT_SCHEMA = Path(__file__).resolve().parent / "schema" / "pairs_schema.pbtxt"
IMAGE_KEYS = ("blur", "sharp")
GOOD_FORMATS = ("png", "jpeg")
GOOD_BIT_DEPTHS = (8, 16)
PSNR_CAP = 100.0  # PSNR reported for bit-identical pairs (MSE == 0).

# Per-example features handed to TFDV: name -> value kind.
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

# Custom checks (TFDV schemas cannot express these); {crop}/{max_psnr} filled in.
CHECKS: dict[str, str] = {
    "too_small": "image smaller than the {crop}px training crop",
    "near_identical": "blur and sharp nearly identical (PSNR > {max_psnr} dB): no blur",
    "grayscale": "grayscale image (1-2 channels, or 3 identical channels)",
    "alpha": "image has an alpha channel",
    "size_mismatch": "blur and sharp sizes differ",
    "unexpected_format": "image is neither PNG nor JPEG",
    "unexpected_bit_depth": "bit depth is neither 8 nor 16",
    "undecodable": "image bytes cannot be decoded",
    "missing_feature": "tf.train.Example lacks a required feature",
    "unparsable_record": "record is not a tf.train.Example",
    "metadata_mismatch": "height/width/channels features differ from the sharp image",
    "duplicate_name": "several examples share the same name",
    "unpaired_file": "file is in only one of --blur-dir / --sharp-dir",
    "manifest_invalid": "manifest.json missing or malformed",
    "manifest_count": "example counts differ from manifest.json",
    "manifest_shards": "shard files and manifest.json disagree",
    "manifest_sha256": "shard sha256/size differs from manifest.json",
    "corrupt_shard": "shard is not a valid TFRecord file",
    "empty_dataset": "dataset has no examples",
}

BEAM_EPILOG = """\
Apache Beam:
  The features and statistics are computed in an Apache Beam pipeline. It runs
  on the local DirectRunner by default; every argument this script does not
  know is passed through as a Beam pipeline option, so the same job scales out
  to a cluster for datasets larger than one machine, e.g.

    .venv-tfdv/bin/python training/validate_data.py --data gs://b/gopro_records \\
        --output gs://b/validation --runner=DataflowRunner --project=P \\
        --region=us-central1 --temp_location=gs://b/tmp \\
        --requirements_file=reqs.txt   # tensorflow-data-validation etc.

  Locally, --direct_num_workers=N --direct_running_mode=multi_processing uses
  N processes. Input and output paths may be any Beam filesystem (gs://, ...).

Outputs (in --output):
  stats.pb / stats.pbtxt   TFDV DatasetFeatureStatisticsList
  anomalies.pbtxt          TFDV Anomalies (schema + custom checks)
  anomalies.json           the same, machine-readable, with example names
  anomalous_examples-*.jsonl  one line per (example, check)
  report.html, report.png  human report and histograms
  facets.html              TFDV Facets view (needs a browser with internet)

Exit status: 0 clean, 1 anomalies found, 2 usage error.
"""


# --------------------------------------------------------------------------
# File-system helpers (Beam FileSystems: local paths, gs://, ...)
# --------------------------------------------------------------------------


def _join(base: str, name: str) -> str:
    """Joins a directory and a file name on any Beam filesystem."""
    from apache_beam.io.filesystems import FileSystems

    return FileSystems.join(base, name)


def read_bytes(path: str) -> bytes:
    """Reads a whole file."""
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return f.read()


def write_bytes(path: str, data: bytes) -> None:
    """Writes (replaces) a whole file."""
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        f.write(data)


def list_files(pattern: str) -> list[str]:
    """Sorted plain files matching a glob (directories dropped)."""
    from apache_beam.io.filesystems import FileSystems

    paths = [m.path for r in FileSystems.match([pattern]) for m in r.metadata_list]
    return sorted(p for p in paths if "://" in p or os.path.isfile(p))


def path_exists(path: str) -> bool:
    """Whether a file or directory exists."""
    from apache_beam.io.filesystems import FileSystems

    return FileSystems.exists(path)


def _basename(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


# --------------------------------------------------------------------------
# Image inspection (runs on Beam workers)
# --------------------------------------------------------------------------


def sniff_format(data: bytes) -> str:
    """Returns 'png', 'jpeg' or 'other' from the file signature."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return "other"


def _jpeg_precision(data: bytes) -> int | None:
    """Sample precision from the first JPEG start-of-frame marker."""
    i = 2
    while i + 4 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return data[i + 4]
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None


def header_bit_depth(data: bytes, fmt: str) -> int | None:
    """Bits per sample as stored in the PNG/JPEG header (None if unknown)."""
    if fmt == "png" and len(data) >= 26 and data[12:16] == b"IHDR":
        return data[24]
    if fmt == "jpeg":
        return _jpeg_precision(data)
    return None


def decode_image(data: bytes, fmt: str, bit_depth: int | None) -> np.ndarray:
    """Decodes to an HxWxC uint8/uint16 array, keeping 16-bit PNG precision."""
    import tensorflow as tf

    if fmt == "png":
        dtype = tf.uint16 if bit_depth == 16 else tf.uint8
        image = tf.io.decode_png(data, channels=0, dtype=dtype)
    elif fmt == "jpeg":
        image = tf.io.decode_jpeg(data, channels=0)
    else:
        image = tf.io.decode_image(data, channels=0, expand_animations=False)
    return image.numpy()


def to_rgb_float(image: np.ndarray) -> np.ndarray:
    """HxWx3 float32 in [0, 1]; gray is repeated and alpha dropped."""
    scale = 65535.0 if image.dtype == np.uint16 else 255.0
    channels = image.shape[-1]
    rgb = image[..., :1].repeat(3, axis=-1) if channels < 3 else image[..., :3]
    return rgb.astype(np.float32) / scale


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two [0, 1] images (data range 1), capped at PSNR_CAP."""
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return PSNR_CAP if mse <= 10 ** (-PSNR_CAP / 10) else float(-10 * np.log10(mse))


def _is_gray_rgb(image: np.ndarray) -> bool:
    """True for a 3+ channel image whose colour channels are all equal."""
    return bool(
        np.array_equal(image[..., 0], image[..., 1])
        and np.array_equal(image[..., 0], image[..., 2])
    )


def inspect_image(
    key: str, data: bytes, crop: int
) -> tuple[dict[str, Any], dict[str, str], np.ndarray | None]:
    """Features, anomalies (check -> detail) and RGB pixels of one image."""
    fmt = sniff_format(data)
    depth = header_bit_depth(data, fmt)
    feats: dict[str, Any] = {
        f"{key}_format": fmt,
        f"{key}_bit_depth": depth,
        f"{key}_file_bytes": len(data),
    }
    found: dict[str, str] = {}
    if fmt not in GOOD_FORMATS:
        found["unexpected_format"] = f"{key}: {fmt}"
    if depth is not None and depth not in GOOD_BIT_DEPTHS:
        found["unexpected_bit_depth"] = f"{key}: {depth}-bit"
    try:
        image = decode_image(data, fmt, depth)
    except Exception as err:  # noqa: BLE001 - any decoder failure is an anomaly
        message = re.sub(r"\{\{.*?\}\}\s*", "", str(err))[:120]
        found["undecodable"] = f"{key}: {type(err).__name__}: {message}"
        return feats, found, None
    height, width, channels = image.shape
    rgb = to_rgb_float(image)
    feats.update(
        {
            f"{key}_height": height,
            f"{key}_width": width,
            f"{key}_channels": channels,
            f"{key}_mean": float(rgb.mean()),
        }
    )
    if channels < 3:
        found["grayscale"] = f"{key}: {channels} channel(s)"
    elif _is_gray_rgb(image):
        found["grayscale"] = f"{key}: 3 identical channels"
    if channels in (2, 4):
        found["alpha"] = f"{key}: {channels} channels"
    if min(height, width) < crop:
        found["too_small"] = f"{key}: {width}x{height} < {crop}"
    return feats, found, rgb


def pair_row(
    name: str,
    source: str,
    blur: bytes,
    sharp: bytes,
    crop: int,
    max_psnr: float,
    meta: dict[str, int] | None = None,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Feature row and anomaly records of one blur/sharp pair."""
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


# --------------------------------------------------------------------------
# Beam element functions
# --------------------------------------------------------------------------


def _masked_crc(data: bytes) -> int:
    import google_crc32c

    crc = int(google_crc32c.value(data))
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def iter_tfrecords(
    stream: io.BufferedIOBase, verify_crc: bool = True
) -> Iterator[bytes]:
    """Yields the records of a TFRecord stream; raises ValueError if corrupt."""
    while True:
        header = stream.read(12)
        if not header:
            return
        if len(header) < 12:
            raise ValueError("truncated record header")
        (length,), (length_crc,) = (
            struct.unpack("<Q", header[:8]),
            struct.unpack("<I", header[8:]),
        )
        if verify_crc and _masked_crc(header[:8]) != length_crc:
            raise ValueError("record length checksum mismatch")
        data, footer = stream.read(length), stream.read(4)
        if len(data) < length or len(footer) < 4:
            raise ValueError("truncated record")
        if verify_crc and _masked_crc(data) != struct.unpack("<I", footer)[0]:
            raise ValueError("record data checksum mismatch")
        yield data


class _HashingReader(io.RawIOBase):
    """Read-only stream wrapper that sha256-hashes and counts what it reads."""

    def __init__(self, stream: Any) -> None:
        self._stream, self.sha256, self.size = stream, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self.sha256.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        """Reads (and hashes) the rest of the stream."""
        while self.read(1 << 20):
            pass


def read_shard(spec: tuple[str, dict[str, Any] | None]) -> Iterator[Any]:
    """Yields (shard, index, record); checks the shard against its manifest entry.

    Anomalies go to the ``anomalies`` tagged output.
    """
    from apache_beam import pvalue
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    path, expected = spec
    shard = _basename(path)
    count, error = 0, None
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        reader = _HashingReader(f)
        try:
            for count, record in enumerate(iter_tfrecords(reader), start=1):  # noqa: B007
                yield (shard, count - 1, record)
        except ValueError as err:
            error = f"{err} after {count} record(s)"
        reader.drain()
    for check, detail in shard_problems(
        shard, count, reader.size, reader.sha256.hexdigest(), expected, error
    ):
        yield pvalue.TaggedOutput(
            "anomalies", {"check": check, "example": shard, "detail": detail}
        )


def shard_problems(
    shard: str,
    count: int,
    size: int,
    sha256: str,
    expected: dict[str, Any] | None,
    error: str | None,
) -> list[tuple[str, str]]:
    """(check, detail) pairs comparing a read shard with its manifest entry."""
    problems = [("corrupt_shard", error)] if error else []
    if expected is None:
        return [*problems, ("manifest_shards", "shard not listed in manifest.json")]
    if expected.get("count") != count:
        problems.append(
            (
                "manifest_count",
                f"{count} records, manifest says {expected.get('count')}",
            )
        )
    differs = []
    if expected.get("sha256") not in (None, sha256):
        differs.append(f"sha256 {sha256[:12]}... differs")
    if expected.get("bytes") not in (None, size):
        differs.append(f"{size} bytes, manifest says {expected['bytes']}")
    if differs:
        problems.append(("manifest_sha256", "; ".join(differs)))
    return problems


def _feature_value(example: Any, key: str) -> Any:
    """First value of a tf.train.Example feature, or None when absent."""
    feature = example.features.feature.get(key)
    if feature is None:
        return None
    kind = feature.WhichOneof("kind")
    values = getattr(feature, kind).value if kind else []
    return values[0] if len(values) else None


def record_row(
    item: tuple[str, int, bytes], crop: int, max_psnr: float
) -> Iterator[Any]:
    """Features of one serialized tf.train.Example; anomalies tagged separately."""
    import tensorflow as tf
    from apache_beam import pvalue

    shard, index, record = item
    fallback = f"{shard}#{index}"
    try:
        example = tf.train.Example.FromString(record)
    except Exception as err:  # noqa: BLE001 - protobuf DecodeError and friends
        yield pvalue.TaggedOutput(
            "anomalies",
            {"check": "unparsable_record", "example": fallback, "detail": str(err)},
        )
        return
    values = {
        k: _feature_value(example, k) for k in ("blur", "sharp", "name", "source")
    }
    name = values["name"].decode("utf-8", "replace") if values["name"] else fallback
    source = values["source"].decode("utf-8", "replace") if values["source"] else ""
    missing = [k for k in ("blur", "sharp", "name") if values[k] is None]
    if missing:
        yield pvalue.TaggedOutput(
            "anomalies",
            {"check": "missing_feature", "example": name, "detail": ", ".join(missing)},
        )
    if values["blur"] is None or values["sharp"] is None:
        yield {"name": name, "source": source}
        return
    meta = {k: _feature_value(example, k) for k in ("height", "width", "channels")}
    row, found = pair_row(
        name, source, values["blur"], values["sharp"], crop, max_psnr, meta
    )
    yield row
    for record_anomaly in found:
        yield pvalue.TaggedOutput("anomalies", record_anomaly)


def file_pair_row(
    pair: tuple[str, str, str], crop: int, max_psnr: float
) -> Iterator[Any]:
    """Features of one blur/sharp file pair; anomalies tagged separately."""
    from apache_beam import pvalue

    name, blur_path, sharp_path = pair
    row, found = pair_row(
        name, "folder", read_bytes(blur_path), read_bytes(sharp_path), crop, max_psnr
    )
    yield row
    for record_anomaly in found:
        yield pvalue.TaggedOutput("anomalies", record_anomaly)


def to_record_batch(rows: list[dict[str, Any]]) -> Any:
    """Arrow RecordBatch of feature rows, as tfdv.GenerateStatistics expects."""
    import pyarrow as pa

    types = {"int": pa.int64(), "float": pa.float32(), "bytes": pa.binary()}
    arrays = []
    for feature, kind in FEATURES.items():
        values = [row.get(feature) for row in rows]
        if kind == "bytes":
            values = [v.encode("utf-8") if isinstance(v, str) else v for v in values]
        arrays.append(
            pa.array(
                [None if v is None else [v] for v in values], type=pa.list_(types[kind])
            )
        )
    return pa.RecordBatch.from_arrays(arrays, list(FEATURES))


def summarize_check(
    item: tuple[str, tuple[list[int], list[list[dict[str, str]]]]],
) -> dict[str, Any]:
    """Joins a check's count with its first (sorted) example records."""
    check, (counts, samples) = item
    examples = sorted(samples[0] if samples else [], key=lambda r: r["example"])
    return {
        "check": check,
        "count": int(sum(counts)),
        "examples": [
            {"example": r["example"], "detail": r["detail"]} for r in examples
        ],
    }


# --------------------------------------------------------------------------
# Pipeline
# --------------------------------------------------------------------------


def build_pipeline(
    pipeline: Any,
    inputs: dict[str, Any],
    args: argparse.Namespace,
    paths: dict[str, str],
) -> None:
    """Adds the feature, statistics and anomaly stages to a Beam pipeline."""
    import apache_beam as beam
    import tensorflow_data_validation as tfdv

    crop, max_psnr = args.crop, args.max_psnr
    if inputs["mode"] == "tfrecord":
        read = (
            pipeline
            | "Shards" >> beam.Create(inputs["shards"])
            | "ReadShards"
            >> beam.FlatMap(read_shard).with_outputs("anomalies", main="records")
        )
        rows = (
            read.records
            | "SpreadRecords" >> beam.Reshuffle()
            | "Features"
            >> beam.FlatMap(record_row, crop, max_psnr).with_outputs(
                "anomalies", main="rows"
            )
        )
        sources = [read.anomalies, rows.anomalies]
    else:
        rows = (
            pipeline
            | "Pairs" >> beam.Create(inputs["pairs"])
            | "SpreadPairs" >> beam.Reshuffle()
            | "Features"
            >> beam.FlatMap(file_pair_row, crop, max_psnr).with_outputs(
                "anomalies", main="rows"
            )
        )
        sources = [rows.anomalies]
    duplicates = (
        rows.rows
        | "KeyByName" >> beam.Map(lambda row: (row["name"], 1))
        | "CountNames" >> beam.CombinePerKey(sum)
        | "Duplicates"
        >> beam.FlatMap(
            lambda kv: (
                [{"check": "duplicate_name", "example": kv[0], "detail": f"{kv[1]}x"}]
                if kv[1] > 1
                else []
            )
        )
    )
    anomalies = [*sources, duplicates] | "AllAnomalies" >> beam.Flatten()
    _ = (
        rows.rows
        | "Batch"
        >> beam.BatchElements(min_batch_size=1, max_batch_size=args.batch_size)
        | "ToArrow" >> beam.Map(to_record_batch)
        | "Stats" >> tfdv.GenerateStatistics(tfdv.StatsOptions(num_top_values=20))
        | "WriteStats" >> tfdv.WriteStatisticsToBinaryFile(paths["stats"])
    )
    _ = (
        anomalies
        | "AnomalyJson" >> beam.Map(json.dumps, sort_keys=True)
        | "WriteAnomalous"
        >> beam.io.WriteToText(paths["examples"], file_name_suffix=".jsonl")
    )
    keyed = anomalies | "KeyByCheck" >> beam.Map(lambda r: (r["check"], r))
    counts = keyed | "CountPerCheck" >> beam.combiners.Count.PerKey()
    samples = keyed | "SamplePerCheck" >> beam.combiners.Top.SmallestPerKey(
        args.max_names, key=lambda r: r["example"]
    )
    _ = (
        (counts, samples)
        | "JoinCheck" >> beam.CoGroupByKey()
        | "Summarize" >> beam.Map(summarize_check)
        | "SummaryJson" >> beam.Map(json.dumps, sort_keys=True)
        | "WriteSummary"
        >> beam.io.WriteToText(paths["summary"], shard_name_template="", num_shards=1)
    )


def run_pipeline(
    inputs: dict[str, Any], args: argparse.Namespace, beam_args: list[str]
) -> dict[str, str]:
    """Runs the Beam pipeline; returns the paths of what it wrote."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions, SetupOptions

    out = args.output
    paths = {
        "stats": _join(out, "stats.pb"),
        "examples": _join(out, "anomalous_examples"),
        "summary": _join(out, "_anomaly_summary.jsonl"),
    }
    options = PipelineOptions(beam_args)
    setup = options.view_as(SetupOptions)
    if setup.pickle_library == "default":
        # cloudpickle ships this script's functions by value (it runs as
        # __main__), so remote workers need no copy of it.
        setup.pickle_library = "cloudpickle"
    with beam.Pipeline(options=options) as pipeline:
        build_pipeline(pipeline, inputs, args, paths)
    return paths


# --------------------------------------------------------------------------
# Inputs (driver side)
# --------------------------------------------------------------------------


def tfrecord_inputs(data_dir: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Shard specs from manifest.json (+ shards on disk) and manifest anomalies."""
    found: list[dict[str, str]] = []

    def problem(check: str, detail: str) -> None:
        found.append({"check": check, "example": MANIFEST_NAME, "detail": detail})

    manifest: dict[str, Any] = {}
    manifest_path = _join(data_dir, MANIFEST_NAME)
    if path_exists(manifest_path):
        try:
            manifest = json.loads(read_bytes(manifest_path))
        except ValueError as err:
            problem("manifest_invalid", f"not JSON: {err}")
        if not isinstance(manifest, dict):
            problem("manifest_invalid", "not a JSON object")
            manifest = {}
    else:
        problem("manifest_invalid", "manifest.json not found")
    listed = {
        s.get("file"): s for s in manifest.get("shards", []) if isinstance(s, dict)
    }
    if manifest:
        if manifest.get("format") != MANIFEST_FORMAT:
            problem("manifest_invalid", f"format {manifest.get('format')!r}")
        if "shards" not in manifest or "count" not in manifest:
            problem("manifest_invalid", "needs 'count' and 'shards'")
        total = sum(int(s.get("count", 0)) for s in listed.values())
        if "count" in manifest and manifest["count"] != total:
            problem("manifest_count", f"count {manifest['count']} != shard sum {total}")
    on_disk = {_basename(p) for p in list_files(_join(data_dir, SHARD_PATTERN))}
    for name in sorted(set(listed) - on_disk):
        if not path_exists(_join(data_dir, name)):
            problem("manifest_shards", f"listed shard {name} not found")
    names = sorted(on_disk | {n for n in listed if path_exists(_join(data_dir, n))})
    shards = [(_join(data_dir, n), listed.get(n)) for n in names]
    return {"mode": "tfrecord", "shards": shards}, found


def folder_inputs(blur_dir: str, sharp_dir: str) -> tuple[dict[str, Any], list]:
    """(name, blur path, sharp path) pairs and unpaired-file anomalies."""
    blur = {_basename(p): p for p in list_files(_join(blur_dir, "*"))}
    sharp = {_basename(p): p for p in list_files(_join(sharp_dir, "*"))}
    blur = {k: v for k, v in blur.items() if not k.startswith(".")}
    sharp = {k: v for k, v in sharp.items() if not k.startswith(".")}
    found = [
        {"check": "unpaired_file", "example": name, "detail": f"only in {side}"}
        for side, mine, other in (("blur", blur, sharp), ("sharp", sharp, blur))
        for name in sorted(set(mine) - set(other))
    ]
    pairs = [(n, blur[n], sharp[n]) for n in sorted(set(blur) & set(sharp))]
    return {"mode": "folder", "pairs": pairs}, found


# --------------------------------------------------------------------------
# Schema and anomalies (driver side)
# --------------------------------------------------------------------------


def tighten_schema(schema: Any, crop: int, max_psnr: float) -> Any:
    """Adds the domain constraints an inferred schema cannot know."""
    import tensorflow_data_validation as tfdv
    from tensorflow_metadata.proto.v0 import schema_pb2

    del schema.string_domain[:]
    for feature in schema.feature:
        feature.ClearField("domain")
        feature.ClearField("domain_info")
        feature.presence.min_fraction = 1.0
        feature.presence.min_count = 1
        feature.value_count.min = feature.value_count.max = 1
    for key in IMAGE_KEYS:
        tfdv.set_domain(schema, f"{key}_channels", schema_pb2.IntDomain(min=3, max=3))
        tfdv.set_domain(schema, f"{key}_bit_depth", schema_pb2.IntDomain(min=8, max=16))
        tfdv.set_domain(
            schema, f"{key}_format", schema_pb2.StringDomain(value=list(GOOD_FORMATS))
        )
        tfdv.set_domain(schema, f"{key}_mean", schema_pb2.FloatDomain(min=0, max=1))
        tfdv.set_domain(schema, f"{key}_file_bytes", schema_pb2.IntDomain(min=1))
    tfdv.set_domain(schema, "sizes_match", schema_pb2.IntDomain(min=1, max=1))
    return apply_limits(schema, crop, max_psnr)


def apply_limits(schema: Any, crop: int, max_psnr: float) -> Any:
    """Sets the run's --crop / --max-psnr as the size and PSNR domains."""
    import tensorflow_data_validation as tfdv

    for key in IMAGE_KEYS:
        for dim in ("height", "width"):
            tfdv.get_feature(schema, f"{key}_{dim}").int_domain.min = crop
    tfdv.get_feature(schema, "psnr").float_domain.min = 0.0
    tfdv.get_feature(schema, "psnr").float_domain.max = max_psnr
    return schema


def read_summary(path: str) -> list[dict[str, Any]]:
    """Per-check anomaly summaries written by the pipeline."""
    if not path_exists(path):
        return []
    lines = read_bytes(path).decode("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def merge_custom(
    summaries: list[dict[str, Any]],
    driver: list[dict[str, str]],
    args: argparse.Namespace,
) -> list[dict[str, Any]]:
    """Merges pipeline summaries with driver-side anomaly records, per check."""
    merged: dict[str, dict[str, Any]] = {}
    for item in summaries:
        merged[item["check"]] = {**item, "examples": list(item["examples"])}
    for record in driver:
        item = merged.setdefault(
            record["check"], {"check": record["check"], "count": 0, "examples": []}
        )
        item["count"] += 1
        item["examples"].append(
            {"example": record["example"], "detail": record["detail"]}
        )
    for item in merged.values():
        item["examples"] = sorted(item["examples"], key=lambda r: r["example"])
        item["examples"] = item["examples"][: args.max_names]
        template = CHECKS.get(item["check"], item["check"])
        item["description"] = template.format(crop=args.crop, max_psnr=args.max_psnr)
    return [merged[k] for k in sorted(merged)]


def schema_anomaly_list(anomalies: Any) -> list[dict[str, Any]]:
    """Flattens a TFDV Anomalies proto to dicts."""
    return [
        {
            "feature": feature,
            "short_description": info.short_description,
            "description": info.description,
            "severity": anomalies.anomaly_info[feature].Severity.Name(info.severity),
        }
        for feature, info in sorted(anomalies.anomaly_info.items())
    ]


def add_custom_to_proto(anomalies: Any, custom: list[dict[str, Any]]) -> None:
    """Adds custom checks to a TFDV Anomalies proto as CUSTOM_VALIDATION."""
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    for item in custom:
        info = anomalies.anomaly_info[f"custom:{item['check']}"]
        info.severity = anomalies_pb2.AnomalyInfo.ERROR
        info.short_description = f"{item['description']} ({item['count']})"
        names = ", ".join(e["example"] for e in item["examples"])
        more = item["count"] - len(item["examples"])
        info.description = names + (f" and {more} more" if more > 0 else "")
        reason = info.reason.add()
        reason.type = anomalies_pb2.AnomalyInfo.CUSTOM_VALIDATION
        reason.short_description = info.short_description
        reason.description = "; ".join(
            f"{e['example']}: {e['detail']}" for e in item["examples"]
        )


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def _feature_map(stats: Any) -> dict[str, Any]:
    if not stats.datasets:
        return {}
    return {".".join(f.path.step): f for f in stats.datasets[0].features}


def _standard_histogram(feature: Any) -> list[tuple[float, float, float]]:
    """(low, high, count) buckets of a numeric feature's equal-width histogram."""
    from tensorflow_metadata.proto.v0 import statistics_pb2

    standard = statistics_pb2.Histogram.STANDARD
    for hist in feature.num_stats.histograms:
        if hist.type == standard:
            return [(b.low_value, b.high_value, b.sample_count) for b in hist.buckets]
    return []


def chart_png(stats: Any, args: argparse.Namespace) -> bytes:
    """PNG with histograms of PSNR, image sizes, intensities and file sizes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    features = _feature_map(stats)
    panels = [
        ("blur/sharp PSNR (dB)", ["psnr"], args.max_psnr),
        ("image height / width (px)", ["blur_height", "blur_width"], args.crop),
        ("mean intensity [0, 1]", ["blur_mean", "sharp_mean"], None),
        ("file size (bytes)", ["blur_file_bytes", "sharp_file_bytes"], None),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for ax, (title, names, limit) in zip(axes.flat, panels, strict=True):
        for name in names:
            buckets = _standard_histogram(features[name]) if name in features else []
            if buckets:
                lows, highs, counts = (np.array(x) for x in zip(*buckets, strict=True))
                floor = 0.01 * max(float(np.abs(highs).max()), 1.0)
                widths = np.maximum(highs - lows, floor)
                ax.bar(lows, counts, width=widths, align="edge", alpha=0.6, label=name)
        if limit is not None:
            ax.axvline(limit, color="red", linestyle="--", label=f"limit {limit:g}")
        ax.set_title(title)
        ax.set_ylabel("examples")
        ax.legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return buffer.getvalue()


def _stats_rows(stats: Any) -> list[list[str]]:
    """One HTML table row per feature: type, present, missing, range/top values."""
    rows = []
    for name, feature in _feature_map(stats).items():
        if feature.HasField("num_stats"):
            ns = feature.num_stats
            common = ns.common_stats
            summary = f"min {ns.min:g} / mean {ns.mean:.4g} / max {ns.max:g} / std {ns.std_dev:.3g}"
        else:
            ss = feature.string_stats
            common = ss.common_stats
            top = ", ".join(f"{v.value} ({v.frequency:g})" for v in ss.top_values[:5])
            summary = f"{ss.unique} unique: {top}"
        kind = type(feature).Type.Name(feature.type)
        rows.append(
            [name, kind, str(common.num_non_missing), str(common.num_missing), summary]
        )
    return rows


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def report_html(result: dict[str, Any], stats: Any, png: bytes) -> str:
    """Self-contained HTML report (no JavaScript, no network)."""
    status = "CLEAN" if result["clean"] else "ANOMALIES FOUND"
    custom_rows = [
        [
            c["check"],
            str(c["count"]),
            c["description"],
            "; ".join(f"{e['example']}: {e['detail']}" for e in c["examples"]),
        ]
        for c in result["custom_anomalies"]
    ]
    schema_rows = [
        [a["feature"], a["severity"], a["short_description"], a["description"]]
        for a in result["schema_anomalies"]
    ]
    image = base64.b64encode(png).decode("ascii")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>keras-mimo data validation</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}
.bad{{color:#b00}}.ok{{color:#080}}</style></head><body>
<h1>keras-mimo data validation</h1>
<p class="{"ok" if result["clean"] else "bad"}"><b>{status}</b> &mdash;
{result["num_examples"]} examples from {html.escape(result["input"])}
({result["mode"]}), schema {html.escape(result["schema"])}, {result["created"]}</p>
<h2>Custom checks</h2>{_table(["check", "count", "meaning", "examples"], custom_rows) if custom_rows else "<p>none</p>"}
<h2>Schema anomalies (TFDV)</h2>{_table(["feature", "severity", "anomaly", "details"], schema_rows) if schema_rows else "<p>none</p>"}
<h2>Histograms</h2><img alt="histograms" src="data:image/png;base64,{image}">
<h2>Feature statistics (TFDV)</h2>
{_table(["feature", "type", "present", "missing", "summary"], _stats_rows(stats))}
</body></html>
"""


def print_summary(result: dict[str, Any], max_names: int) -> None:
    """Concise human summary on stdout."""
    status = "CLEAN" if result["clean"] else "ANOMALIES FOUND"
    print(
        f"{status}: {result['num_examples']} examples in {result['input']} "
        f"({result['mode']}); report: {result['output']}"
    )
    for c in result["custom_anomalies"]:
        print(f"  [{c['check']}] {c['description']}: {c['count']}")
        for e in c["examples"][:max_names]:
            print(f"      {e['example']}: {e['detail']}")
        if c["count"] > len(c["examples"]):
            print(f"      ... and {c['count'] - len(c['examples'])} more")
    for a in result["schema_anomalies"]:
        print(f"  [schema:{a['feature']}] {a['short_description']}: {a['description']}")


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """Argument parser; unknown arguments are Beam pipeline options."""
    parser = argparse.ArgumentParser(
        prog="validate_data.py",
        description=__doc__.split("\n\n")[0] + "\n\n" + __doc__.split("\n\n")[1],
        epilog=BEAM_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_argument_group("input (either --data, or both folder flags)")
    source.add_argument(
        "--data", help="TFRecord dataset dir (data-*.tfrecord + manifest.json)"
    )
    source.add_argument("--blur-dir", help="folder of blurred images")
    source.add_argument("--sharp-dir", help="folder of sharp images, same file names")
    parser.add_argument("--output", required=True, help="directory for stats/report")
    parser.add_argument(
        "--schema",
        default=str(DEFAULT_SCHEMA),
        help="TFDV schema (text proto) to validate against (default: %(default)s)",
    )
    parser.add_argument(
        "--infer-schema",
        metavar="OUT.pbtxt",
        help="infer a schema from this data (tightened with the domain rules), "
        "write it here and validate against it instead of --schema",
    )
    parser.add_argument(
        "--crop",
        type=int,
        default=256,
        help="training crop; smaller images are anomalies",
    )
    parser.add_argument(
        "--max-psnr",
        type=float,
        default=50.0,
        help="blur/sharp PSNR (dB) above which a pair counts as unblurred",
    )
    parser.add_argument(
        "--max-names", type=int, default=20, help="example names listed per check"
    )
    parser.add_argument(
        "--batch-size", type=int, default=256, help="examples per Arrow record batch"
    )
    return parser


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    """Parses and checks arguments; exits with status 2 on usage errors."""
    parser = build_parser()
    args, beam_args = parser.parse_known_args(argv)
    folders = (args.blur_dir is not None, args.sharp_dir is not None)
    if args.data is None and folders != (True, True):
        parser.error("give --data DIR, or both --blur-dir and --sharp-dir")
    if args.data is not None and any(folders):
        parser.error("--data cannot be combined with --blur-dir/--sharp-dir")
    if args.crop < 1 or args.max_names < 1 or args.batch_size < 1:
        parser.error("--crop, --max-names and --batch-size must be positive")
    for flag in ("data", "blur_dir", "sharp_dir"):
        value = getattr(args, flag)
        if value is not None and not path_exists(value):
            parser.error(f"--{flag.replace('_', '-')} {value}: not found")
    if args.infer_schema is None and not path_exists(args.schema):
        parser.error(f"--schema {args.schema}: not found")
    unknown = _unknown_beam_options(beam_args)
    if unknown:
        parser.error(f"unrecognized arguments (not Beam options either): {unknown}")
    return args, beam_args


def _unknown_beam_options(beam_args: list[str]) -> list[str]:
    """Pass-through arguments that no Beam PipelineOptions class defines."""
    from apache_beam.options.pipeline_options import PipelineOptions

    options = PipelineOptions(beam_args)
    logging.getLogger("apache_beam.options.pipeline_options").setLevel(logging.ERROR)
    known = options.get_all_options()
    every = options.get_all_options(retain_unknown_options=True)
    return [f"--{flag}" for flag in sorted(set(every) - set(known))]


def _quiet() -> None:
    """Silences library chatter so the summary stays readable."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("apache_beam").setLevel(logging.ERROR)


def _import_tfdv() -> Any:
    """Imports TFDV without its 'Unable to import IPython' notice."""
    import contextlib

    with contextlib.redirect_stderr(io.StringIO()):
        import tensorflow_data_validation as tfdv
    return tfdv


def validate(args: argparse.Namespace, beam_args: list[str]) -> dict[str, Any]:
    """Runs the pipeline, the schema validation and writes all outputs."""
    tfdv = _import_tfdv()

    if args.data is not None:
        inputs, driver_found = tfrecord_inputs(args.data)
        if not inputs["shards"] and not path_exists(_join(args.data, MANIFEST_NAME)):
            raise UsageError(f"--data {args.data}: no manifest.json or data-*.tfrecord")
    else:
        inputs, driver_found = folder_inputs(args.blur_dir, args.sharp_dir)
    paths = run_pipeline(inputs, args, beam_args)
    stats = tfdv.load_stats_binary(paths["stats"])
    tfdv.write_stats_text(stats, _join(args.output, "stats.pbtxt"))
    num_examples = stats.datasets[0].num_examples if stats.datasets else 0
    if num_examples == 0:
        driver_found.append(
            {"check": "empty_dataset", "example": "-", "detail": "0 examples"}
        )

    if args.infer_schema:
        schema = tighten_schema(tfdv.infer_schema(stats), args.crop, args.max_psnr)
        tfdv.write_schema_text(schema, args.infer_schema)
        schema_name = args.infer_schema
    else:
        schema = apply_limits(
            tfdv.load_schema_text(args.schema), args.crop, args.max_psnr
        )
        schema_name = args.schema
    anomalies = tfdv.validate_statistics(stats, schema)

    custom = merge_custom(read_summary(paths["summary"]), driver_found, args)
    from apache_beam.io.filesystems import FileSystems

    FileSystems.delete([paths["summary"]])
    result = {
        "clean": not custom and not anomalies.anomaly_info,
        "input": args.data or f"{args.blur_dir} + {args.sharp_dir}",
        "mode": inputs["mode"],
        "output": args.output,
        "schema": schema_name,
        "num_examples": int(num_examples),
        "crop": args.crop,
        "max_psnr": args.max_psnr,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "custom_anomalies": custom,
        "schema_anomalies": schema_anomaly_list(anomalies),
    }
    add_custom_to_proto(anomalies, custom)
    write_outputs(result, stats, anomalies, args)
    return result


def write_outputs(
    result: dict[str, Any], stats: Any, anomalies: Any, args: argparse.Namespace
) -> None:
    """Writes anomalies.{pbtxt,json}, report.{html,png} and facets.html."""
    import tensorflow_data_validation as tfdv

    out = args.output
    tfdv.write_anomalies_text(anomalies, _join(out, "anomalies.pbtxt"))
    write_bytes(_join(out, "anomalies.json"), json.dumps(result, indent=2).encode())
    png = chart_png(stats, args)
    write_bytes(_join(out, "report.png"), png)
    write_bytes(_join(out, "report.html"), report_html(result, stats, png).encode())
    write_bytes(_join(out, "facets.html"), tfdv.get_statistics_html(stats).encode())


class UsageError(Exception):
    """Bad command-line input discovered after parsing (exit status 2)."""


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    _quiet()
    args, beam_args = parse_args(argv)
    if "://" not in args.output:
        os.makedirs(args.output, exist_ok=True)
    try:
        result = validate(args, beam_args)
    except UsageError as err:
        print(f"validate_data.py: error: {err}", file=sys.stderr)
        return 2
    print_summary(result, args.max_names)
    return 0 if result["clean"] else 1


if __name__ == "__main__":
    sys.exit(main())
