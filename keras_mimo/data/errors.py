"""The one error type of the data package."""

import os


class DataError(ValueError):
    """A data set, image file or source spec the pipeline cannot use.

    The message names the offending file (or spec) and the problem: a blur
    image without its sharp partner, a pair of different sizes, an unreadable
    or corrupt file, an empty folder, a bad `--data` spec.

    Attributes:
        path: the offending file, folder or spec, or `None`.

    Example:
    >>> from keras_mimo.data import DataError, folder_pairs
    >>> try:
    ...     folder_pairs("/no/such/blur", "/no/such/sharp")
    ... except DataError as error:
    ...     print(error.path)
    /no/such/blur
    """

    def __init__(self, message: str, path: str | os.PathLike | None = None):
        super().__init__(message)
        self.path = None if path is None else str(path)
