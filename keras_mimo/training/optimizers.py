"""The optimizer `fit.py` trains with: Adam, with an optional weight average
(`--ema`) and gradient accumulation (`--accumulate`).

Accumulation averages the gradients of N batches before one Adam update: the
update of an N times larger batch at the memory and step time of one batch,
for machines that can only hold a small one (a 2-core CPU trains MIMO-UNet at
batch 2, where the gradient is noisy). Keras counts `optimizer.iterations`
in updates, so a schedule for the optimizer counts updates too; the weight
average still moves after every batch, so `--ema` keeps its meaning in batches.
"""

import keras


def training_optimizer(
    learning_rate, ema_momentum: float | None = None, accumulate: int = 1
) -> keras.optimizers.Adam:
    """Adam with a weight average (if `ema_momentum`) and N-batch accumulation.

    Example:
    >>> optimizer = training_optimizer(1e-4, ema_momentum=0.999, accumulate=4)
    >>> optimizer.use_ema, optimizer.gradient_accumulation_steps
    (True, 4)
    """
    if accumulate < 1:
        raise ValueError(f"accumulate must be at least 1, got {accumulate}.")
    return keras.optimizers.Adam(
        learning_rate,
        use_ema=ema_momentum is not None,
        ema_momentum=ema_momentum or 0.99,
        gradient_accumulation_steps=accumulate if accumulate > 1 else None,
    )


def accumulation_steps(model: keras.Model) -> int:
    """How many batches the model's optimizer averages per update (1: none).

    Example:
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=training_optimizer(1e-3, accumulate=2), loss="mse")
    >>> accumulation_steps(model)
    2
    """
    optimizer = model_optimizer(model)
    return int(getattr(optimizer, "gradient_accumulation_steps", None) or 1)


def model_optimizer(model: keras.Model):
    """The model's optimizer, under any loss-scaling wrapper; None if uncompiled.

    Example:
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=keras.optimizers.LossScaleOptimizer(
    ...     keras.optimizers.Adam()), loss="mse")
    >>> type(model_optimizer(model)).__name__
    'Adam'
    """
    optimizer = getattr(model, "optimizer", None)
    return getattr(optimizer, "inner_optimizer", optimizer)
