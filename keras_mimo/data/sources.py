"""`Source`: anything that streams full-size `(blur, sharp)` training pairs.

A source produces a `tf.data.Dataset` of float32 `(H, W, 3)` image pairs in
[0, 1] (`Source.dataset`) and, for the TFRecord writer, encoded examples
(`Source.encoded_examples`). Sources:

- `FilePairSource`: pairs of image files from a reader (`gopro_pairs`, ...).
- `GoProSynthesisSource`: GoPro-style pairs averaged from sharp video frames.
- `CameraShakeSource`: sharp photos blurred with random camera-shake kernels.
- `CameraMotionSource`: sharp photos filmed along a random camera path.
- `TFRecordSource`: shards written by `write_tfrecords`.

Synthetic sources draw pairs at random forever when asked to `repeat`; one
pass (`repeat=False`) is `num_examples` pairs drawn with the given seed.

Example:
>>> from keras_mimo.data import FilePairSource, folder_pairs
>>> source = FilePairSource(folder_pairs("val/blur", "val/sharp"))
>>> blur, sharp = next(iter(source.dataset()))
>>> blur.shape, sharp.dtype
(TensorShape([72, 96, 3]), tf.float32)
"""

import dataclasses
import pathlib
from collections.abc import Iterator

import tensorflow as tf

from keras_mimo.data.decoding import encode_png, read_image_tensor
from keras_mimo.data.pairs import check_pair
from keras_mimo.data.seeds import index_stream, resolve_seed
from keras_mimo.images.pairs import ImagePair

AUTOTUNE = tf.data.AUTOTUNE


@dataclasses.dataclass(frozen=True)
class EncodedExample:
    """One pair as stored in a TFRecord: encoded image bytes plus metadata."""

    name: str
    blur: bytes
    sharp: bytes
    source: str
    height: int
    width: int
    channels: int


class Source:
    """Base class of the pair sources.

    Subclasses implement `named_dataset`; `tag` names the kind of source in
    TFRecord manifests (`"gopro"`, `"folders"`, `"synth_gopro"`, ...).
    """

    tag = "source"

    def __len__(self) -> int:
        """Number of pairs in one pass (`repeat=False`)."""
        raise NotImplementedError

    def named_dataset(
        self,
        *,
        seed: int | None = None,
        shuffle: bool = False,
        repeat: bool = False,
        crop_hint: tuple[int, int] | None = None,
    ) -> tf.data.Dataset:
        """Dataset of `(blur, sharp, name)`: float32 `(H, W, 3)` images, string name.

        Args:
            seed: seed of the shuffling and of the random synthesis.
            shuffle: visit the pairs in a random order (new each epoch).
            repeat: repeat forever.
            crop_hint: the caller will take random crops of this size, so a
                synthetic source may synthesize just a random window of at
                least this size (much cheaper, statistically the same).
        """
        raise NotImplementedError

    def dataset(
        self,
        *,
        seed: int | None = None,
        shuffle: bool = False,
        repeat: bool = False,
        crop_hint: tuple[int, int] | None = None,
    ) -> tf.data.Dataset:
        """Dataset of `(blur, sharp)` float32 `(H, W, 3)` pairs; see `named_dataset`."""
        named = self.named_dataset(
            seed=seed, shuffle=shuffle, repeat=repeat, crop_hint=crop_hint
        )
        return named.map(lambda blur, sharp, name: (blur, sharp))

    def encoded_examples(
        self, count: int | None = None, seed: int = 0, png_bits: int = 8
    ) -> Iterator[EncodedExample]:
        """Pairs encoded for a TFRecord; synthetic images as `png_bits`-bit PNG.

        Yields one pass (or `count` pairs, repeating if needed) in order.
        """
        dataset = self.named_dataset(seed=seed, repeat=count is not None)
        if count is not None:
            dataset = dataset.take(count)
        dataset = dataset.map(
            lambda b, s, n: (
                encode_png(b, png_bits),
                encode_png(s, png_bits),
                n,
                tf.shape(s),
            ),
            num_parallel_calls=AUTOTUNE,
        )
        for blur, sharp, name, shape in dataset.as_numpy_iterator():
            yield EncodedExample(
                name.decode(), blur, sharp, self.tag, int(shape[0]), int(shape[1]), 3
            )


class FilePairSource(Source):
    """Pairs of image files, e.g. from `gopro_pairs` or `folder_pairs`.

    Args:
        pairs: the `ImagePair`s (checked by the reader that made them).
        tag: the kind of data, recorded in TFRecord manifests.

    Example:
    >>> from keras_mimo.data import gopro_pairs
    >>> FilePairSource(gopro_pairs("GOPRO_Large"), tag="gopro")
    FilePairSource(3 pairs, tag='gopro')
    """

    def __init__(self, pairs: list[ImagePair], tag: str = "folders"):
        if not pairs:
            raise ValueError("FilePairSource needs at least one pair.")
        self.pairs = list(pairs)
        self.tag = tag

    def __len__(self) -> int:
        return len(self.pairs)

    def __repr__(self) -> str:
        return f"FilePairSource({len(self)} pairs, tag={self.tag!r})"

    def named_dataset(self, *, seed=None, shuffle=False, repeat=False, crop_hint=None):
        table = tf.constant([[p.blur, p.sharp, p.name] for p in self.pairs])
        order = index_stream(len(self.pairs), resolve_seed(seed), shuffle, repeat)

        def load(index):
            blur, sharp, name = tf.unstack(tf.gather(table, index))
            return read_image_tensor(blur), read_image_tensor(sharp), name

        return order.map(load, num_parallel_calls=AUTOTUNE, deterministic=True)

    def encoded_examples(self, count=None, seed=0, png_bits=8):
        """The original encoded files, as on disk (`count` limits, no repeat)."""
        for pair in self.pairs[:count]:
            info = check_pair(pair)
            yield EncodedExample(
                pair.name,
                pathlib.Path(pair.blur).read_bytes(),
                pathlib.Path(pair.sharp).read_bytes(),
                self.tag,
                info.height,
                info.width,
                info.channels,
            )
