"""The model's full-resolution output as a function compiled once per shape.

- JAX: `jax.jit` of `model.stateless_call`, lowered and compiled ahead of
  time for each input shape (XLA).
- TensorFlow: a `tf.function` traced once per input shape, compiled with
  XLA (`jit_compile=True`) or run as a plain TensorFlow graph (oneDNN
  kernels, `False`). Which is faster depends on the machine and precision
  (a 1280x720 frame on a 2-core Zen 5: graph 4.1 s float32 and 2.1 s
  bfloat16, XLA 6.0 s in both), so `Deblurrer` decides it with
  `keras_mimo.inference.execution`.
- PyTorch: eager execution under `torch.inference_mode()`.

Only the active backend's framework is imported.

Example:
>>> import numpy as np, keras_mimo
>>> model = keras_mimo.MIMOUNet(num_res=1, width=8)
>>> predict = CompiledModel(model)
>>> predict(np.zeros((1, 64, 64, 3), "float32")).shape
(1, 64, 64, 3)
"""

import weakref
from collections.abc import Callable

import keras

_shared: "weakref.WeakKeyDictionary[keras.Model, dict]" = weakref.WeakKeyDictionary()


def full_resolution(outputs):
    """The deblurred image from a model's outputs (last of a list)."""
    if isinstance(outputs, list | tuple):
        return outputs[-1]
    return outputs


class CompiledModel:
    """Calls `model` on float32 `(N, H, W, 3)` batches, compiled per shape.

    Args:
        model: a Keras model mapping `(N, H, W, 3)` images to a same-size image
            or to a list whose last element is that image (MIMO-UNet).
        jit_compile: TensorFlow only: `True` or `"auto"` (default) compiles
            with XLA, `False` runs a TensorFlow graph (`Deblurrer` passes
            the measured choice). JAX always uses XLA; PyTorch runs eagerly.

    Attributes:
        cache: the compiled functions, keyed by input shape.
    """

    def __init__(self, model: keras.Model, jit_compile: bool | str = "auto"):
        self.model = model
        self.backend = keras.config.backend()
        self.jit_compile = jit_compile
        self.cache: dict[tuple[int, ...], Callable] = {}

    @classmethod
    def shared(cls, model: keras.Model, jit_compile: bool | str = "auto"):
        """The `CompiledModel` of `model`, created once and then shared.

        Every `Deblurrer` of the same model (different tiles, ensembles)
        reuses the functions already compiled for it.
        """
        try:
            per_model = _shared.setdefault(model, {})
        except TypeError:  # not weak-referenceable: no sharing
            return cls(model, jit_compile)
        if jit_compile not in per_model:
            per_model[jit_compile] = cls(model, jit_compile)
        return per_model[jit_compile]

    def __call__(self, images):
        """Runs the model on a batch; returns a backend tensor."""
        shape = tuple(int(d) for d in images.shape)
        function = self.cache.get(shape)
        if function is None:
            function = self.cache[shape] = self._compile(shape)
        return function(images)

    def _compile(self, shape: tuple[int, ...]) -> Callable:
        if not self.model.built:  # e.g. a subclassed model never called yet
            self.model(keras.ops.zeros((1, *shape[1:])), training=False)
        builder = {
            "jax": self._compile_jax,
            "tensorflow": self._compile_tensorflow,
            "torch": self._compile_torch,
        }.get(self.backend)
        if builder is None:
            return lambda images: full_resolution(self.model(images, training=False))
        return builder(shape)

    def _compile_jax(self, shape):
        import jax

        model = self.model

        def forward(trainable, non_trainable, images):
            outputs, _ = model.stateless_call(
                trainable, non_trainable, images, training=False
            )
            return full_resolution(outputs)

        def values():
            return (
                [v.value for v in model.trainable_variables],
                [v.value for v in model.non_trainable_variables],
            )

        spec = jax.ShapeDtypeStruct(shape, "float32")
        compiled = jax.jit(forward).lower(*values(), spec).compile()

        def run(images):
            images = jax.numpy.asarray(images, dtype="float32")
            return compiled(*values(), images)

        return run

    def _compile_tensorflow(self, shape):
        import tensorflow as tf

        model = self.model
        jit = self.jit_compile in (True, "auto")

        @tf.function(
            input_signature=[tf.TensorSpec(shape, tf.float32)],
            jit_compile=jit,
            autograph=False,
        )
        def forward(images):
            return full_resolution(model(images, training=False))

        concrete = forward.get_concrete_function()

        def run(images):
            return concrete(tf.convert_to_tensor(images, dtype=tf.float32))

        return run

    def _compile_torch(self, shape):
        import torch

        model = self.model

        def run(images):
            with torch.inference_mode():
                images = keras.ops.convert_to_tensor(images, "float32")
                return full_resolution(model(images, training=False))

        return run
