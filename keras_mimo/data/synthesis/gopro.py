"""GoPro-style blur: the average of consecutive high-frame-rate sharp frames.

The GoPro data set (Nah et al., CVPR 2017) was made from 240 fps video:
`blur` = the average of N consecutive frames S+1 ... S+N in linear light
(frames decoded, `x ** 2.2`, averaged, `** (1 / 2.2)`, truncated to 8 bits),
`sharp` = the middle frame S+1+N//2. `GoProSynthesisSource` makes new pairs
the same way from any folder of consecutive frames, with a random N in 7 to
13 (or a fixed N), and `average_frames` rebuilds the real pairs bit-exactly.
A frame stride above 1 (every 2nd frame, ...) makes the same frames into the
blur of a camera moving that many times faster.
"""

import functools
import os
import pathlib

import numpy as np
import tensorflow as tf

from keras_mimo.data.decoding import decode_image_uint16, read_encoded
from keras_mimo.data.errors import DataError
from keras_mimo.data.image_files import image_info, list_images, natural_key
from keras_mimo.data.seeds import block_shuffle, derive_seed, resolve_seed
from keras_mimo.data.synthesis.base import SyntheticSource, crop_window
from keras_mimo.data.synthesis.gamma import GAMMA, TRUNCATION_EPSILON


def _read_crops(path: tf.Tensor, windows: tf.Tensor) -> tf.Tensor:
    """Crops `windows` (`(K, 4)`: top, left, height, width; one size) of a
    frame, as int32 16-bit codes `(K, height, width, 3)`."""
    frame = tf.cast(decode_image_uint16(read_encoded(path)), tf.int32)
    return tf.map_fn(
        lambda w: frame[w[0] : w[0] + w[2], w[1] : w[1] + w[3]],
        windows,
        fn_output_signature=tf.TensorSpec([None, None, 3], tf.int32),
    )


@functools.lru_cache(maxsize=4)
def _linear_table(gamma: float) -> tf.Tensor:
    """`(code / 65535) ** gamma` for every 16-bit code: a lookup is ~10x faster
    than a float64 power and exactly as accurate. Made eagerly once, so traced
    pipeline functions capture it instead of embedding 512 KB each."""
    with tf.init_scope():
        return tf.constant((np.arange(65536, dtype=np.float64) / 65535.0) ** gamma)


def average_frames(
    frames: tf.Tensor, gamma: float = GAMMA, quantize: bool = True
) -> tf.Tensor:
    """GoPro blur from frames `(N, H, W, C)`: mean in linear light, float32 [0, 1].

    Args:
        frames: uint8 or uint16 frames, or floats in [0, 1].
        gamma: the camera gamma undone before averaging (2.2 for GoPro).
        quantize: truncate the result to 8 bits like the GoPro data set
            (with this the real pairs are rebuilt bit-exactly); `False`
            keeps the full float result.

    Example:
    >>> frames = tf.fill([8, 4, 4, 3], tf.constant(100, tf.uint8))
    >>> round(float(average_frames(frames)[0, 0, 0]) * 255, 3)
    100.0
    """
    frames = tf.convert_to_tensor(frames)
    if frames.dtype.is_integer:
        frames = tf.cast(frames, tf.float64) / float(frames.dtype.max)
    linear = tf.reduce_mean(tf.cast(frames, tf.float64) ** gamma, axis=0)
    return encode_linear(linear, gamma, quantize)


def encode_linear(
    linear: tf.Tensor, gamma: float = GAMMA, quantize: bool = True
) -> tf.Tensor:
    """Linear light back to camera codes: clip to [0, 1], `** (1 / gamma)`,
    truncate to 8 bits (GoPro's rounding) when `quantize`; float32."""
    image = tf.clip_by_value(linear, 0.0, 1.0) ** (1.0 / gamma)
    if quantize:
        image = tf.floor(image * 255.0 + TRUNCATION_EPSILON) / 255.0
    return tf.cast(image, tf.float32)


