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


def truncated_file_error(error: BaseException) -> DataError | None:
    """The `DataError` behind a `tf.data` failure on a truncated image, if it is one.

    `keras_mimo.data.decoding.read_encoded` asserts that each image file is
    complete; TensorFlow reports the failed assertion deep inside the
    iterator's error text. This finds it and names the file.

    Example:
    >>> error = ValueError("... [keras_mimo: truncated image file] [/d/a.png] ...")
    >>> str(truncated_file_error(error))
    '/d/a.png: truncated image file (the file ends before the image does); replace or remove it.'
    """
    from keras_mimo.data.decoding import TRUNCATED_MESSAGE

    text = str(error)
    marker = f"[{TRUNCATED_MESSAGE}] ["
    start = text.find(marker)
    if start < 0:
        return None
    path = text[start + len(marker) :].split("]", 1)[0]
    return DataError(
        f"{path}: truncated image file (the file ends before the image does); "
        "replace or remove it.",
        path,
    )
