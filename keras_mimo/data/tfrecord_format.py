"""The `keras_mimo.tfrecord.v1` format: names, shard files and record features.

One home for what `write_tfrecords` writes and its readers expect: the
training pipeline (`keras_mimo.data.tfrecords`) and the TFDV validator
(`training/data_validation`, which runs in its own virtualenv). Plain Python
only, so it imports without TensorFlow, Keras or NumPy.

Example:
>>> from keras_mimo.data import tfrecord_format
>>> tfrecord_format.shard_name(0, 8)
'data-00000-of-00008.tfrecord'
>>> tfrecord_format.is_dataset_entry("manifest.json")
True
"""

import re

FORMAT = "keras_mimo.tfrecord.v1"
MANIFEST = "manifest.json"

SHARD_GLOB = "data-*.tfrecord"
_SHARD_RE = re.compile(r"data-\d{5}-of-\d{5}\.tfrecord")

# The two encoded images of a pair, as the original files' bytes.
IMAGE_KEYS = ("blur", "sharp")
# The sharp image's shape as stored.
SHAPE_KEYS = ("height", "width", "channels")

# Every feature of a record (one value each): name -> "bytes" or "int64".
FEATURES: dict[str, str] = {
    "blur": "bytes",
    "sharp": "bytes",
    "name": "bytes",
    "source": "bytes",
    "height": "int64",
    "width": "int64",
    "channels": "int64",
}


def shard_name(index: int, shards: int) -> str:
    """`data-00000-of-00008.tfrecord`."""
    return f"data-{index:05d}-of-{shards:05d}.tfrecord"


def is_dataset_entry(name: str) -> bool:
    """Whether a folder entry is one `write_tfrecords` writes (a shard or the manifest)."""
    return name == MANIFEST or _SHARD_RE.fullmatch(name) is not None


def manifest_problems(manifest) -> list[str]:
    """Why a parsed `manifest.json` cannot describe a data set (empty: it can).

    The one check of the manifest's header that the training pipeline (which
    raises on the first problem) and the validator (which reports them all)
    share.

    Example:
    >>> manifest_problems({"format": FORMAT, "count": 2, "shards": [{}]})
    []
    >>> manifest_problems({"format": "other"})
    ["unknown format 'other', expected 'keras_mimo.tfrecord.v1'", 'empty data set: no count or shards']
    """
    if not isinstance(manifest, dict):
        return ["not a JSON object"]
    problems = []
    if manifest.get("format") != FORMAT:
        found = manifest.get("format")
        problems.append(f"unknown format {found!r}, expected {FORMAT!r}")
    if not manifest.get("shards") or not manifest.get("count"):
        problems.append("empty data set: no count or shards")
    return problems