def synthesize_gopro_pair(
    frame_paths: tf.Tensor | list[str],
    window: tf.Tensor | None = None,
    gamma: float = GAMMA,
    quantize: bool = True,
) -> tuple[tf.Tensor, tf.Tensor]:
    """One GoPro-style pair from the files of N consecutive frames.

    `blur` = `average_frames` of all N frames, `sharp` = frame N // 2 (the
    middle one, e.g. the 5th of 8). Frames are read one at a time and summed,
    so memory stays at one frame whatever N is.

    Args:
        frame_paths: the N frame files in time order.
        window: optional `(top, left, height, width)` to synthesize only
            that window (averaging is per pixel, so this equals cropping),
            or `(K, 4)` windows of one size: each frame is decoded once and
            `(K, height, width, 3)` blur and sharp stacks come back.
        gamma, quantize: see `average_frames`.

    Returns:
        `(blur, sharp)` float32 `(H, W, 3)` in [0, 1].

    Example:
    >>> frames = [f"GOPR0477_11_00/{i:06d}.png" for i in range(166, 174)]
    >>> blur, sharp = synthesize_gopro_pair(frames)  # doctest: +SKIP
    """
    frame_paths = tf.convert_to_tensor(frame_paths, tf.string)
    if window is None:
        shape = tf.shape(decode_image_uint16(tf.io.read_file(frame_paths[0])))
        window = tf.stack([0, 0, shape[0], shape[1]])
    window = tf.cast(window, tf.int32)
    single = window.shape.rank == 1
    windows = window[None] if single else window
    table = _linear_table(float(gamma))
    middle = tf.size(frame_paths) // 2

    def add_frame(state, index):
        total, sharp = state
        codes = _read_crops(frame_paths[index], windows)
        sharp = tf.cond(tf.equal(index, middle), lambda: codes, lambda: sharp)
        return total + tf.gather(table, codes), sharp

    shape = tf.concat([tf.shape(windows)[:1], windows[0, 2:], [3]], 0)
    linear, sharp = tf.foldl(
        add_frame,
        tf.range(tf.size(frame_paths)),
        initializer=(tf.zeros(shape, tf.float64), tf.zeros(shape, tf.int32)),
    )
    blur = encode_linear(
        linear / tf.cast(tf.size(frame_paths), tf.float64), gamma, quantize
    )
    sharp = tf.cast(sharp, tf.float32) / 65535.0
    blur.set_shape([None, None, None, 3])
    sharp.set_shape([None, None, None, 3])
    return (blur[0], sharp[0]) if single else (blur, sharp)


def frame_sequences(frames_dir: str | os.PathLike) -> list[list[pathlib.Path]]:
    """Sequences of consecutive frames: `frames_dir` itself or each sub-folder.

    Frames are ordered by natural sort of their names (000001.png, ...).
    """
    frames_dir = pathlib.Path(frames_dir)
    if not frames_dir.is_dir():
        raise DataError(f"{frames_dir}: frames folder not found.", frames_dir)
    folders = [frames_dir] + sorted(
        (p for p in frames_dir.iterdir() if p.is_dir()),
        key=lambda p: natural_key(p.name),
    )
    sequences = []
    for folder in folders:
        try:
            sequences.append(list_images(folder))
        except DataError:
            continue
    if not sequences:
        raise DataError(
            f"{frames_dir}: empty folder, no PNG/JPEG frames in it or its sub-folders.",
            frames_dir,
        )
    return sequences


def positive_range(value: int | tuple[int, int], name: str) -> tuple[int, int]:
    """`(min, max)` from an int or a pair, both at least 1 (a `ValueError` if not)."""
    low, high = (value, value) if isinstance(value, int) else value
    if not 1 <= low <= high:
        raise ValueError(f"{name} must be a positive int or (min, max), got {value}.")
    return int(low), int(high)


