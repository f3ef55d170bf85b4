"""Small file helpers: hashing and atomic writes."""

import contextlib
import hashlib
import os
import pathlib
import shutil
import tempfile


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


@contextlib.contextmanager
def atomic_directory(target: str | os.PathLike):
    """Yields a temporary folder beside `target` that replaces it on success.

    Readers never see a half-written `target`: it is either the old one or
    the complete new one. On error the temporary folder is removed.
    """
    target = pathlib.Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    _default_mode(tmp, directory=True)
    try:
        yield tmp
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
    """Yields a temporary path beside `target` that is renamed to it on success."""
    target = pathlib.Path(target)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=target.parent
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
