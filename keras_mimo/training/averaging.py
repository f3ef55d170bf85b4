"""Weight averaging (EMA) for long training runs: `fit.py --ema MOMENTUM`.

Keras' optimizers keep an exponential moving average of the weights when
built with `use_ema=True`; the average is an optimizer variable, so it is
saved in every `.keras` checkpoint and a `--resume`d run continues it.
Training updates the raw weights; validation (`keras.callbacks.SwapEMAWeights`),
`best.keras` and the preset use the average. An average over the last
~1 / (1 - momentum) steps scores like weights trained at a decayed rate, so
a run can keep a steady rate across sessions without paying a warm restart
each time.
"""

import contextlib
from collections.abc import Iterator

import keras

from keras_mimo.training.optimizers import model_optimizer


def weight_average_momentum(model: keras.Model) -> float | None:
    """The momentum of the model's weight average, or None if it keeps none.

    Example:
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=keras.optimizers.Adam(use_ema=True, ema_momentum=0.99))
    >>> weight_average_momentum(model)
    0.99
    """
    optimizer = model_optimizer(model)
    if optimizer is None or not getattr(optimizer, "use_ema", False):
        return None
    return float(optimizer.ema_momentum)


@contextlib.contextmanager
def averaged_weights(model: keras.Model) -> Iterator[keras.Model]:
    """Within the block the model holds its weight average; then its own weights.

    A model without an average (or whose optimizer has not run a step yet)
    is left as it is.

    Example:
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=keras.optimizers.Adam(use_ema=True), loss="mse")
    >>> with averaged_weights(model) as averaged:
    ...     weights = averaged.get_weights()
    """
    optimizer = model_optimizer(model)
    if weight_average_momentum(model) is None or not optimizer.built:
        yield model
        return
    variables = model.trainable_variables
    own = [keras.ops.convert_to_numpy(v) for v in variables]
    optimizer.finalize_variable_values(variables)  # copies the average in
    try:
        yield model
    finally:
        for variable, value in zip(variables, own, strict=True):
            variable.assign(value)
