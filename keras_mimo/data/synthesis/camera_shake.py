"""Camera-shake blur: sharp photos convolved with random motion kernels.

For each pair: a random photo, a random kernel (`random_motion_kernel`), a
random window, then, in linear light (`x ** 2.2`):

1. Saturation (with probability `saturation_prob`): pixels whose brightest
   channel is at least 0.98 are taken to be clipped highlights (lamps, sun
   glints) whose true brightness was higher, and are multiplied by a random
   gain in `saturation_gain` before blurring. After blurring the result is
   clipped to 1, so lights smear into bright streaks as in real night shots
   instead of into dim grey smudges. The sharp target keeps the photo as is.
2. Convolution with the kernel (FFT, mirror-padded borders).
3. Noise: Poisson-like shot noise (standard deviation `shot * sqrt(x)`) and
   Gaussian read noise (`read`), levels uniform in `[0, shot_noise]` and
   `[0, read_noise]`.
4. Clip to [0, 1], back to gamma 1/2.2, round to 8 bits (`quantize`).

Example:
>>> source = CameraShakeSource("data/sharp", kernel_size=31)
>>> dataset = source.dataset(seed=0, repeat=True, crop_hint=(64, 64))
"""

import os

import numpy as np
import tensorflow as tf

from keras_mimo.data.decoding import read_image_tensor
from keras_mimo.data.synthesis.base import SyntheticSource, crop_window, list_photos
from keras_mimo.data.synthesis.gamma import GAMMA
from keras_mimo.data.synthesis.kernels import random_motion_kernel
from keras_mimo.images.padding import pad_at_least_tensor

SATURATION_THRESHOLD = 0.98


def convolve(image: tf.Tensor, kernel: tf.Tensor) -> tf.Tensor:
    """'Valid' 2-D convolution of an `(H, W, C)` image with a `(k, k)` kernel, by FFT.

    Returns `(H - k + 1, W - k + 1, C)`; pad the image by `k // 2` first for
    a same-size result. True convolution (the kernel is flipped), so a
    kernel is the blur's point-spread function.
    """
    image = tf.convert_to_tensor(image, tf.float32)
    kernel = tf.convert_to_tensor(kernel, tf.float32)
    height, width = tf.shape(image)[0], tf.shape(image)[1]
    size = tf.shape(kernel)[0]
    channels_first = tf.transpose(image, [2, 0, 1])
    padded_kernel = tf.pad(kernel, [[0, height - size], [0, width - size]])
    fft_length = tf.stack([height, width])
    spectrum = tf.signal.rfft2d(channels_first, fft_length) * tf.signal.rfft2d(
        padded_kernel, fft_length
    )
    result = tf.signal.irfft2d(spectrum, fft_length)[:, size - 1 :, size - 1 :]
    return tf.transpose(result, [1, 2, 0])


def shake_blur(
    sharp: tf.Tensor,
    kernel: tf.Tensor,
    saturation_gain: float | tf.Tensor = 1.0,
    shot_noise: float | tf.Tensor = 0.0,
    read_noise: float | tf.Tensor = 0.0,
    noise_seed: tf.Tensor | None = None,
    gamma: float = GAMMA,
    quantize: bool = True,
) -> tf.Tensor:
    """Blurs a mirror-padded sharp window in linear light; see the module docstring.

    Args:
        sharp: float32 `(H + k - 1, W + k - 1, 3)` in [0, 1] (the window
            plus `k // 2` pixels of context on each side).
        kernel: `(k, k)` blur kernel summing to 1.
        saturation_gain: multiplier of saturated highlights (1 = off).
        shot_noise, read_noise: noise standard deviations (at white).
        noise_seed: `[2]` stateless seed of the noise.
        gamma: camera gamma.
        quantize: round the result to 8 bits.

    Returns:
        The float32 `(H, W, 3)` blurred image.
    """
    linear = tf.clip_by_value(sharp, 0.0, 1.0) ** gamma
    saturated = tf.reduce_max(sharp, axis=-1, keepdims=True) >= SATURATION_THRESHOLD
    linear = tf.where(saturated, linear * saturation_gain, linear)
    blur = tf.maximum(convolve(linear, kernel), 0.0)
    if noise_seed is not None:
        shot_seed, read_seed = tf.unstack(
            tf.random.experimental.stateless_split(noise_seed, 2)
        )
        shape = tf.shape(blur)
        blur += (
            shot_noise * tf.sqrt(blur) * tf.random.stateless_normal(shape, shot_seed)
        )
        blur += read_noise * tf.random.stateless_normal(shape, read_seed)
    blur = tf.clip_by_value(blur, 0.0, 1.0) ** (1.0 / gamma)
    if quantize:
        blur = tf.round(blur * 255.0) / 255.0
    return blur


