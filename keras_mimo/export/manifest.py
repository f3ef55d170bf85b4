"""`manifest.json`: what an export directory holds and how well it was verified."""

import json
import os
import pathlib

from keras_mimo.utils.files import sha256_file

MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 1


def file_entries(root: pathlib.Path, path: pathlib.Path) -> list[dict]:
    """`{path, size_bytes, sha256}` of a file, or of every file under a folder."""
    files = (
        [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    )
    return [
        {
            "path": p.relative_to(root).as_posix(),
            "size_bytes": p.stat().st_size,
            "sha256": sha256_file(p),
        }
        for p in files
    ]


def write_manifest(directory: pathlib.Path, manifest: dict) -> pathlib.Path:
    path = directory / MANIFEST_FILE
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path


def read_manifest(directory: str | os.PathLike) -> dict:
    """Reads an export directory's `manifest.json`.

    Example:
    >>> manifest = read_manifest("savedmodels/mimo_unet")  # doctest: +SKIP
    >>> manifest["artifacts"]["tflite_float32"]["agreement"]["min_psnr_db"]  # doctest: +SKIP
    """
    return json.loads((pathlib.Path(directory) / MANIFEST_FILE).read_text())


def check_files(directory: str | os.PathLike) -> list[str]:
    """Problems (missing, resized or modified files) against the manifest; [] if intact.

    Example:
    >>> assert not check_files("savedmodels/mimo_unet")  # doctest: +SKIP
    """
    directory = pathlib.Path(directory)
    problems = []
    for artifact in read_manifest(directory)["artifacts"].values():
        for entry in artifact["files"]:
            path = directory / entry["path"]
            if not path.is_file():
                problems.append(f"missing {entry['path']}")
            elif path.stat().st_size != entry["size_bytes"]:
                problems.append(f"size of {entry['path']} changed")
            elif sha256_file(path) != entry["sha256"]:
                problems.append(f"sha256 of {entry['path']} differs")
    return problems
