"""Camera-motion blur: a sharp photo seen by a moving camera, frames averaged.

GoPro-style pairs (`gopro`) need video; the ~200 sharp photos of a training
set have far more varied content than one clip. This source films each photo
with a virtual 240 fps camera: 7-13 frames along a smooth random path of
translation, rotation and zoom about a random centre, each frame a warp of
the photo, averaged in linear light and truncated to 8 bits exactly as the
GoPro data set averaged its frames. Unlike camera shake (one kernel for the
whole image) the blur varies across the image, as a hand-held camera's does,
and comes in discrete frames (ghosts at high speed). The path passes through
the identity at the middle frame, so the sharp target is the photo itself,
never resampled.

Example:
>>> source = CameraMotionSource("data/sharp", shift=(4.0, 24.0))
>>> blur, sharp = next(iter(source.dataset(seed=0, crop_hint=(64, 64))))
>>> blur.shape
TensorShape([64, 64, 3])
"""

import os

import numpy as np
import tensorflow as tf

from keras_mimo.data.decoding import read_image_tensor
from keras_mimo.data.synthesis.base import SyntheticSource, crop_window, list_photos
from keras_mimo.data.synthesis.gamma import GAMMA
from keras_mimo.data.synthesis.gopro import encode_linear, positive_range


def camera_path(
    frames: int,
    shift: tuple[float, float],
    curve: float = 0.0,
    rotation: float = 0.0,
    zoom: float = 0.0,
    center: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """Per-frame affine maps of a camera path, as `ImageProjectiveTransformV3` rows.

    Frame k sits at time `t = (k - frames // 2) / ((frames - 1) / 2)`, so
    the middle frame is at `t = 0`, where every map is the identity. Frame
    k samples the photo at `c + s(t) R(t) (p - c) + d(t)` for output pixel
    `p` (x, y): translation `d(t) = t * shift / 2 + (t**2) * curve / 2`
    (pixels, `shift` and `curve` are `(dx, dy)`), rotation `R(t)` by
    `t * rotation / 2` radians and scale `s(t) = 1 + t * zoom / 2` about
    `center`.

    Returns:
        float32 `(frames, 8)`: `[a0, a1, a2, b0, b1, b2, 0, 0]`, input
        `x = a0 x' + a1 y' + a2`, `y = b0 x' + b1 y' + b2`.

    Example:
    >>> camera_path(3, shift=(2.0, 0.0))[:, [2, 5]].tolist()
    [[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]]
    """
    if frames < 1:
        raise ValueError(f"frames must be positive, got {frames}.")
    half = max((frames - 1) / 2, 1.0)
    rows = []
    for k in range(frames):
        t = (k - frames // 2) / half
        angle, scale = t * rotation / 2, 1.0 + t * zoom / 2
        a = scale * np.array(
            [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
        )
        c = np.asarray(center, np.float64)
        offset = c - a @ c + t * np.asarray(shift) / 2 + t * t * np.asarray(curve) / 2
        rows.append([a[0, 0], a[0, 1], offset[0], a[1, 0], a[1, 1], offset[1], 0, 0])
    return np.array(rows, np.float32)


def film(
    photo: tf.Tensor,
    transforms: tf.Tensor,
    window: tf.Tensor,
    gamma: float = GAMMA,
    quantize: bool = True,
) -> tuple[tf.Tensor, tf.Tensor]:
    """The blur of `photo` along `transforms` (full-image coordinates) in `window`.

    Each frame is the photo warped by one map (bilinear, mirrored at the
    borders) into the `(top, left, height, width)` window; the blur is their
    mean in linear light (`encode_linear`), the sharp image the window itself.
    """
    top, left, height, width = tf.unstack(tf.cast(window, tf.int32))
    shift = tf.cast(tf.stack([left, top]), tf.float32)
    # Output pixel (x, y) of the window is photo pixel (x + left, y + top).
    a0, a1, a2, b0, b1, b2 = tf.unstack(transforms[:, :6], axis=1)
    a2 = a2 + a0 * shift[0] + a1 * shift[1]
    b2 = b2 + b0 * shift[0] + b1 * shift[1]
    zeros = tf.zeros_like(a0)
    local = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
    linear = (tf.clip_by_value(photo, 0.0, 1.0) ** gamma)[None]

    def warp(row):  # one frame, computed only inside the window
        return tf.raw_ops.ImageProjectiveTransformV3(
            images=linear,
            transforms=row[None],
            output_shape=tf.stack([height, width]),
            fill_value=0.0,
            interpolation="BILINEAR",
            fill_mode="REFLECT",
        )[0]

    frames = tf.map_fn(
        warp, local, fn_output_signature=tf.TensorSpec([None, None, 3], tf.float32)
    )
    linear = tf.reduce_mean(tf.cast(frames, tf.float64), axis=0)
    return encode_linear(linear, gamma, quantize), photo[
        top : top + height, left : left + width
    ]


class CameraMotionSource(SyntheticSource):
    """Sharp photos filmed by a virtual camera on a random path; see the module.

    Args:
        sharp_dir: folder of sharp PNG/JPEG photos (searched recursively).
        window: `(min, max)` frames per blur (inclusive), like GoPro's 7-13.
        shift: range of the path's end-to-end translation in pixels.
        curve: largest sideways bow of the path, as a fraction of `shift`.
        rotation: largest end-to-end rotation in degrees.
        zoom: largest end-to-end relative change of scale.
        gamma: camera gamma.
        quantize: truncate the blur to 8 bits like the GoPro data set.
        num_examples: pairs in one pass (`repeat=False`).
    """

    tag = "synth_motion"
    output_signature = {
        "path": tf.TensorSpec([], tf.string),
        "transforms": tf.TensorSpec([None, 8], tf.float32),
        "window": tf.TensorSpec([4], tf.int32),
        "name": tf.TensorSpec([], tf.string),
    }

    def __init__(
        self,
        sharp_dir: str | os.PathLike,
        window: tuple[int, int] = (7, 13),
        shift: tuple[float, float] = (1.0, 24.0),
        curve: float = 0.3,
        rotation: float = 1.0,
        zoom: float = 0.02,
        gamma: float = GAMMA,
        quantize: bool = True,
        num_examples: int = 64,
    ):
        super().__init__(num_examples)
        if not 0 <= shift[0] <= shift[1]:
            raise ValueError(f"shift must be a range of pixels >= 0, got {shift}.")
        if min(curve, rotation, zoom) < 0:
            raise ValueError("curve, rotation and zoom must not be negative.")
        self.window = positive_range(window, "window")
        self.shift = (float(shift[0]), float(shift[1]))
        self.curve = float(curve)
        self.rotation = float(rotation)
        self.zoom = float(zoom)
        self.gamma = float(gamma)
        self.quantize = bool(quantize)
        self.images = list_photos(sharp_dir)

    def __repr__(self) -> str:
        return (
            f"CameraMotionSource({len(self.images)} photos, window={self.window}, "
            f"shift={self.shift})"
        )

    def draw(self, rng, crop_hint):
        path, height, width = self.images[int(rng.integers(len(self.images)))]
        top, left, h, w = crop_window(rng, height, width, crop_hint)
        frames = int(rng.integers(self.window[0], self.window[1] + 1))
        direction = rng.uniform(0, 2 * np.pi)
        length = rng.uniform(*self.shift)
        along = np.array([np.cos(direction), np.sin(direction)])
        bow = rng.uniform(-self.curve, self.curve) * length
        # The centre of rotation and zoom: anywhere in or around the window.
        center = (left + rng.uniform(-0.5, 1.5) * w, top + rng.uniform(-0.5, 1.5) * h)
        transforms = camera_path(
            frames,
            shift=tuple(length * along),
            curve=tuple(bow * np.array([-along[1], along[0]])),
            rotation=np.radians(rng.uniform(-self.rotation, self.rotation)),
            zoom=rng.uniform(-self.zoom, self.zoom),
            center=center,
        )
        stem = os.path.splitext(os.path.basename(path))[0]
        return {
            "path": path,
            "transforms": transforms,
            "window": np.array([top, left, h, w], np.int32),
            "name": f"{stem}_n{frames}_y{top}_x{left}",
        }

    def render(self, params):
        photo = read_image_tensor(params["path"])
        blur, sharp = film(
            photo, params["transforms"], params["window"], self.gamma, self.quantize
        )
        blur.set_shape([None, None, 3])
        sharp.set_shape([None, None, 3])
        return blur, sharp, params["name"]
