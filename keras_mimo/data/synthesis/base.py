"""`SyntheticSource`: random pairs drawn in Python, rendered with TF ops.

The cheap random decisions (which frames or photo, which kernel, where to
crop, how much noise) are drawn in a Python generator from a seeded NumPy
generator, so a seed fixes the stream. The expensive work (decoding,
averaging, convolving) runs in a parallel `tf.data` map with TensorFlow ops
only, so it does not hold the Python GIL and works with any Keras backend.
"""

import numpy as np
import tensorflow as tf

from keras_mimo.data.image_files import image_info, list_images
from keras_mimo.data.seeds import resolve_seed
from keras_mimo.data.sources import AUTOTUNE, Source


class SyntheticSource(Source):
    """Base of the synthetic sources.

    Subclasses define `output_signature` (the drawn parameters), `draw`
    (NumPy: the parameters of one pair) and `render` (TF: parameters to
    `(blur, sharp, name)`).

    Args:
        num_examples: pairs in one pass (`repeat=False`), e.g. for validation
            or for writing TFRecords; training repeats forever.
    """

    output_signature: dict = {}

    def __init__(self, num_examples: int = 64):
        if num_examples < 1:
            raise ValueError(f"num_examples must be positive, got {num_examples}.")
        self.num_examples = int(num_examples)

    def __len__(self) -> int:
        return self.num_examples

    def draw(self, rng: np.random.Generator, crop_hint: tuple[int, int] | None) -> dict:
        raise NotImplementedError

    def render(self, params: dict) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        raise NotImplementedError

    def named_dataset(self, *, seed=None, shuffle=False, repeat=False, crop_hint=None):
        seed = resolve_seed(seed)
        count = None if repeat else self.num_examples

        def generate():
            rng = np.random.default_rng(seed)
            drawn = 0
            while count is None or drawn < count:
                yield self.draw(rng, crop_hint)
                drawn += 1

        params = tf.data.Dataset.from_generator(
            generate, output_signature=self.output_signature
        )
        return params.map(self.render, num_parallel_calls=AUTOTUNE, deterministic=True)


def list_photos(sharp_dir) -> list[tuple[str, int, int]]:
    """`(path, height, width)` of every PNG/JPEG photo in `sharp_dir` (recursively)."""
    return [
        (str(info.path), info.height, info.width)
        for info in map(image_info, list_images(sharp_dir, recursive=True))
    ]


def crop_window(
    rng: np.random.Generator, height: int, width: int, crop_hint: tuple[int, int] | None
) -> tuple[int, int, int, int]:
    """A random `(top, left, height, width)` window of at least `crop_hint` (whole image if None)."""
    if crop_hint is None:
        return 0, 0, height, width
    crop_h, crop_w = crop_hint
    top = int(rng.integers(0, max(height - crop_h, 0) + 1))
    left = int(rng.integers(0, max(width - crop_w, 0) + 1))
    return top, left, min(crop_h, height), min(crop_w, width)
