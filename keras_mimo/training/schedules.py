"""Learning-rate schedules: the paper's step decay and cosine, with warm-up."""

import keras


def learning_rate_schedule(
    name: str,
    learning_rate: float,
    total_steps: int,
    decay_every: int | None = None,
    warmup_steps: int = 0,
):
    """Builds the schedule named `name` (`"step"`, `"cosine"` or `"constant"`).

    `step` is the paper's recipe generalised to any length: the rate halves
    every `decay_every` steps, by default a sixth of the run (the paper halves
    every 500 of 3000 epochs). `cosine` decays to 1% of the rate over the run;
    with `warmup_steps` it first rises linearly from 0 (cosine only).

    Example:
    >>> schedule = learning_rate_schedule("step", 1e-4, total_steps=3000)
    >>> round(float(schedule(0)), 9), round(float(schedule(500)), 9)
    (0.0001, 5e-05)
    >>> warm = learning_rate_schedule("cosine", 1e-3, 1000, warmup_steps=100)
    >>> round(float(warm(50)), 6), round(float(warm(100)), 6)
    (0.0005, 0.001)
    """
    if warmup_steps and name != "cosine":
        raise ValueError("warm-up is supported with the cosine schedule only.")
    if name == "step":
        every = decay_every or max(1, total_steps // 6)
        return keras.optimizers.schedules.ExponentialDecay(
            learning_rate, decay_steps=every, decay_rate=0.5, staircase=True
        )
    if name == "cosine":
        if warmup_steps:
            return keras.optimizers.schedules.CosineDecay(
                0.0,
                decay_steps=max(1, total_steps - warmup_steps),
                alpha=0.01,
                warmup_target=learning_rate,
                warmup_steps=warmup_steps,
            )
        return keras.optimizers.schedules.CosineDecay(
            learning_rate, decay_steps=max(1, total_steps), alpha=0.01
        )
    if name == "constant":
        return learning_rate
    raise ValueError(f"Unknown schedule {name!r}; use step, cosine or constant.")


def change_constant_rate(optimizer, learning_rate: float) -> float | None:
    """Sets a constant-rate optimizer's rate: a resumed run given a new `--lr`.

    The optimizer's moments and weight average carry on, so a run can change
    its rate without the jolt of a fresh optimizer. Returns the rate replaced,
    or None for an optimizer that follows a schedule (the checkpoint restores
    the schedule; `--lr` does not change it).

    Example:
    >>> import keras
    >>> optimizer = keras.optimizers.Adam(1e-4)
    >>> replaced = change_constant_rate(optimizer, 2e-4)
    >>> round(replaced, 6), round(float(optimizer.learning_rate), 6)
    (0.0001, 0.0002)
    """
    config = optimizer.get_config()["learning_rate"]
    if not isinstance(config, (int, float)):
        return None
    optimizer.learning_rate = learning_rate
    return float(config)
