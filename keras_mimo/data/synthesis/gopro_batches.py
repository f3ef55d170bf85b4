"""GoPro-style training batches made on the accelerator, with `keras.ops` only.

The `tf.data` pipeline (`gopro.GoProSynthesisSource`) needs TensorFlow; a
lent GPU machine has JAX and PyTorch but no TensorFlow, and its 16 cores
would not keep a GPU fed anyway. `GoProBatchSampler` holds the frames on the
device as uint8 and draws whole batches there: per crop a random window of
N consecutive frames (N in 7 to 13), a random position and one of the eight
flips/rotations; `blur` = the frames' mean in linear light truncated to 8
bits, `sharp` = the middle frame. It is the same synthesis as
`gopro.synthesize_gopro_pair` (tested against it), computed in float32
instead of float64, so a pixel may land 1/255 lower or higher where the
float64 mean sits on an 8-bit boundary.
"""

import os

import keras
import numpy as np

from keras_mimo.data.image_files import list_images
from keras_mimo.data.synthesis.gamma import GAMMA, TRUNCATION_EPSILON_FLOAT32
from keras_mimo.images.files import read_image


def load_frames(folder: str | os.PathLike) -> np.ndarray:
    """The 8-bit RGB frames in `folder`, natural name order: `(T, H, W, 3)` uint8."""
    frames = []
    for path in list_images(folder):
        pixels = read_image(path).pixels
        if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[-1] != 3:
            raise ValueError(
                f"{path}: need an 8-bit RGB frame, got {pixels.shape} {pixels.dtype}"
            )
        if frames and pixels.shape != frames[0].shape:
            raise ValueError(
                f"{path}: {pixels.shape} differs from the first frame's {frames[0].shape}"
            )
        frames.append(pixels)
    if not frames:
        raise ValueError(f"{folder}: no frames")
    return np.stack(frames)


class GoProBatchSampler:
    """Draws `(blur, sharp)` batches of GoPro-style crops from frames on the device.

    Args:
        frames: `(T, H, W, 3)` uint8 consecutive frames (`load_frames`).
        crop: crop size (square; at most the frames' height and width).
        window: `(min, max)` number of frames averaged into one blur.
        seed: seeds the draws (`keras.random.SeedGenerator`).

    Example:
    >>> frames = np.random.default_rng(0).integers(0, 256, (16, 40, 40, 3), np.uint8)
    >>> sampler = GoProBatchSampler(frames, crop=32, seed=0)
    >>> blur, sharp = sampler.sample(4)
    >>> tuple(blur.shape), keras.backend.standardize_dtype(sharp.dtype)
    ((4, 32, 32, 3), 'float32')
    """

    def __init__(
        self,
        frames: np.ndarray,
        crop: int,
        window: tuple[int, int] = (7, 13),
        seed: int | None = None,
    ):
        count, height, width, _ = frames.shape
        if not 1 <= window[0] <= window[1] <= count:
            raise ValueError(f"window {window} needs {window[1]} frames, have {count}")
        if not 0 < crop <= min(height, width):
            raise ValueError(f"crop {crop} does not fit {height}x{width} frames")
        self.crop, self.window = crop, window
        self.shape = (count, height, width)
        self.frames = keras.ops.convert_to_tensor(frames.reshape(-1, 3))
        codes = np.arange(256, dtype=np.float64) / 255.0
        self.linear = keras.ops.convert_to_tensor((codes**GAMMA).astype(np.float32))
        self.seed = keras.random.SeedGenerator(seed)

    def _randint(self, batch_size, low, high):
        """Per-crop integers in [low, high) (`high` may be a tensor)."""
        unit = keras.random.uniform((batch_size,), seed=self.seed)
        span = keras.ops.cast(high - low, "float32")
        return low + keras.ops.minimum(
            keras.ops.cast(unit * span, "int32"), keras.ops.cast(span, "int32") - 1
        )

    def _crops(self, frame, top, left):
        """uint8 crops `(B, K, crop, crop, 3)` of frames `frame` `(B, K)`."""
        ops = keras.ops
        _, height, width = self.shape
        steps = ops.arange(self.crop, dtype="int32")
        rows = (top[:, None] + steps)[:, None, :, None]
        cols = (left[:, None] + steps)[:, None, None, :]
        index = (frame[..., None, None] * height + rows) * width + cols
        pixels = ops.take(self.frames, ops.reshape(index, (-1,)), axis=0)
        return ops.reshape(pixels, (*index.shape, 3))

    def sample(self, batch_size: int):
        """One batch: `(blur, sharp)`, float32 `(batch_size, crop, crop, 3)` in [0, 1]."""
        count, height, width = self.shape
        length = self._randint(batch_size, self.window[0], self.window[1] + 1)
        start = self._randint(batch_size, 0, count - length + 1)
        top = self._randint(batch_size, 0, height - self.crop + 1)
        left = self._randint(batch_size, 0, width - self.crop + 1)
        blur, sharp = self.render(length, start, top, left)
        return self._flip_rotate(blur, sharp, batch_size)

    def render(self, length, start, top, left):
        """The pairs of given windows: crop `i` averages frames `start[i]` to
        `start[i] + length[i] - 1` at `(top[i], left[i])` (int32 `(B,)` each)."""
        ops = keras.ops
        length, start, top, left = (
            ops.convert_to_tensor(v, "int32") for v in (length, start, top, left)
        )
        slot = ops.arange(self.window[1], dtype="int32")[None]
        frame = start[:, None] + ops.minimum(slot, length[:, None] - 1)
        linear = ops.take(self.linear, ops.cast(self._crops(frame, top, left), "int32"))
        used = ops.cast(slot < length[:, None], "float32")[..., None, None, None]
        count = ops.cast(length, "float32")[:, None, None, None]
        mean = ops.sum(linear * used, axis=1) / count
        blur = ops.clip(mean, 0.0, 1.0) ** (1.0 / GAMMA)
        blur = ops.floor(blur * 255.0 + TRUNCATION_EPSILON_FLOAT32) / 255.0
        middle = (start + length // 2)[:, None]
        sharp = ops.cast(self._crops(middle, top, left)[:, 0], "float32") / 255.0
        return blur, sharp

    def _flip_rotate(self, blur, sharp, batch_size):
        """The same one of the eight flips/rotations on each crop's pair."""
        ops = keras.ops
        for transform in (
            lambda x: ops.flip(x, axis=1),
            lambda x: ops.flip(x, axis=2),
            lambda x: ops.transpose(x, (0, 2, 1, 3)),
        ):
            chosen = keras.random.uniform((batch_size, 1, 1, 1), seed=self.seed) < 0.5
            blur = ops.where(chosen, transform(blur), blur)
            sharp = ops.where(chosen, transform(sharp), sharp)
        return blur, sharp
