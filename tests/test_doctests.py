"""The docstring examples of `keras_mimo` run and print what they show.

Every module with a `>>>` example is a test. Examples that need files, the
network or full-size models carry `# doctest: +SKIP`; the rest use tiny
models. A module whose optional dependency (gradio, Beam, ONNX, ...) is not
installed is skipped, saying which. Examples print shapes as tuples, as JAX
does; TensorFlow's `TensorShape([...])` and torch's `torch.Size([...])`
compare equal to them, so the examples run on every backend.
"""

import doctest
import importlib
import pathlib
import re

import pytest

import keras_mimo

PACKAGE = pathlib.Path(keras_mimo.__file__).parent
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
_SHAPE = re.compile(r"(?:TensorShape|torch\.Size)\(\[([^\]]*)\]\)")


class ShapeChecker(doctest.OutputChecker):
    """Reads `TensorShape([1, 8])` and `torch.Size([1, 8])` as `(1, 8)`."""

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        def as_tuple(match):
            dims = match.group(1)
            return f"({dims},)" if dims and "," not in dims else f"({dims})"

        want, got = (_SHAPE.sub(as_tuple, text) for text in (want, got))
        return super().check_output(want, got, optionflags)


def modules_with_examples() -> list[str]:
    """Dotted names of the package's modules whose source has a `>>>`."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>>" in path.read_text():
            parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def import_or_skip(name: str):
    """Imports a module; skips when an optional third-party package is missing."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] == "keras_mimo":
            raise
        pytest.skip(f"{name} needs {error.name}, which is not installed")


def test_the_examples_are_found():
    names = modules_with_examples()
    assert "keras_mimo.data.layouts" in names and len(names) > 50


@pytest.mark.parametrize("name", modules_with_examples())
def test_docstring_examples(name, tmp_path, monkeypatch):
    module = import_or_skip(name)
    monkeypatch.chdir(tmp_path)  # examples that write files write here
    tests = doctest.DocTestFinder().find(module, name)
    runner = doctest.DocTestRunner(checker=ShapeChecker(), optionflags=FLAGS)
    report = []
    for test in sorted(tests, key=lambda t: t.name):
        runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)
