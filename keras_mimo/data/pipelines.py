"""The `tf.data` pipelines of training and validation.

`training_dataset` mixes sources by weight, takes the same random crop and
the same random flip/rotation of blur and sharp, and yields endless
shuffled batches; `validation_dataset` yields whole images padded to a
multiple of 4; `with_model_targets` adapts either to MIMO-UNet's three
outputs. All map functions are TensorFlow ops only, so the pipelines work
whatever `KERAS_BACKEND` the model uses.

Example:
>>> import keras_mimo
>>> from keras_mimo.data import parse_source_spec
>>> source, weight = parse_source_spec("folders:val/blur,val/sharp")
>>> train = with_model_targets(
...     training_dataset([(source, weight)], crop=32, batch_size=2, seed=0)
... )
>>> model = keras_mimo.MIMOUNet(num_res=1, width=8)
>>> model.compile(optimizer="adam", loss=keras_mimo.MIMOLoss())
>>> history = model.fit(train, steps_per_epoch=2, verbose=0, shuffle=False)  # the dataset shuffles
>>> len(history.history["loss"])
1
"""

import math

import tensorflow as tf

from keras_mimo.data.augment import random_crop_pair, random_flip_rotate_pair
from keras_mimo.data.seeds import derive_seed, element_seed, resolve_seed
from keras_mimo.data.sources import AUTOTUNE, Source
from keras_mimo.images.padding import pad_to_multiple_tensor
from keras_mimo.models.mimo_unet.input_check import SIZE_MULTIPLE

SourceLike = Source | tuple[Source, float]


def _weighted(sources: SourceLike | list[SourceLike]) -> list[tuple[Source, float]]:
    if isinstance(sources, Source) or (
        isinstance(sources, tuple)
        and len(sources) == 2
        and isinstance(sources[0], Source)
    ):
        sources = [sources]
    weighted = [
        (s, 1.0) if isinstance(s, Source) else (s[0], float(s[1])) for s in sources
    ]
    if not weighted:
        raise ValueError("training_dataset needs at least one source.")
    for source, weight in weighted:
        if not isinstance(source, Source) or not weight > 0 or math.isinf(weight):
            raise ValueError(
                f"expected Source or (Source, positive weight), got {(source, weight)!r}."
            )
    return weighted


def training_dataset(
    sources: SourceLike | list[SourceLike],
    crop: int | tuple[int, int] = 256,
    batch_size: int = 4,
    seed: int | None = None,
    augment: bool = True,
    rotate: bool = True,
) -> tf.data.Dataset:
    """Endless shuffled batches of aligned random crops, `(blur, sharp)`.

    Each source streams full-size pairs in a fresh random order per epoch;
    pairs are mixed by weight (one source per pair drawn with the given
    probabilities), cropped and augmented identically for blur and sharp
    in a parallel map, batched and prefetched.

    All randomness (order, mixing, crops, flips, synthesis) is keyed by
    `seed` with stateless ops, so the same seed gives identical batches,
    independent of the TensorFlow/Keras global seed. The mixing is what
    `tf.data.Dataset.sample_from_datasets(weights, seed)` does, but with a
    stateless choice stream (`choose_from_datasets`) for that reason.

    Args:
        sources: a `Source`, a `(Source, weight)`, or a list of either (the
            output of `parse_source_spec` for each `--data`).
        crop: crop size, int or `(height, width)`; smaller images are
            mirror-padded up to it.
        batch_size: pairs per batch.
        seed: random seed; `None` draws one.
        augment: random horizontal flip and, with `rotate`, rotation by a
            multiple of 90 degrees: all 8 symmetries of a square crop. With
            `rotate=False` (or a non-square crop), horizontal flips only, as
            in the official MIMO-UNet recipe.
        rotate: see `augment`.

    Returns:
        Dataset of `(blur, sharp)`, float32 `(batch_size, H, W, 3)` in [0, 1].

    Example:
    >>> from keras_mimo.data import parse_source_spec
    >>> source, _ = parse_source_spec("val")  # a {blur,sharp} folder
    >>> ds = training_dataset([(source, 1.0)], crop=64, batch_size=4, seed=0)
    >>> blur, sharp = next(iter(ds))
    >>> blur.shape
    TensorShape([4, 64, 64, 3])
    """
    crop = (crop, crop) if isinstance(crop, int) else tuple(crop)
    rotate = rotate and crop[0] == crop[1]
    seed = resolve_seed(seed)
    weighted = _weighted(sources)

    streams = []
    for index, (source, _) in enumerate(weighted):
        pairs = source.dataset(
            seed=derive_seed(seed, index, "order"),
            shuffle=True,
            repeat=True,
            crop_hint=crop,
        )
        augment_seed = derive_seed(seed, index, "augment")

        def crop_and_augment(pair, number, augment_seed=augment_seed):
            crop_seed, flip_seed = tf.unstack(
                tf.random.experimental.stateless_split(
                    element_seed(augment_seed, number), 2
                )
            )
            blur, sharp = random_crop_pair(pair[0], pair[1], crop, crop_seed)
            if augment:
                blur, sharp = random_flip_rotate_pair(blur, sharp, flip_seed, rotate)
            blur.set_shape([*crop, 3])
            sharp.set_shape([*crop, 3])
            return blur, sharp

        numbered = tf.data.Dataset.zip(pairs, tf.data.Dataset.counter())
        streams.append(
            numbered.map(
                crop_and_augment, num_parallel_calls=AUTOTUNE, deterministic=True
            )
        )

    if len(streams) == 1:
        dataset = streams[0]
    else:
        logits = tf.math.log([[w / sum(w for _, w in weighted) for _, w in weighted]])
        mix_seed = derive_seed(seed, "mix")
        choices = tf.data.Dataset.counter().map(
            lambda i: tf.random.stateless_categorical(
                logits, 1, element_seed(mix_seed, i)
            )[0, 0]
        )
        dataset = tf.data.Dataset.choose_from_datasets(streams, choices)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(AUTOTUNE)


