"""Typed errors of the training package."""

import os


class TrainingStateError(ValueError):
    """A run folder's `state.json` is unreadable, or names a file it must not.

    `str(error)` is `"<state.json path>: <problem>"`.

    Example:
    >>> str(TrainingStateError("runs/a/state.json", "empty file"))
    'runs/a/state.json: empty file'
    """

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
