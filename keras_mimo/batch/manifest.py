"""The batch run's `manifest.json`: one entry per input, merged across runs."""

import datetime
import json

from keras_mimo.batch.errors import BatchError
from keras_mimo.batch.files import join, read_bytes, write_bytes

MANIFEST_FILE = "manifest.json"
#: Marks a manifest as this tool's: only such a file is ever replaced.
PRODUCER = "keras_mimo.batch"


def read_previous(output_dir: str) -> dict:
    """Entries of an earlier run's manifest in `output_dir`, by input path.

    Raises `BatchError` if a `manifest.json` there is not one this tool
    wrote: it is someone else's file and is never replaced.
    """
    from apache_beam.io.filesystems import FileSystems

    path = join(output_dir, MANIFEST_FILE)
    if not FileSystems.exists(path):
        return {}
    try:
        previous = json.loads(read_bytes(path))
        if previous.get("producer") != PRODUCER:
            raise ValueError
        return {entry["input"]: entry for entry in previous["files"]}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BatchError(
            f"{path}: exists and is not a keras-mimo batch manifest; refusing to "
            "replace it (choose another output folder)"
        ) from None


def build_manifest(records: list[dict], previous: dict, settings: dict) -> dict:
    """The manifest of a run: this run's records; earlier details for resumed files."""
    files, failed, skipped = [], [], []
    for record in sorted(records, key=lambda r: r["input"]):
        status = record["status"]
        if status == "failed":
            failed.append({"input": record["input"], "error": record["error"]})
        elif status == "skipped":
            skipped.append({"input": record["input"], "reason": record["reason"]})
        else:
            if status == "done_before" and record["input"] in previous:
                record = {**previous[record["input"]], "status": "done_before"}
            files.append(record)
    counts = {
        "deblurred": sum(f["status"] == "deblurred" for f in files),
        "done_before": sum(f["status"] == "done_before" for f in files),
        "failed": len(failed),
        "skipped": len(skipped),
    }
    return {
        "producer": PRODUCER,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        **settings,
        "counts": counts,
        "files": files,
        "failed": failed,
        "skipped": skipped,
    }


def write_manifest(output_dir: str, manifest: dict) -> str:
    path = join(output_dir, MANIFEST_FILE)
    write_bytes(path, (json.dumps(manifest, indent=2) + "\n").encode())
    return path
