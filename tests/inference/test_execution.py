"""Choosing the inference path: precision and graph/XLA honoured, probed, reported."""

import keras
import numpy as np
import pytest

from keras_mimo.images.quality import psnr
from keras_mimo.inference import Deblurrer, execution
from keras_mimo.inference.execution import MAX_BF16_PSNR_CHANGE_DB

#: bf16 and fp32 outputs of the shipped preset on a real crop agree to at
#: least this PSNR (measured 58.6 dB on the three backends, Intel Xeon with AMX).
BF16_AGREEMENT_DB = 50.0


@pytest.fixture
def fresh_probe_cache(monkeypatch):
    monkeypatch.setattr(execution, "_probed", {})


def test_asked_precision_and_mode_are_honoured_and_reported(tiny):
    backend = keras.config.backend()
    bf16 = Deblurrer(tiny, precision="bfloat16", jit_compile=False)
    assert bf16.path.precision == "bfloat16" and bf16.path.reason == "asked for"
    assert bf16.compute_model.dtype_policy.name == "mixed_bfloat16"
    assert bf16.compute_model is not tiny and bf16.model is tiny
    mode = {"tensorflow": "graph", "jax": "XLA", "torch": "eager"}[backend]
    assert bf16.describe(64, 96).startswith(f"{backend} {mode}, bfloat16 (asked")
    assert bf16.describe(64, 96).endswith("96x64: whole image")
    fp32 = Deblurrer(tiny, precision="float32", jit_compile=False)
    assert fp32.compute_model is tiny and fp32.path.precision == "float32"
    if backend == "tensorflow":
        xla = Deblurrer(tiny, precision="float32", jit_compile=True)
        assert xla.path.mode == "XLA" and xla.compiled.jit_compile is True
    image = np.random.default_rng(0).random((1, 40, 48, 3), dtype=np.float32)
    assert bf16.predict(image).dtype == np.float32
    with pytest.raises(ValueError, match="precision must be one of"):
        Deblurrer(tiny, precision="half")


def test_auto_is_float32_without_native_bf16(tiny, monkeypatch, fresh_probe_cache):
    monkeypatch.setattr(execution, "native_bf16", lambda backend: None)
    path = Deblurrer(tiny, jit_compile=False).path
    assert (path.precision, path.reason) == ("float32", "no native bf16 here")


def test_auto_probes_once_then_uses_the_cache(tiny, monkeypatch, fresh_probe_cache):
    monkeypatch.setattr(execution, "native_bf16", lambda backend: "avx512_bf16")
    lines = []
    first = Deblurrer(tiny, jit_compile=False, log=lines.append).path
    assert lines[0].startswith("Timing 2 inference paths once")
    assert set(first.seconds) == {f"bfloat16/{first.mode}", f"float32/{first.mode}"}
    assert first.seconds[f"{first.precision}/{first.mode}"] == min(
        first.seconds.values()
    )
    assert first.reason == "fastest in a probe; native bf16 (avx512_bf16)"
    execution._probed.clear()  # the file cache in $KERAS_MIMO_HOME answers now
    lines.clear()
    second = Deblurrer(tiny, jit_compile=False, log=lines.append).path
    assert lines == [] and second.precision == first.precision
    assert second.reason.startswith("fastest in a cached probe")


def test_auto_refuses_bf16_for_a_preset_it_measurably_hurts(
    tiny, monkeypatch, fresh_probe_cache
):
    monkeypatch.setattr(execution, "native_bf16", lambda backend: "avx512_bf16")
    copy = type(tiny).from_config(tiny.get_config())
    copy.preset_source = {"metadata": {"bfloat16_check": {"psnr_change_db": -0.2}}}
    path = Deblurrer(copy, jit_compile=False).path
    assert path.precision == "float32"
    assert f"limit {MAX_BF16_PSNR_CHANGE_DB}" in path.reason


def test_bf16_output_agrees_with_fp32_on_a_real_image(real_crop):
    """The shipped preset on a real blurry crop, in both precisions."""
    from keras_mimo import MIMOUNet

    model = MIMOUNet.from_preset("gopro")
    image = real_crop[None].astype(np.float32) / 255.0
    outputs = {
        p: Deblurrer(model, precision=p, jit_compile=False).predict(image)
        for p in ("float32", "bfloat16")
    }
    agreement = psnr(outputs["float32"], outputs["bfloat16"])
    assert agreement >= BF16_AGREEMENT_DB, agreement
