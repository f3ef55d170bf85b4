"""A small collection of real photos (crops), with sharp partners and a corrupt file."""

import pathlib

import numpy as np
import pytest

from tests.conftest import DATA

GOPRO = DATA / "gopro_val"
CROP = (slice(300, 372), slice(600, 698))  # 72 x 98: width not divisible by 4


def make_collection(root: pathlib.Path, count: int = 3) -> pathlib.Path:
    """`root/blur/` with `count` real blurry crops (PNG and JPEG), a truncated
    PNG and a text file; `root/sharp/` with the sharp crops of the PNGs."""
    from PIL import Image

    (root / "blur").mkdir(parents=True)
    (root / "sharp").mkdir()
    for i, path in enumerate(sorted((GOPRO / "blur").glob("*.png"))[:count]):
        blur = np.asarray(Image.open(path).convert("RGB"))[CROP]
        sharp = np.asarray(Image.open(GOPRO / "sharp" / path.name).convert("RGB"))[CROP]
        if i == 0:
            Image.fromarray(blur).save(root / "blur" / f"photo_{i}.jpg", quality=95)
        else:
            Image.fromarray(blur).save(root / "blur" / f"photo_{i}.png")
            Image.fromarray(sharp).save(root / "sharp" / f"photo_{i}.png")
    good = (root / "blur" / "photo_1.png").read_bytes()
    (root / "blur" / "broken.png").write_bytes(good[: len(good) // 2])
    (root / "blur" / "notes.txt").write_text("not a photo")
    return root / "blur"


def visible_tiny_model():
    """A tiny MIMO-UNet whose output differs visibly from its input.

    Freshly initialised, the network changes an image by < 1/255, so 8-bit
    results would equal the inputs; noise on the weights changes that.
    """
    import keras

    from tests.test_case import tiny_model

    keras.utils.set_random_seed(0)
    model = tiny_model()
    model(np.zeros((1, 8, 8, 3), "float32"))
    rng = np.random.default_rng(0)
    model.set_weights(
        [w + rng.normal(0, 0.05, w.shape).astype(w.dtype) for w in model.get_weights()]
    )
    return model


@pytest.fixture
def tiny_keras_file(tmp_path) -> pathlib.Path:
    model = visible_tiny_model()
    path = tmp_path / "tiny.keras"
    model.save(path)
    return path
