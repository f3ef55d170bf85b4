"""`JpegInputSource`: a source whose blurry inputs went through JPEG.

Users' blurry photos are mostly JPEGs: 8x8 block edges, ringing and
subsampled colour sit on top of the blur. A model trained only on clean
(PNG) blur takes those artifacts for image detail and sharpens them. This
wrapper re-encodes each blurry input as a JPEG of random quality (uniform in
a range, drawn per pair from the seed) and decodes it back; the sharp target
stays as it is, so the model learns to remove the artifacts with the blur.
On the command line it is the `jpeg=LOW-HIGH` option of every `--data` kind
(`keras_mimo.data.specs`), e.g. `synth_gopro:frames?jpeg=60-95@0.3`.

Example:
>>> from keras_mimo.data import parse_source_spec
>>> source, _ = parse_source_spec("folders:val/blur,val/sharp?jpeg=70-90")
>>> source
JpegInputSource(FilePairSource(3 pairs, tag='folders'), quality=(70, 90))
"""

import tensorflow as tf

from keras_mimo.data.seeds import derive_seed, element_seed, resolve_seed
from keras_mimo.data.sources import AUTOTUNE, Source


def jpeg_round_trip(image: tf.Tensor, quality: int | tf.Tensor) -> tf.Tensor:
    """`image` (float32 `(H, W, 3)` in [0, 1]) encoded as a JPEG of `quality` and decoded.

    Example:
    >>> image = tf.random.stateless_uniform([16, 24, 3], seed=[0, 1])
    >>> jpeg_round_trip(image, 90).shape
    TensorShape([16, 24, 3])
    """
    return tf.image.adjust_jpeg_quality(image, tf.cast(quality, tf.int32))


class JpegInputSource(Source):
    """Another source's pairs with the blurry input JPEG-compressed.

    Args:
        source: the source of the clean pairs.
        quality: `(min, max)` JPEG quality (inclusive, 1 to 100) or one
            fixed quality; each pair draws its own, uniformly.
    """

    def __init__(self, source: Source, quality: int | tuple[int, int]):
        low, high = (quality, quality) if isinstance(quality, int) else quality
        if not 1 <= low <= high <= 100:
            raise ValueError(
                f"JPEG quality must be a range within 1-100, got {quality}."
            )
        self.source = source
        self.quality = (int(low), int(high))
        self.tag = source.tag

    def __len__(self) -> int:
        return len(self.source)

    def __repr__(self) -> str:
        return f"JpegInputSource({self.source!r}, quality={self.quality})"

    def named_dataset(self, *, seed=None, shuffle=False, repeat=False, crop_hint=None):
        seed = resolve_seed(seed)
        pairs = self.source.named_dataset(
            seed=seed, shuffle=shuffle, repeat=repeat, crop_hint=crop_hint
        )
        quality_seed = derive_seed(seed, "jpeg")
        low, high = self.quality

        def compress(pair, number):
            blur, sharp, name = pair
            quality = tf.random.stateless_uniform(
                [], element_seed(quality_seed, number), low, high + 1, tf.int32
            )
            blur = jpeg_round_trip(blur, quality)
            blur.set_shape([None, None, 3])
            return blur, sharp, name

        numbered = tf.data.Dataset.zip(pairs, tf.data.Dataset.counter())
        return numbered.map(compress, num_parallel_calls=AUTOTUNE, deterministic=True)
