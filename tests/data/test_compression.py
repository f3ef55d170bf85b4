"""`JpegInputSource`: JPEG-compressed blurry inputs, clean sharp targets."""

import numpy as np
import pytest

from keras_mimo.data import FilePairSource, JpegInputSource, folder_pairs
from keras_mimo.images.quality import psnr


def pairs_of(source, count=None, **kwargs):
    dataset = source.named_dataset(**kwargs)
    if count is not None:
        dataset = dataset.take(count)
    return [(b, s, n.decode()) for b, s, n in dataset.as_numpy_iterator()]


@pytest.fixture
def clean(small_pairs):
    return FilePairSource(folder_pairs(small_pairs / "blur", small_pairs / "sharp"))


def test_only_the_blurry_input_is_compressed(clean):
    compressed = pairs_of(JpegInputSource(clean, 15))
    for (blur, sharp, name), (jpeg, same_sharp, same_name) in zip(
        pairs_of(clean), compressed, strict=True
    ):
        assert same_name == name and np.array_equal(same_sharp, sharp)
        assert 30 < psnr(blur, jpeg) < 42  # measured 35.7-36.3 dB at quality 15


def test_lower_quality_loses_more(clean):
    def mean_psnr(quality):
        return np.mean(
            [
                psnr(blur, jpeg)
                for (blur, _, _), (jpeg, _, _) in zip(
                    pairs_of(clean),
                    pairs_of(JpegInputSource(clean, quality)),
                    strict=True,
                )
            ]
        )

    assert mean_psnr(15) + 3 < mean_psnr(95)


def test_qualities_are_drawn_per_pair_from_the_seed(clean):
    source = JpegInputSource(clean, (10, 95))
    first = pairs_of(source, 12, seed=3, repeat=True)
    again = pairs_of(source, 12, seed=3, repeat=True)
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a[0], b[0])
    # The same pair comes back with other qualities in later epochs.
    by_name = {}
    for blur, _, name in first:
        by_name.setdefault(name, []).append(blur)
    assert any(
        not np.array_equal(versions[0], v)
        for versions in by_name.values()
        for v in versions[1:]
    )


def test_bad_quality_is_refused(clean):
    with pytest.raises(ValueError, match="within 1-100"):
        JpegInputSource(clean, (50, 120))
