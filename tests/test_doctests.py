"""The docstring examples of `keras_mimo` run and print what they show.

Every module with a `>>>` example is a test. Each runs in a folder holding
the small real images its examples name (`make_workspace`); examples that
need the network, a server, an exporter's minutes or data the fixtures do
not have carry `# doctest: +SKIP`. A module whose optional dependency (gradio, Beam, ONNX, ...) is not
installed is skipped, saying which. Examples print shapes as tuples, as JAX
does; TensorFlow's `TensorShape([...])` and torch's `torch.Size([...])`
compare equal to them, so the examples run on every backend.
"""

import doctest
import importlib
import pathlib
import re
import shutil

import pytest

import keras_mimo
from tests.conftest import FIXTURES

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


def make_workspace(folder: pathlib.Path) -> None:
    """The files the examples name, made from the committed fixture pairs.

    `photo.jpg`, `photo.png`, `blurry.png`, `a.png`, `b.png` and `photos/` are
    small real blurry images; `val/`, `data/gopro_val/`, `GOPRO/` and
    `GOPRO_Large/` hold the three fixture pairs in their layouts; `data/sharp/` holds the
    sharp ones.
    """
    from PIL import Image

    pairs = FIXTURES / "pairs"
    blurry = sorted((pairs / "blur").glob("*.png"))
    for name, source in (("photo", 0), ("blurry", 1), ("a", 1), ("b", 2)):
        shutil.copy(blurry[source], folder / f"{name}.png")
    (folder / "photos").mkdir()
    for index, path in enumerate(blurry):
        with Image.open(path) as image:
            image.save(folder / "photos" / f"shot{index}.jpg", quality=95)
    shutil.copy(folder / "photos" / "shot0.jpg", folder / "photo.jpg")
    scene = "GOPRO_Large/{split}/GOPR0001_11_00"
    for target in (
        "GOPRO/test",
        "val",
        "data/gopro_val",
        scene.format(split="train"),
        scene.format(split="test"),
    ):
        shutil.copytree(pairs, folder / target)
    shutil.copytree(pairs / "sharp", folder / "data" / "sharp")


@pytest.mark.parametrize("name", modules_with_examples())
def test_docstring_examples(name, tmp_path, monkeypatch):
    module = import_or_skip(name)
    make_workspace(tmp_path)
    monkeypatch.chdir(tmp_path)  # the examples' files are here; they write here
    tests = doctest.DocTestFinder().find(module, name)
    runner = doctest.DocTestRunner(checker=ShapeChecker(), optionflags=FLAGS)
    report = []
    for test in sorted(tests, key=lambda t: t.name):
        runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)
