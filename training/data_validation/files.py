"""Whole-file helpers on any Beam filesystem (local paths, gs://, ...)."""

from __future__ import annotations

import os


def join(base: str, name: str) -> str:
    """Joins a directory and a file name on any Beam filesystem."""
    from apache_beam.io.filesystems import FileSystems

    return FileSystems.join(base, name)


def basename(path: str) -> str:
    """Last component of a path or URL."""
    return path.rstrip("/").rsplit("/", 1)[-1]


def open_file(path: str, mode: str = "r"):
    """An uncompressed stream for reading (`"r"`) or replacing (`"w"`) a file."""
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    kind = CompressionTypes.UNCOMPRESSED
    if mode == "w":
        return FileSystems.create(path, compression_type=kind)
    return FileSystems.open(path, compression_type=kind)


def read_bytes(path: str) -> bytes:
    """Reads a whole file."""
    with open_file(path) as f:
        return f.read()


def write_bytes(path: str, data: bytes) -> None:
    """Writes (replaces) a whole file."""
    with open_file(path, "w") as f:
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


def delete(path: str) -> None:
    """Deletes a file."""
    from apache_beam.io.filesystems import FileSystems

    FileSystems.delete([path])
