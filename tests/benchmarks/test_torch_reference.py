"""The plain PyTorch reference used by the benchmarks reproduces the official outputs."""

import importlib.util

import pytest

from tests.conftest import REFERENCE, ROOT, requires_shared

torch = pytest.importorskip("torch")


def _load_reference_module():
    path = ROOT / "benchmarks" / "torch_reference.py"
    spec = importlib.util.spec_from_file_location("torch_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@requires_shared
@pytest.mark.once
def test_reproduces_official_reference_outputs():
    reference = _load_reference_module()
    worst = reference.check_reference(
        REFERENCE / "mimo_unet_random_init.pkl",
        REFERENCE / "mimo_unet_reference_io.npz",
    )
    assert worst <= 1e-4


@requires_shared
@pytest.mark.once
def test_official_checkpoint_keys_load_strictly():
    reference = _load_reference_module()
    state = reference.read_official_state_dict(REFERENCE / "mimo_unet_random_init.pkl")
    model = reference.MIMOUNet.from_variant("mimo_unet")
    assert set(model.state_dict()) == set(state)
    assert sum(p.numel() for p in model.parameters()) == 6_807_171
    plus = reference.MIMOUNet.from_variant("mimo_unet_plus")
    assert sum(p.numel() for p in plus.parameters()) == 16_107_651