def validation_dataset(
    source: SourceLike,
    batch_size: int = 1,
    multiple: int = SIZE_MULTIPLE,
    max_examples: int | None = None,
    seed: int = 0,
) -> tf.data.Dataset:
    """Finite batches of whole `(blur, sharp)` images, padded to a multiple of 4.

    Both images are reflect-padded at the bottom/right to a multiple of
    `multiple` (MIMO-UNet needs H, W divisible by 4; 1280x720 needs none),
    so the padding enters the metrics the same way for every model. With
    `batch_size > 1` all images must share a size.

    Args:
        source: a `Source` or `(Source, weight)` (the weight is ignored).
        batch_size: images per batch.
        multiple: pad H and W to a multiple of this.
        max_examples: stop after this many pairs (default: one pass; a
            synthetic source makes `num_examples` pairs from `seed`).
        seed: seed of a synthetic source, fixed so validation is repeatable.

    Example:
    >>> from keras_mimo.data import parse_source_spec
    >>> val = validation_dataset(parse_source_spec("gopro:GOPRO_Large?split=test")[0])
    >>> [tuple(blur.shape) for blur, _ in val]  # 72x96, padded to 72x96
    [(1, 72, 96, 3), (1, 72, 96, 3), (1, 72, 96, 3)]
    """
    if isinstance(source, tuple):
        source = source[0]
    dataset = source.dataset(seed=seed, shuffle=False, repeat=False)
    count = len(source)
    if max_examples is not None:
        dataset = dataset.take(max_examples)
        count = min(count, max_examples)
    # The files are read in a map, so tf.data cannot count them; with the count
    # stated, Keras knows the number of batches and does not warn that the
    # validation data "ran out" at the end of each pass.
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(count))
    dataset = dataset.map(
        lambda blur, sharp: (
            pad_to_multiple_tensor(blur, multiple),
            pad_to_multiple_tensor(sharp, multiple),
        ),
        num_parallel_calls=AUTOTUNE,
    )
    return dataset.batch(batch_size).prefetch(AUTOTUNE)


def with_model_targets(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """Maps `(blur, sharp)` to `(blur, (sharp, sharp, sharp))` for `model.fit`.

    MIMO-UNet has three outputs (1/4, 1/2 and full scale); the project's
    loss downsamples a full-size target itself, so Keras only needs the
    target structure to match the outputs.

    Example:
    >>> from keras_mimo.data import parse_source_spec
    >>> source, _ = parse_source_spec("val")
    >>> train = with_model_targets(training_dataset(source, crop=32, seed=0))
    >>> blur, (quarter, half, full) = next(iter(train))
    """
    return dataset.map(lambda blur, sharp: (blur, (sharp, sharp, sharp)))
