"""Batch deblurring of photo collections on Apache Beam.

`deblur_files` matches input files (globs or lists, on any filesystem Beam
knows), deblurs them with `RunInference` and a `DeblurModelHandler` (the
same `Deblurrer` as the CLI, loaded once per worker), and writes each output
and a `manifest.json` into one folder. Bad files are skipped and listed;
outputs already written are not redone, so an interrupted run resumes.

Example:
>>> from keras_mimo.batch import deblur_files
>>> manifest = deblur_files("photos/*.jpg", "sharp/", model="gopro")
>>> manifest["counts"]
{'deblurred': 3, 'done_before': 0, 'failed': 0, 'skipped': 0}
"""

from keras_mimo.utils.lazy import lazy_exports

_EXPORTS = {
    "deblur_files": "keras_mimo.batch.pipeline",
    "DeblurFiles": "keras_mimo.batch.pipeline",
    "DeblurModelHandler": "keras_mimo.batch.handler",
    "MANIFEST_FILE": "keras_mimo.batch.manifest",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
