import numpy as np
import pytest

from keras_mimo import CheckpointError, MIMOUNet, convert_checkpoint, multiscale_loss
from keras_mimo.cli import main as cli_main
from keras_mimo.models.mimo_unet.mimo_unet_conversion import read_state_dict
from tests.conftest import REFERENCE, requires_shared
from tests.test_case import TestCase, to_numpy

torch = pytest.importorskip("torch")
pytestmark = requires_shared  # the official-format reference checkpoint
CHECKPOINT = REFERENCE / "mimo_unet_random_init.pkl"


def official_shapes(section: str) -> dict[str, tuple]:
    """Key -> shape for one variant from the official key listing."""
    shapes, current = {}, None
    for line in (REFERENCE / "official_state_dict_keys.txt").read_text().splitlines():
        if line.startswith("#"):
            current = line
        elif line.strip() and section in current:
            key, shape = line.split("\t")
            shapes[key] = tuple(
                int(d) for d in shape.strip("(,)").split(",") if d.strip()
            )
    return shapes


def save_state(tmp_path, state, name="ckpt.pkl", **kwargs):
    path = tmp_path / name
    torch.save({"model": state}, path, **kwargs)
    return path


class TestConversion(TestCase):
    @pytest.mark.parametrize("case", ["a", "b"])
    def test_reproduces_official_outputs(self, reference_model, reference_io, case):
        outputs = reference_model(reference_io[f"input_{case}"])
        for scale, output in enumerate(outputs):
            expected = reference_io[f"output_{case}_{scale}"]
            assert np.abs(to_numpy(output) - expected).max() <= 1e-4

    def test_reproduces_official_loss(self, reference_io):
        outputs = [reference_io[f"output_a_{k}"] for k in range(3)]
        terms = multiscale_loss(reference_io["label_a"], outputs)
        for name in ("content", "frequency", "total"):
            expected = float(reference_io[f"loss_{name}"])
            assert abs(float(terms[name]) - expected) <= 1e-4 * abs(expected)

    def test_official_key_listing_matches_model(self):
        state = read_state_dict(CHECKPOINT)
        assert {k: v.shape for k, v in state.items()} == official_shapes("(num_res=8)")

    def test_legacy_format_and_bare_state_dict(self, tmp_path, reference_io):
        state = torch.load(CHECKPOINT, weights_only=True)["model"]
        legacy = tmp_path / "legacy.pkl"
        torch.save(state, legacy, _use_new_zipfile_serialization=False)
        model = convert_checkpoint(legacy)
        out = to_numpy(model(reference_io["input_b"])[-1])
        assert np.abs(out - reference_io["output_b_2"]).max() <= 1e-4

    def test_detects_plus_variant(self, tmp_path):
        shapes = official_shapes("MIMO-UNet+")
        state = {k: torch.zeros(s) for k, s in shapes.items()}
        model = convert_checkpoint(save_state(tmp_path, state))
        assert model.variant == "mimo_unet_plus"
        assert model.count_params() == 16_107_651
        with pytest.raises(CheckpointError, match="not the 'mimo_unet' variant"):
            convert_checkpoint(save_state(tmp_path, state), variant="mimo_unet")

    @pytest.mark.parametrize(
        "edit,message",
        [
            (
                lambda s: s.pop("FAM1.merge.main.0.bias"),
                "missing keys.*FAM1.merge.main.0.bias",
            ),
            (
                lambda s: s.update({"extra.weight": torch.zeros(1)}),
                "unexpected keys.*extra.weight",
            ),
            (
                lambda s: s.update(
                    {"SCM2.conv.main.0.weight": torch.zeros(64, 64, 3, 3)}
                ),
                "SCM2.conv.main.0.weight.*shape",
            ),
        ],
    )
    def test_strict_checking(self, tmp_path, edit, message):
        state = torch.load(CHECKPOINT, weights_only=True)["model"]
        edit(state)
        with pytest.raises(CheckpointError, match=message):
            convert_checkpoint(save_state(tmp_path, state))

    def test_refuses_checkpoint_that_runs_code(self, tmp_path):
        path = tmp_path / "evil.pkl"
        torch.save({"model": {"x": torch.zeros(1)}, "hook": _Payload()}, path)
        with pytest.raises(CheckpointError, match="weights-only"):
            convert_checkpoint(path)

    def test_cli_convert_writes_loadable_preset(self, tmp_path, reference_io, capsys):
        assert cli_main(["convert", str(CHECKPOINT), str(tmp_path / "p")]) == 0
        model = MIMOUNet.from_preset(tmp_path / "p")
        out = to_numpy(model(reference_io["input_a"])[-1])
        assert np.abs(out - reference_io["output_a_2"]).max() <= 1e-4
        assert "6,807,171" in capsys.readouterr().out

    def test_cli_convert_installs_named_preset(self):
        assert cli_main(["convert", str(CHECKPOINT), "--name", "official"]) == 0
        model = MIMOUNet.from_preset("official")
        assert model.preset_source["origin"] == "user"

    def test_cli_convert_reports_bad_checkpoint(self, tmp_path, capsys):
        bad = tmp_path / "bad.pkl"
        bad.write_bytes(b"not a checkpoint")
        assert cli_main(["convert", str(bad), str(tmp_path / "out")]) == 1
        assert "bad.pkl" in capsys.readouterr().err
        assert not (tmp_path / "out").exists()


class _Payload:
    def __reduce__(self):
        return (print, ("this must never run",))