class CameraShakeSource(SyntheticSource):
    """Pairs made by blurring sharp photos with random camera-shake kernels.

    Args:
        sharp_dir: folder of sharp PNG/JPEG photos (searched recursively;
            other formats are skipped).
        kernel_size: kernel side in pixels (odd).
        length: range of the shake path length in pixels (<= kernel_size - 1).
        curvature: range of the path curvature (0 straight, 1 very curved).
        saturation_prob: probability of the highlight treatment.
        saturation_gain: range of the highlight gain.
        shot_noise, read_noise: maximum noise standard deviations.
        gamma: camera gamma.
        quantize: round the blur to 8 bits.
        num_examples: pairs in one pass (`repeat=False`).

    Example:
    >>> source = CameraShakeSource("data/sharp")
    >>> blur, sharp = next(iter(source.dataset(seed=0)))
    >>> blur.shape == sharp.shape
    True
    """

    tag = "synth_shake"
    output_signature = {
        "path": tf.TensorSpec([], tf.string),
        "kernel": tf.TensorSpec([None, None], tf.float32),
        "window": tf.TensorSpec([4], tf.int32),
        "noise": tf.TensorSpec([3], tf.float32),
        "noise_seed": tf.TensorSpec([2], tf.int64),
        "name": tf.TensorSpec([], tf.string),
    }

    def __init__(
        self,
        sharp_dir: str | os.PathLike,
        kernel_size: int = 41,
        length: tuple[float, float] = (2.0, 40.0),
        curvature: tuple[float, float] = (0.0, 1.0),
        saturation_prob: float = 0.25,
        saturation_gain: tuple[float, float] = (1.5, 4.0),
        shot_noise: float = 0.01,
        read_noise: float = 0.005,
        gamma: float = GAMMA,
        quantize: bool = True,
        num_examples: int = 64,
    ):
        super().__init__(num_examples)
        length = (float(length[0]), min(float(length[1]), kernel_size - 1.0))
        random_motion_kernel(0, kernel_size, length, curvature)  # validates arguments
        self.kernel_size = int(kernel_size)
        self.length = length
        self.curvature = tuple(curvature)
        self.saturation_prob = float(saturation_prob)
        self.saturation_gain = tuple(saturation_gain)
        self.shot_noise = float(shot_noise)
        self.read_noise = float(read_noise)
        self.gamma = float(gamma)
        self.quantize = bool(quantize)
        self.images = list_photos(sharp_dir)

    def __repr__(self) -> str:
        return f"CameraShakeSource({len(self.images)} photos, kernel_size={self.kernel_size})"

    def draw(self, rng, crop_hint):
        path, height, width = self.images[int(rng.integers(len(self.images)))]
        kernel = random_motion_kernel(
            rng, self.kernel_size, self.length, self.curvature
        )
        window = crop_window(rng, height, width, crop_hint)
        gain = (
            rng.uniform(*self.saturation_gain)
            if rng.uniform() < self.saturation_prob
            else 1.0
        )
        noise = [gain, rng.uniform(0, self.shot_noise), rng.uniform(0, self.read_noise)]
        return {
            "path": path,
            "kernel": kernel,
            "window": np.array(window, np.int32),
            "noise": np.array(noise, np.float32),
            "noise_seed": rng.integers(0, 2**62, size=2),
            "name": f"{os.path.splitext(os.path.basename(path))[0]}_y{window[0]}_x{window[1]}",
        }

    def render(self, params):
        radius = self.kernel_size // 2
        top, left, height, width = tf.unstack(params["window"])
        image = read_image_tensor(params["path"])
        image = tf.pad(
            image, [[radius, radius], [radius, radius], [0, 0]], mode="SYMMETRIC"
        )
        image = pad_at_least_tensor(image, height + 2 * radius, width + 2 * radius)
        context = image[
            top : top + height + 2 * radius, left : left + width + 2 * radius
        ]
        gain, shot, read = tf.unstack(params["noise"])
        blur = shake_blur(
            context,
            params["kernel"],
            gain,
            shot,
            read,
            params["noise_seed"],
            self.gamma,
            self.quantize,
        )
        sharp = context[radius : radius + height, radius : radius + width]
        return blur, sharp, params["name"]
