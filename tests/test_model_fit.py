"""`model.fit` with `MIMOLoss`, `PSNR` and `SSIM` on real crops (in process)."""

import keras
import numpy as np
import tensorflow as tf

from keras_mimo import PSNR, SSIM, MIMOLoss
from tests.test_case import tiny_model


def crops_dataset(real_crops, batch_size=4):
    blur, sharp = real_crops
    return (
        tf.data.Dataset.from_tensor_slices((blur, sharp))
        .map(lambda b, s: (b, (s, s, s)))
        .batch(batch_size)
    )


def test_fit_lowers_loss_on_real_crops(real_crops):
    model = tiny_model(width=16)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=MIMOLoss(),
        metrics={"full": [PSNR(), SSIM()]},
    )
    dataset = crops_dataset(real_crops)
    before = model.evaluate(dataset, verbose=0, return_dict=True)
    history = model.fit(dataset, epochs=15, verbose=0, shuffle=False)
    after = model.evaluate(dataset, verbose=0, return_dict=True)
    assert after["loss"] < 0.95 * before["loss"], (before, after)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert after["full_psnr"] > before["full_psnr"]


def test_mixed_bfloat16_training_runs(real_crops):
    model = tiny_model(dtype="mixed_bfloat16")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=MIMOLoss())
    history = model.fit(crops_dataset(real_crops), epochs=2, verbose=0, shuffle=False)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses))
    assert (
        keras.backend.standardize_dtype(model(real_crops[0][:1])[-1].dtype)
        == "bfloat16"
    )
