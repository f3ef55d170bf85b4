"""What a run reads (driver side): shards of a TFRecord dataset, or file pairs.

Both return `(inputs, anomalies)`: `inputs["mode"]` is `"tfrecord"` (with
`"shards"`: `(path, manifest entry or None)`) or `"folder"` (with `"pairs"`:
`(name, blur path, sharp path)`), and the anomaly records found on the way.
"""

from __future__ import annotations

import json
from typing import Any

from keras_mimo.data.tfrecord_format import MANIFEST, SHARD_GLOB, manifest_problems

from .files import basename, join, list_files, path_exists, read_bytes


def read_manifest(data_dir: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The manifest dict (empty if unusable) and (check, detail) problems."""
    path = join(data_dir, MANIFEST)
    if not path_exists(path):
        return {}, [("manifest_invalid", f"{MANIFEST} not found")]
    try:
        manifest = json.loads(read_bytes(path))
    except ValueError as err:
        return {}, [("manifest_invalid", f"not JSON: {err}")]
    problems = [("manifest_invalid", p) for p in manifest_problems(manifest)]
    return (manifest if isinstance(manifest, dict) else {}), problems


def tfrecord_inputs(data_dir: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Shard specs from manifest.json (+ shards on disk) and manifest anomalies."""
    manifest, problems = read_manifest(data_dir)
    listed = {
        s.get("file"): s for s in manifest.get("shards", []) if isinstance(s, dict)
    }
    if manifest:
        total = sum(int(s.get("count", 0)) for s in listed.values())
        if "count" in manifest and manifest["count"] != total:
            problems.append(
                ("manifest_count", f"count {manifest['count']} != shard sum {total}")
            )
    on_disk = {basename(p) for p in list_files(join(data_dir, SHARD_GLOB))}
    for name in sorted(set(listed) - on_disk):
        if not path_exists(join(data_dir, name)):
            problems.append(("manifest_shards", f"listed shard {name} not found"))
    names = sorted(on_disk | {n for n in listed if path_exists(join(data_dir, n))})
    shards = [(join(data_dir, n), listed.get(n)) for n in names]
    found = [
        {"check": check, "example": MANIFEST, "detail": detail}
        for check, detail in problems
    ]
    return {"mode": "tfrecord", "shards": shards}, found


def folder_inputs(blur_dir: str, sharp_dir: str) -> tuple[dict[str, Any], list]:
    """(name, blur path, sharp path) pairs and unpaired-file anomalies."""
    blur = {basename(p): p for p in list_files(join(blur_dir, "*"))}
    sharp = {basename(p): p for p in list_files(join(sharp_dir, "*"))}
    blur = {k: v for k, v in blur.items() if not k.startswith(".")}
    sharp = {k: v for k, v in sharp.items() if not k.startswith(".")}
    found = [
        {"check": "unpaired_file", "example": name, "detail": f"only in {side}"}
        for side, mine, other in (("blur", blur, sharp), ("sharp", sharp, blur))
        for name in sorted(set(mine) - set(other))
    ]
    pairs = [(n, blur[n], sharp[n]) for n in sorted(set(blur) & set(sharp))]
    return {"mode": "folder", "pairs": pairs}, found
