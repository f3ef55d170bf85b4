"""The custom checks (what a TFDV schema cannot express), merged and as protos."""

from __future__ import annotations

import json
from typing import Any

from .files import path_exists, read_bytes

# Check name -> meaning; {crop} and {max_psnr} are filled in per run.
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


def read_summary(path: str) -> list[dict[str, Any]]:
    """Per-check anomaly summaries written by the pipeline."""
    if not path_exists(path):
        return []
    lines = read_bytes(path).decode("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def merge_custom(
    summaries: list[dict[str, Any]],
    driver: list[dict[str, str]],
    crop: int,
    max_psnr: float,
    max_names: int,
) -> list[dict[str, Any]]:
    """Merges pipeline summaries with driver-side anomaly records, per check.

    Returns:
        One `{"check", "count", "examples", "description"}` per check, sorted,
        with at most `max_names` examples each.
    """
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
        item["examples"] = item["examples"][:max_names]
        template = CHECKS.get(item["check"], item["check"])
        item["description"] = template.format(crop=crop, max_psnr=max_psnr)
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
