"""Sharded TFRecords of training pairs, and the source that reads them back.

Layout of `out_dir` (format `keras_mimo.tfrecord.v1`, read by the project's
TFDV validator too, so it is fixed; its names live in `tfrecord_format`):

- `data-00000-of-0000N.tfrecord` ... : `tf.train.Example`s with features
  `blur`, `sharp` (bytes: the original encoded files as on disk; synthetic
  images as 8-bit, or optionally 16-bit, PNG), `name` (bytes, utf-8),
  `source` (bytes, e.g. `"gopro"`, `"synth_gopro"`), `height`, `width`,
  `channels` (int64, of the sharp image as stored).
- `manifest.json`: `{"format", "count", "shards": [{"file", "count",
  "bytes", "sha256"}], "sources": {source: count}, "sizes": {"HxW": count},
  "created"}`.

Pairs are dealt to the shards round-robin, so every shard is a fair sample.
The folder is written to a temporary folder beside it and renamed into place,
so readers never see a half-written data set.

Example:
>>> from keras_mimo.data import gopro_pairs, write_tfrecords, TFRecordSource
>>> manifest = write_tfrecords(gopro_pairs("GOPRO_Large"), "gopro_tfr", shards=2)
>>> len(TFRecordSource("gopro_tfr"))
3
"""

import collections
import datetime
import json
import os
import pathlib

import tensorflow as tf

from keras_mimo.data import tfrecord_format
from keras_mimo.data.decoding import decode_image
from keras_mimo.data.errors import DataError
from keras_mimo.data.seeds import block_shuffle, index_stream, resolve_seed
from keras_mimo.data.sources import AUTOTUNE, EncodedExample, FilePairSource, Source
from keras_mimo.data.tfrecord_format import (
    FORMAT,
    MANIFEST,
    manifest_problems,
    shard_name,
)
from keras_mimo.images.pairs import ImagePair
from keras_mimo.utils.errors import ForeignFilesError
from keras_mimo.utils.files import atomic_directory, check_replaceable, sha256_file

# Parsing spec of a record (the features are defined in `tfrecord_format`).
FEATURES = {
    key: tf.io.FixedLenFeature([], {"bytes": tf.string, "int64": tf.int64}[kind])
    for key, kind in tfrecord_format.FEATURES.items()
}
_is_tfrecord_entry = tfrecord_format.is_dataset_entry


def serialize_example(example: EncodedExample) -> bytes:
    """One pair as a serialized `tf.train.Example` (the v1 record format)."""

    def data(value: bytes):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))

    def integer(value: int):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=[value]))

    features = {
        "blur": data(example.blur),
        "sharp": data(example.sharp),
        "name": data(example.name.encode()),
        "source": data(example.source.encode()),
        "height": integer(example.height),
        "width": integer(example.width),
        "channels": integer(example.channels),
    }
    return tf.train.Example(
        features=tf.train.Features(feature=features)
    ).SerializeToString()


