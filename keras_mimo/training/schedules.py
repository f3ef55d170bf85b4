"""Learning-rate schedules: the paper's step decay and cosine."""

import keras


def learning_rate_schedule(
    name: str, learning_rate: float, total_steps: int, decay_every: int | None = None
):
    """Builds the schedule named `name` (`"step"`, `"cosine"` or `"constant"`).

    `step` is the paper's recipe generalised to any length: the rate halves
    every `decay_every` steps, by default a sixth of the run (the paper halves
    every 500 of 3000 epochs). `cosine` decays to 1% of the rate over the run.

    Example:
    >>> schedule = learning_rate_schedule("step", 1e-4, total_steps=3000)
    >>> float(schedule(0)), float(schedule(500))
    (0.0001, 5e-05)
    """
    if name == "step":
        every = decay_every or max(1, total_steps // 6)
        return keras.optimizers.schedules.ExponentialDecay(
            learning_rate, decay_steps=every, decay_rate=0.5, staircase=True
        )
    if name == "cosine":
        return keras.optimizers.schedules.CosineDecay(
            learning_rate, decay_steps=max(1, total_steps), alpha=0.01
        )
    if name == "constant":
        return learning_rate
    raise ValueError(f"Unknown schedule {name!r}; use step, cosine or constant.")
