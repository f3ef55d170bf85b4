"""Small file helpers: hashing, atomic writes, safe names, stale temporaries.

The safety rules every writer in keras_mimo follows live here:

- an output is written to a hidden temporary beside it and renamed into place
  (`atomic_file`, `atomic_directory`), so a reader never sees half a file;
- a folder is only replaced when everything in it is recognised as the
  writer's own (`atomic_directory(..., own=...)`); anything else is refused
  with `ForeignFilesError` and nothing is deleted;
- a name that comes from a user or from a file (`--name`, `state.json`) must
  be a plain name (`check_plain_name`, `path_inside`), so it cannot steer a
  read or a write out of its folder;
- temporaries left by a killed process (`kill -9`) are recognised by their
  naming, `.<target>.<pid>-<random><suffix>`, and removed by the next run
  that writes to the same folder (`remove_stale_temporaries`).
"""

import contextlib
import hashlib
import os
import pathlib
import re
import shutil
import tempfile
import time
from collections.abc import Callable

from keras_mimo.utils.errors import ForeignFilesError, UnsafePathError

# Our temporaries: `.<target>.<pid>-<8 mkstemp characters><suffix>` and
# `.<target>.old-<pid>` (a folder being replaced).
_TEMPORARY = re.compile(
    r"^\.(?P<target>.+)\.(?P<pid>\d+)-[a-z0-9_]{8}(?P<suffix>\.[^.]*)?$"
)
_OLD_FOLDER = re.compile(r"^\.(?P<target>.+)\.old-(?P<pid>\d+)$")
# Written by keras_mimo before temporaries carried a pid: removed only when
# the suffix repeats the target's and the file is older than `LEGACY_AGE_S`.
_LEGACY_TEMPORARY = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}(?P<suffix>\.[^.]+)$")
LEGACY_AGE_S = 3600.0


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _default_mode(path: pathlib.Path, directory: bool = False) -> None:
    """Gives a temp file/folder the permissions a plain `open`/`mkdir` would.

    `mkstemp`/`mkdtemp` create them private (0600/0700).
    """
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def check_plain_name(name: object, what: str = "name") -> str:
    """Returns `name` if it is a plain file or folder name, else raises.

    A plain name is a non-empty string without path separators, not `.` or
    `..`, not absolute, without NUL. `what` names the source in the error
    (e.g. `"--name"`, `"state.json 'checkpoint'"`).

    Raises:
        UnsafePathError: anything else.

    Example:
    >>> check_plain_name("gopro")
    'gopro'
    """
    if not isinstance(name, str) or not name:
        raise UnsafePathError(str(name), what, "must be a non-empty file name")
    separators = {"/", os.sep, os.altsep or "/", "\0"}
    if any(s in name for s in separators) or name in (".", "..") or os.path.isabs(name):
        raise UnsafePathError(
            name, what, "must be a plain name, without folders, '..' or '/'"
        )
    return name


def path_inside(folder: str | os.PathLike, name: object, what: str) -> pathlib.Path:
    """`folder / name` for a plain `name` that resolves inside `folder`.

    Symbolic links that lead out of `folder` are refused too.

    Raises:
        UnsafePathError: `name` is not a plain name or leads elsewhere.
    """
    folder = pathlib.Path(folder)
    path = folder / check_plain_name(name, what)
    if path.resolve().parent != folder.resolve():
        raise UnsafePathError(str(name), what, f"leads out of {folder}")
    return path


def _process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OverflowError:
        return False
    except PermissionError:
        return True
    return True


def _is_stale(entry: pathlib.Path) -> bool:
    match = _TEMPORARY.match(entry.name) or _OLD_FOLDER.match(entry.name)
    if match:
        suffix = match.groupdict().get("suffix") or ""
        ours = match.group("target").endswith(suffix) or suffix == ""
        return ours and not _process_alive(int(match.group("pid")))
    match = _LEGACY_TEMPORARY.match(entry.name)
    if match and match.group("target").endswith(match.group("suffix")):
        try:
            return (
                entry.is_file() and time.time() - entry.stat().st_mtime > LEGACY_AGE_S
            )
        except OSError:
            return False
    return False


def remove_stale_temporaries(folder: str | os.PathLike) -> list[pathlib.Path]:
    """Removes temporaries of our naming whose writing process is gone.

    Only hidden entries named like `atomic_file`/`atomic_directory`
    temporaries (`.<target>.<pid>-<random><suffix>`, `.<target>.old-<pid>`)
    whose process id no longer runs on this machine are removed, plus
    temporaries of the older naming (`.<target>.<random><suffix>`) that are
    more than an hour old. Returns what was removed.
    """
    folder = pathlib.Path(folder)
    removed = []
    try:
        entries = [e for e in folder.iterdir() if e.name.startswith(".")]
    except OSError:
        return removed
    for entry in entries:
        if not _is_stale(entry):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError:
            continue
        removed.append(entry)
    return removed


def _temporary_prefix(target: pathlib.Path) -> str:
    return f".{target.name}.{os.getpid()}-"


def check_replaceable(
    target: pathlib.Path, own: Callable[[str], bool] | None, what: str
) -> None:
    """Raises `ForeignFilesError` unless `target` may be replaced."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise ForeignFilesError(target, [target.name], what)
    if not target.exists():
        return
    foreign = sorted(e.name for e in target.iterdir() if own is None or not own(e.name))
    if foreign:
        raise ForeignFilesError(target, foreign, what)


@contextlib.contextmanager
def atomic_directory(
    target: str | os.PathLike,
    own: Callable[[str], bool] | None = None,
    what: str = "this output",
):
    """Yields a temporary folder beside `target` that replaces it on success.

    Readers never see a half-written `target`: it is either the old one or
    the complete new one. On error the temporary folder is removed.

    An existing `target` is replaced only if every entry in it is one of the
    writer's own (`own(name)` is true for it); an empty folder always may be.
    Otherwise `ForeignFilesError` is raised before anything is written and
    nothing is deleted. Stale temporaries of a killed earlier run beside
    `target` are removed first.

    Args:
        target: the folder to write.
        own: says whether an entry name of an existing `target` is one this
            writer makes (and may delete); `None`: none is.
        what: what `target` is, for the error message (e.g. "a preset").
    """
    target = pathlib.Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target.parent)
    check_replaceable(target, own, what)
    tmp = pathlib.Path(
        tempfile.mkdtemp(prefix=_temporary_prefix(target), dir=target.parent)
    )
    _default_mode(tmp, directory=True)
    try:
        yield tmp
        check_replaceable(target, own, what)  # files may have appeared meanwhile
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_file(target: str | os.PathLike, suffix: str = ""):
    """Yields a temporary path beside `target` that is renamed to it on success.

    The temporary is named `.<target name>.<pid>-<random><suffix>`, so that
    `remove_stale_temporaries` can recognise it if the process is killed.
    """
    target = pathlib.Path(target)
    fd, tmp = tempfile.mkstemp(
        prefix=_temporary_prefix(target),
        suffix=suffix or target.suffix,
        dir=target.parent,
    )
    os.close(fd)
    _default_mode(pathlib.Path(tmp))
    try:
        yield pathlib.Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
