"""`DeblurModelHandler`: Beam `RunInference` with a `Deblurrer`."""

import os
import time
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
from apache_beam.ml.inference.base import ModelHandler, PredictionResult


class Deblurred(NamedTuple):
    """A `PredictionResult.inference`: the output and how long it took."""

    pixels: np.ndarray
    seconds: float


class DeblurModelHandler(ModelHandler[np.ndarray, PredictionResult, Any]):
    """Loads a preset or `.keras` file once per worker and deblurs with it.

    Beam's TensorFlow handler cannot load Keras 3 SavedModels
    (apache/beam#30616), and images of a collection differ in size, so this
    handler runs `keras_mimo.inference.Deblurrer` (tiling, padding, any
    dtype) on batches of one image. Each `PredictionResult.inference` is a
    `Deblurred(pixels, seconds)`: an array of the input's shape and dtype,
    and the time the `Deblurrer` took.

    Args:
        model: a preset name or directory, or a `.keras` file (local).
        **deblurrer_options: `Deblurrer` options (`ensemble`, `tile`,
            `memory_budget`, `overlap`, `precision`).

    Example:
    >>> import apache_beam as beam
    >>> from apache_beam.ml.inference.base import RunInference
    >>> handler = DeblurModelHandler("gopro", ensemble=4)
    >>> with beam.Pipeline() as p:
    ...     _ = (p | beam.Create([np.zeros((16, 24, 3), "uint8")])
    ...            | RunInference(handler)
    ...            | beam.Map(lambda result: print(result.inference.pixels.shape)))
    (16, 24, 3)
    """

    def __init__(self, model: str | os.PathLike, **deblurrer_options):
        super().__init__(max_batch_size=1)
        self.model = str(model)
        self.deblurrer_options = deblurrer_options

    def load_model(self):
        """A `Deblurrer` for the model (called once per worker)."""
        from keras_mimo.inference.deblurrer import Deblurrer

        if self.model.endswith(".keras"):
            import keras

            # Registers MIMOUNet and its layers for deserialization (a worker
            # is a fresh process that has not imported them).
            import keras_mimo.models.mimo_unet.mimo_unet  # noqa: F401

            if not os.path.isfile(self.model):
                raise FileNotFoundError(f"{self.model}: model file does not exist")
            return Deblurrer(
                keras.saving.load_model(self.model), **self.deblurrer_options
            )
        return Deblurrer(preset=self.model, **self.deblurrer_options)

    def run_inference(
        self,
        batch: Sequence[np.ndarray],
        model,
        inference_args: dict | None = None,
    ) -> Iterable[PredictionResult]:
        results = []
        for image in batch:
            start = time.perf_counter()
            pixels = model(image)
            results.append(
                PredictionResult(image, Deblurred(pixels, time.perf_counter() - start))
            )
        return results

    def get_num_bytes(self, batch: Sequence[np.ndarray]) -> int:
        return sum(int(np.asarray(image).nbytes) for image in batch)

    def get_metrics_namespace(self) -> str:
        return "keras_mimo.deblur"
