"""Random camera-shake trajectories and the blur kernels they draw.

A trajectory is the path of a point of the image on the sensor during the
exposure, made by the random-acceleration model of Boracchi & Foi ("Modeling
the performance of image restoration from motion blur", IEEE TIP 2012), the
one DeBlurGAN (Kupyn et al., CVPR 2018) uses: the velocity keeps its speed
and turns under Gaussian jitter, a pull back towards the start and, now and
then, a sudden shake. The path is then scaled to a random length in pixels.

The kernel is the time the point spends at each pixel: positions at equal
time steps, with a smoothly varying speed, are splatted bilinearly (sub-pixel)
onto a `size x size` grid centred on the path's midpoint, and normalised to
sum 1. Everything is NumPy, driven by a `numpy.random.Generator`, so a seed
gives the same kernel on every machine.
"""

import numpy as np

_STEPS = 512
_CANONICAL_LENGTH = 60.0  # the scale at which the model's constants make sense


def random_trajectory(
    rng: np.random.Generator,
    length: float,
    curvature: float = 0.5,
    steps: int = _STEPS,
) -> tuple[np.ndarray, np.ndarray]:
    """A random camera-shake path of `length` pixels.

    Args:
        rng: NumPy random generator.
        length: arc length of the path in pixels.
        curvature: 0 gives a straight line, 1 a strongly curved, jittery
            path (scales the random acceleration and the sudden shakes).
        steps: number of equal time steps.

    Returns:
        `(points, dwell)`: `(steps, 2)` float64 `(y, x)` positions, arc
        length `length`, and `(steps,)` positive weights (time spent near
        each point; they sum to 1).

    Example:
    >>> points, dwell = random_trajectory(np.random.default_rng(0), length=20.0)
    >>> points.shape, round(float(dwell.sum()), 6)
    ((512, 2), 1.0)
    """
    step = _CANONICAL_LENGTH / (steps - 1)
    centripetal = 0.7 * rng.uniform()
    gaussian_shake = 10.0 * rng.uniform()
    explosiveness = 0.02 * curvature
    big_shake = 0.2 * rng.uniform() * explosiveness * 4
    velocity = step * np.exp(1j * rng.uniform(0, 2 * np.pi))
    path = np.zeros(steps, np.complex128)
    jitter = rng.standard_normal((steps, 2)) @ np.array([1.0, 1j])
    shakes = rng.uniform(size=steps) < big_shake
    turns = rng.uniform(-0.5, 0.5, size=steps)
    for t in range(1, steps):
        kick = 2 * velocity * np.exp(1j * (np.pi + turns[t])) if shakes[t] else 0.0
        accel = explosiveness * (gaussian_shake * jitter[t] - centripetal * path[t - 1])
        velocity = velocity + kick + accel * step
        velocity = velocity / max(abs(velocity), 1e-12) * step
        path[t] = path[t - 1] + velocity
    path *= length / _CANONICAL_LENGTH
    # Smoothly varying speed: dwell time ~ 1 / speed, log-speed a smoothed walk.
    log_speed = np.convolve(rng.standard_normal(steps + 63), np.hanning(64), "valid")
    dwell = np.exp(-0.25 * curvature * log_speed[:steps])
    return np.stack([path.imag, path.real], axis=1), dwell / dwell.sum()


def trajectory_to_kernel(
    points: np.ndarray, size: int, dwell: np.ndarray | None = None
) -> np.ndarray:
    """Splats a trajectory onto a `size x size` kernel (bilinear, sum 1).

    The path is centred on its middle point (by arc length), so the blur
    is centred on the middle of the exposure, like GoPro pairs whose sharp
    image is the middle frame. Points that fall outside the grid are
    dropped; a path with arc length at most `size - 1` always fits.

    Example:
    >>> kernel = trajectory_to_kernel(np.array([[0.0, -3.0], [0.0, 3.0]]), size=9)
    >>> kernel.shape, float(kernel.sum())
    ((9, 9), 1.0)
    """
    points = np.asarray(points, np.float64)
    dwell = (
        np.full(len(points), 1.0 / len(points)) if dwell is None else np.asarray(dwell)
    )
    arc = np.concatenate(
        [[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))]
    )
    middle = np.array([np.interp(arc[-1] / 2, arc, points[:, i]) for i in (0, 1)])
    points = points - middle + (size - 1) / 2
    base = np.floor(points).astype(np.int64)
    frac = points - base
    kernel = np.zeros((size + 1, size + 1))
    for dy in (0, 1):
        for dx in (0, 1):
            weight = dwell * np.abs(1 - dy - frac[:, 0]) * np.abs(1 - dx - frac[:, 1])
            y, x = base[:, 0] + dy, base[:, 1] + dx
            inside = (y >= 0) & (y < size) & (x >= 0) & (x < size)
            np.add.at(kernel, (y[inside], x[inside]), weight[inside])
    kernel = kernel[:size, :size]
    total = kernel.sum()
    if total <= 0:
        kernel[size // 2, size // 2] = total = 1.0
    return (kernel / total).astype(np.float32)


def random_motion_kernel(
    rng: np.random.Generator | int | None = None,
    size: int = 41,
    length: tuple[float, float] | None = None,
    curvature: tuple[float, float] = (0.0, 1.0),
) -> np.ndarray:
    """A random camera-shake blur kernel: non-negative, sums to 1, `size x size`.

    Args:
        rng: NumPy generator or seed (same seed, same kernel).
        size: kernel side (odd, so the kernel has a centre pixel).
        length: range of the path length in pixels (uniform); at most
            `size - 1` so the path fits. Default `(2, size - 1)`.
        curvature: range of the curvature (uniform; 0 is straight).

    Example:
    >>> kernel = random_motion_kernel(0, size=31, length=(5, 30))
    >>> kernel.shape, bool(kernel.min() >= 0), round(float(kernel.sum()), 5)
    ((31, 31), True, 1.0)
    """
    if size % 2 == 0:
        raise ValueError(f"Kernel size must be odd, got {size}.")
    length = (2.0, size - 1.0) if length is None else length
    if not 0 < length[0] <= length[1] <= size - 1:
        raise ValueError(
            f"Kernel length range must lie in (0, size - 1 = {size - 1}], got {length}."
        )
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    points, dwell = random_trajectory(
        rng, length=rng.uniform(*length), curvature=rng.uniform(*curvature)
    )
    return trajectory_to_kernel(points, size, dwell)
