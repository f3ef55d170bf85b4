"""`quiet_startup`: no TensorFlow C++ start-up noise in the command lines.

TensorFlow's native libraries log while they load: a oneDNN notice, "Could
not find cuda drivers", and on a machine without a GPU a `cuInit` error when
devices are first listed. The lines logged while `import tensorflow` runs
come before TensorFlow reads `TF_CPP_MIN_LOG_LEVEL`, so the variable alone
does not hide them. Every entry point (the `keras-mimo` command, the
`training/` and `benchmarks/` scripts, the demo) calls `quiet_startup()`
before Keras is imported. Library code never calls it.

Set `TF_CPP_MIN_LOG_LEVEL=0` to see every line again.
"""

import contextlib
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile

# What TensorFlow's `TF_CPP_MIN_LOG_LEVEL` hides: 1 INFO, 2 +WARNING, 3 +ERROR.
DEFAULT_LOG_LEVEL = "3"
_SEVERITIES = "IWEF"
_RECORD = re.compile(r"^([IWEF])\d{4} ")
_BANNER = "WARNING: All log messages before absl::InitializeLog() is called"


def quiet_startup() -> None:
    """Hides TensorFlow's native start-up logs; call before Keras is imported.

    Sets `TF_CPP_MIN_LOG_LEVEL` to 3 unless it is already set (a value the
    user set wins), and filters what TensorFlow's C++ code writes to stderr
    while `import tensorflow` runs by the same level: with the default,
    INFO, WARNING and ERROR lines are dropped, anything else (a Python
    traceback, a FATAL line) still shows. Does nothing more when TensorFlow
    is already imported; calling it twice is harmless.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", DEFAULT_LOG_LEVEL)
    if "tensorflow" in sys.modules or _level() == 0:
        return
    if not any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())


def _level() -> int:
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


def filter_native_log(text: str, level: int) -> str:
    """Drops the absl log records below `level` (and their continuation lines).

    Args:
        text: what was written to stderr.
        level: `TF_CPP_MIN_LOG_LEVEL`: records of severity index below it
            (`I`=0, `W`=1, `E`=2, `F`=3) are dropped.

    Returns:
        The remaining text.

    Example:
    >>> filter_native_log("I0000 00:00:1.0 1 port.cc:153] oneDNN\\nboom\\n", 1)
    'boom\\n'
    """
    kept, dropping = [], False
    for line in text.splitlines(keepends=True):
        record = _RECORD.match(line)
        if record:
            dropping = _SEVERITIES.index(record.group(1)) < level
        elif line.startswith(_BANNER):
            dropping = True
            continue
        elif dropping and line.startswith(("To enable", "  ")):
            continue  # a multi-line record goes on
        else:
            dropping = False
        if not dropping:
            kept.append(line)
    return "".join(kept)


@contextlib.contextmanager
def _filtered_stderr(level: int):
    """Captures file descriptor 2, then writes back what `level` keeps."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode(errors="replace")
            sys.stderr.write(filter_native_log(text, level))
            sys.stderr.flush()


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Runs the first `import tensorflow` with stderr filtered, then retires."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(importlib.abc.Loader):
    """Wraps a loader: `exec_module` runs under `_filtered_stderr`."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        # The module keeps its real loader (importlib.resources asks it).
        module.__loader__ = module.__spec__.loader = self._loader
        with _filtered_stderr(_level()):
            self._loader.exec_module(module)
