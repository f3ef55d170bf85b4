"""Typed errors for inference inputs and outputs."""

import os


class InputImageError(ValueError):
    """An input image cannot be read or processed.

    `str(error)` is `"<source>: <problem>"`, where `source` names the file (or
    the in-memory input) and `problem` says what is wrong with it.

    Example:
    >>> error = InputImageError("photo.png", "not an image file")
    >>> str(error)
    'photo.png: not an image file'
    """

    def __init__(self, source: str | os.PathLike, problem: str):
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class OutputPathError(ValueError):
    """An output path cannot be written (a directory, an input, not writable)."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