class GoProSynthesisSource(SyntheticSource):
    """GoPro-style pairs averaged from folders of consecutive sharp frames.

    Each pair draws a window length N (uniform in `window`), a frame stride
    (uniform in `stride`), a start among all windows that fit in a sequence,
    and, when the pipeline crops, a crop position (averaging is per pixel, so
    averaging only the crop is exact). The blur averages frames S, S + stride,
    ..., S + (N - 1) * stride and the sharp image is the middle one of those.

    Args:
        frames_dir: a folder of consecutive frames, or a folder of such
            folders (one per video sequence).
        window: `(min, max)` frames per blur (inclusive), or a fixed int.
        stride: `(min, max)` frame stride (inclusive), or a fixed int. 1
            is the GoPro data set's own rule (consecutive frames); 2 takes
            every second frame, the motion of a camera twice as fast, for
            footage slower than the scenes the model must deblur.
        gamma: camera gamma undone before averaging.
        quantize: truncate the blur to 8 bits like the GoPro data set.
        num_examples: pairs in one pass (`repeat=False`).
        crops_per_draw: when the pipeline crops, cut this many random crops
            from each averaged window: decoding the 7-13 frames is the cost,
            so K crops make it about K times faster. The crops are mixed
            with the next draws' in blocks of `8 * K` so that a batch does
            not hold crops of one window only.

    Example:
    >>> source = GoProSynthesisSource("data/gopro_frames", window=(7, 13))  # doctest: +SKIP
    >>> dataset = source.dataset(seed=0, repeat=True, crop_hint=(256, 256))  # doctest: +SKIP
    """

    tag = "synth_gopro"
    output_signature = {
        "frames": tf.TensorSpec([None], tf.string),
        "windows": tf.TensorSpec([None, 4], tf.int32),
        "names": tf.TensorSpec([None], tf.string),
    }

    def __init__(
        self,
        frames_dir: str | os.PathLike,
        window: int | tuple[int, int] = (7, 13),
        gamma: float = GAMMA,
        quantize: bool = True,
        num_examples: int = 64,
        crops_per_draw: int = 1,
        stride: int | tuple[int, int] = 1,
    ):
        super().__init__(num_examples)
        if crops_per_draw < 1:
            raise ValueError(f"crops_per_draw must be positive, got {crops_per_draw}.")
        self.crops_per_draw = int(crops_per_draw)
        self.window = positive_range(window, "window")
        self.stride = positive_range(stride, "stride")
        low = self.window[0]
        self.gamma = float(gamma)
        self.quantize = bool(quantize)
        self.sequences = []
        for frames in frame_sequences(frames_dir):
            sizes = {(i.height, i.width) for i in map(image_info, frames)}
            if len(sizes) > 1:
                raise DataError(
                    f"{frames[0].parent}: frames of different sizes {sorted(sizes)}.",
                    frames[0].parent,
                )
            if len(frames) >= low:
                self.sequences.append(([str(p) for p in frames], sizes.pop()))
        if not self.sequences:
            raise DataError(
                f"{frames_dir}: no sequence has {low} or more frames.", frames_dir
            )

    def __repr__(self) -> str:
        stride = "" if self.stride == (1, 1) else f", stride={self.stride}"
        return (
            f"GoProSynthesisSource({len(self.sequences)} sequences, "
            f"window={self.window}{stride})"
        )

    def _starts(self, length: int, stride: int) -> np.ndarray:
        """How many windows of `length` frames `stride` apart fit in each sequence."""
        span = (length - 1) * stride + 1
        return np.array([max(len(f) - span + 1, 0) for f, _ in self.sequences])

    def draw(self, rng, crop_hint):
        length = int(rng.integers(self.window[0], self.window[1] + 1))
        stride = self.stride[0]
        if self.stride[1] > stride:  # no extra draw: stride 1 runs keep their data
            stride = int(rng.integers(stride, self.stride[1] + 1))
        fits = self._starts(length, stride)
        if fits.sum() == 0:  # too short for this stride: consecutive frames
            stride, fits = 1, self._starts(length, 1)
        if fits.sum() == 0:
            length = min(len(frames) for frames, _ in self.sequences)
            fits = self._starts(length, 1)
        flat = int(rng.integers(fits.sum()))
        index = int(np.searchsorted(np.cumsum(fits), flat, side="right"))
        start = flat - int(np.cumsum(fits)[index] - fits[index])
        frames, (height, width) = self.sequences[index]
        crops = self.crops_per_draw if crop_hint else 1
        windows = [crop_window(rng, height, width, crop_hint) for _ in range(crops)]
        first = pathlib.Path(frames[start])
        prefix = f"{first.parent.name}/{first.stem}_n{length}"
        if stride > 1:
            prefix += f"_s{stride}"
        return {
            "frames": np.array(
                frames[start : start + (length - 1) * stride + 1 : stride]
            ),
            "windows": np.array(windows, np.int32),
            "names": np.array([f"{prefix}_y{w[0]}_x{w[1]}" for w in windows]),
        }

    def render(self, params):
        blur, sharp = synthesize_gopro_pair(
            params["frames"], params["windows"], self.gamma, self.quantize
        )
        return blur, sharp, params["names"]

    def named_dataset(self, *, seed=None, shuffle=False, repeat=False, crop_hint=None):
        seed = resolve_seed(seed)
        stacks = super().named_dataset(seed=seed, repeat=repeat, crop_hint=crop_hint)
        pairs = stacks.unbatch()
        if crop_hint and self.crops_per_draw > 1:
            pairs = block_shuffle(
                pairs, 8 * self.crops_per_draw, derive_seed(seed, "crops")
            )
        return pairs if repeat else pairs.take(self.num_examples)
