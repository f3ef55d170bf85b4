"""Typed errors of batch deblurring."""


class BatchError(ValueError):
    """A batch run cannot start: bad inputs, output folder or manifest.

    Example:
    >>> str(BatchError("out/manifest.json: not a keras-mimo batch manifest"))
    'out/manifest.json: not a keras-mimo batch manifest'
    """