def write_tfrecords(
    source_or_pairs: Source | list[ImagePair],
    out_dir: str | os.PathLike,
    shards: int = 1,
    count: int | None = None,
    seed: int = 0,
    png_bits: int = 8,
    overwrite: bool = False,
) -> dict:
    """Writes a source's pairs as sharded TFRecords plus `manifest.json`.

    Args:
        source_or_pairs: a `Source`, or `ImagePair`s (tagged `"folders"`).
        out_dir: output folder, created (or replaced with `overwrite`).
        shards: number of shard files.
        count: number of pairs; default one pass of the source (all file
            pairs, or `num_examples` synthetic pairs).
        seed: seed of synthetic sources.
        png_bits: bit depth of synthesized images (8 or 16); file pairs keep
            their original bytes.
        overwrite: replace an existing non-empty `out_dir` (only if it holds
            nothing but shards and a manifest; else `DataError`, nothing deleted).

    Returns:
        The manifest dict.

    Example:
    >>> from keras_mimo.data import CameraShakeSource
    >>> manifest = write_tfrecords(CameraShakeSource("data/sharp"), "shake_tfr",
    ...                            shards=2, count=4)
    >>> manifest["count"]
    4
    """
    if shards < 1:
        raise ValueError(f"shards must be positive, got {shards}.")
    source = source_or_pairs
    if not isinstance(source, Source):
        source = FilePairSource(list(source_or_pairs), tag="folders")
    out_dir = pathlib.Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise DataError(
            f"{out_dir}: output folder exists and is not empty (use overwrite=True).",
            out_dir,
        )
    try:
        check_replaceable(out_dir, _is_tfrecord_entry, "a TFRecord folder")
    except ForeignFilesError as error:
        raise DataError(str(error), out_dir) from None
    names = [shard_name(i, shards) for i in range(shards)]
    counts = [0] * shards
    sources, sizes = collections.Counter(), collections.Counter()
    with atomic_directory(out_dir, _is_tfrecord_entry, "a TFRecord folder") as tmp:
        writers = [tf.io.TFRecordWriter(str(tmp / name)) for name in names]
        try:
            for index, example in enumerate(
                source.encoded_examples(count, seed, png_bits)
            ):
                writers[index % shards].write(serialize_example(example))
                counts[index % shards] += 1
                sources[example.source] += 1
                sizes[f"{example.height}x{example.width}"] += 1
        finally:
            for writer in writers:
                writer.close()
        manifest = {
            "format": FORMAT,
            "count": sum(counts),
            "shards": [
                {
                    "file": name,
                    "count": n,
                    "bytes": (tmp / name).stat().st_size,
                    "sha256": sha256_file(tmp / name),
                }
                for name, n in zip(names, counts, strict=True)
            ],
            "sources": dict(sources),
            "sizes": dict(sizes),
            "created": datetime.datetime.now(datetime.UTC).isoformat(
                timespec="seconds"
            ),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_tfrecord_manifest(
    directory: str | os.PathLike, verify_sha256: bool = False
) -> dict:
    """Loads and checks `manifest.json`: format, shard files present and complete.

    Raises:
        DataError: missing/unknown manifest, missing shard, size or (with
            `verify_sha256`) checksum mismatch.
    """
    directory = pathlib.Path(directory)
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(
            f"{path}: no TFRecord manifest (write it with write_tfrecords).", path
        ) from None
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: unreadable manifest ({error}).", path) from None
    problems = manifest_problems(manifest)
    if problems:
        raise DataError(f"{path}: {problems[0]}.", path)
    for shard in manifest["shards"]:
        file = directory / shard["file"]
        if not file.is_file():
            raise DataError(f"{file}: shard listed in {path} is missing.", file)
        if file.stat().st_size != shard["bytes"]:
            raise DataError(
                f"{file}: shard has {file.stat().st_size} bytes, manifest says {shard['bytes']} "
                "(truncated or rewritten).",
                file,
            )
        if verify_sha256 and sha256_file(file) != shard["sha256"]:
            raise DataError(
                f"{file}: sha256 does not match the manifest (corrupt shard).", file
            )
    return manifest


def parse_example(record: tf.Tensor) -> dict:
    """A serialized v1 record to its feature dict (images still encoded)."""
    return tf.io.parse_single_example(record, FEATURES)


class TFRecordSource(Source):
    """Pairs from a folder written by `write_tfrecords`.

    The manifest is checked on construction (shards present, byte sizes;
    sha256 too with `verify_sha256`). Shards are read interleaved, records
    shuffled in blocks of `shuffle_block` when shuffling, and decoded in a
    parallel map.

    Example:
    >>> from keras_mimo.data import folder_pairs
    >>> pairs = folder_pairs("val/blur", "val/sharp")
    >>> manifest = write_tfrecords(pairs, "val_tfr", shards=1)
    >>> len(TFRecordSource("val_tfr", verify_sha256=True))
    3
    """

    tag = "tfrecord"

    def __init__(
        self,
        directory: str | os.PathLike,
        verify_sha256: bool = False,
        shuffle_block: int = 64,
    ):
        self.directory = pathlib.Path(directory)
        self.manifest = read_tfrecord_manifest(self.directory, verify_sha256)
        self.files = [
            str(self.directory / shard["file"]) for shard in self.manifest["shards"]
        ]
        self.shuffle_block = int(shuffle_block)

    def __len__(self) -> int:
        return int(self.manifest["count"])

    def __repr__(self) -> str:
        return f"TFRecordSource({str(self.directory)!r}, {len(self)} pairs)"

    def records(self, *, seed=None, shuffle=False, repeat=False) -> tf.data.Dataset:
        """Serialized records, shard order and blocks shuffled statelessly."""
        seed = resolve_seed(seed)
        files = tf.constant(self.files)
        order = index_stream(len(self.files), seed, shuffle, repeat)
        records = order.interleave(
            lambda i: tf.data.TFRecordDataset(tf.gather(files, i)),
            cycle_length=min(len(self.files), 4),
            num_parallel_calls=AUTOTUNE,
            deterministic=True,
        )
        if shuffle:
            records = block_shuffle(records, self.shuffle_block, seed)
        return records

    def named_dataset(self, *, seed=None, shuffle=False, repeat=False, crop_hint=None):
        def decode(record):
            features = parse_example(record)
            return (
                decode_image(features["blur"]),
                decode_image(features["sharp"]),
                features["name"],
            )

        records = self.records(seed=seed, shuffle=shuffle, repeat=repeat)
        return records.map(decode, num_parallel_calls=AUTOTUNE, deterministic=True)

    def encoded_examples(self, count=None, seed=0, png_bits=8):
        """The stored records as they are (original bytes and source tags)."""
        for record in (
            self.records().take(-1 if count is None else count).as_numpy_iterator()
        ):
            f = tf.io.parse_single_example(record, FEATURES)
            yield EncodedExample(
                f["name"].numpy().decode(),
                f["blur"].numpy(),
                f["sharp"].numpy(),
                f["source"].numpy().decode(),
                int(f["height"]),
                int(f["width"]),
                int(f["channels"]),
            )
