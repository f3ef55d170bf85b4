"""Typed errors of the file helpers: refused writes, with the path named."""

import os


class UnsafePathError(ValueError):
    """A name or path would steer a write or a read out of its folder.

    Example:
    >>> str(UnsafePathError("../x", "--name", "must be a plain name"))
    "--name '../x': must be a plain name"
    """

    def __init__(self, value: str, what: str, problem: str):
        self.value = value
        self.what = what
        super().__init__(f"{what} {value!r}: {problem}")


class OutputExistsError(FileExistsError):
    """An output already exists and the caller did not ask to replace it.

    `path` is the existing output; command-line tools turn this into
    "pass --overwrite", the Python API into "pass overwrite=True".
    """

    def __init__(self, path: str | os.PathLike, hint: str = "pass overwrite=True"):
        self.path = str(path)
        super().__init__(f"{self.path} exists; {hint} to replace it.")


class ForeignFilesError(FileExistsError):
    """A folder to be replaced holds files that its writer did not make.

    Nothing is deleted: the caller must move those files away, or write
    somewhere else.
    """

    def __init__(self, path: str | os.PathLike, foreign: list[str], what: str):
        self.path = str(path)
        self.foreign = list(foreign)
        shown = ", ".join(self.foreign[:5])
        more = f" and {len(self.foreign) - 5} more" if len(self.foreign) > 5 else ""
        super().__init__(
            f"{self.path}: refusing to replace it: it holds {shown}{more}, which "
            f"{'is' if len(self.foreign) == 1 else 'are'} not part of {what}. Move "
            "them away or choose another folder."
        )
