"""Input matching and output writing on any filesystem Beam knows.

Local paths use keras_mimo's own atomic writes; other filesystems (gs://,
s3://, hdfs://, ...) go through `apache_beam.io.filesystems.FileSystems`,
whose object stores publish a file only when it is closed.
"""

import os
import posixpath
import re

from apache_beam.io.filesystems import FileSystems

_GLOB = re.compile(r"[*?\[]")


def is_local(path: str) -> bool:
    """Whether `path` is on the local filesystem (no `scheme://`)."""
    return "://" not in path


def join(folder: str, relative: str) -> str:
    """`folder/relative` on the folder's filesystem."""
    if is_local(folder):
        return os.path.join(folder, *relative.split("/"))
    return FileSystems.join(folder, relative)


def is_inside(path: str, folder: str) -> bool:
    """Whether `path` lies in `folder` (or below it).

    Example:
    >>> is_inside("out/a/b.png", "out"), is_inside("outer/b.png", "out")
    (True, False)
    """
    if is_local(path) and is_local(folder):
        path, folder = os.path.abspath(path), os.path.abspath(folder)
        return path.startswith(folder.rstrip(os.sep) + os.sep)
    return path.startswith(folder.rstrip("/") + "/")


def pattern_root(pattern: str) -> str:
    """The folder outputs of `pattern`'s matches are named relative to.

    Example:
    >>> pattern_root("photos/2024/**/*.jpg"), pattern_root("a/b.png")
    ('photos/2024', 'a')
    """
    match = _GLOB.search(pattern)
    fixed = pattern[: match.start()] if match else pattern
    return posixpath.dirname(fixed) if "/" in fixed else ""


def expand(pattern: str) -> str:
    """A local folder stands for every file directly in it (`folder/*`)."""
    if is_local(pattern) and os.path.isdir(pattern):
        return os.path.join(pattern, "*")
    return pattern


def relative_name(path: str, root: str) -> str:
    """`path` relative to `root`, with '/' separators."""
    if root and path.startswith(root.rstrip("/") + "/"):
        return path[len(root.rstrip("/")) + 1 :]
    if is_local(path) and root:
        return os.path.relpath(path, root).replace(os.sep, "/")
    return posixpath.basename(path)


def sharp_partner(path: str) -> str | None:
    """`.../sharp/NAME` for an input `.../blur/NAME` when it exists (GoPro layout).

    Example:
    >>> sharp_partner("no/such/blur/x.png") is None
    True
    """
    folder, name = posixpath.split(path)
    parent, last = posixpath.split(folder)
    if last != "blur":
        return None
    candidate = posixpath.join(parent, "sharp", name)
    return candidate if FileSystems.exists(candidate) else None


def read_bytes(path: str) -> bytes:
    with FileSystems.open(path) as file:
        return file.read()


def write_bytes(path: str, data: bytes) -> None:
    """Writes a whole file: atomically when local (temporary + rename)."""
    if is_local(path):
        from keras_mimo.utils.files import atomic_file

        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with atomic_file(path) as tmp:
            tmp.write_bytes(data)
        return
    with FileSystems.create(path) as file:
        file.write(data)
