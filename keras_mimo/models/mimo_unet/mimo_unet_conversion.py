"""Official PyTorch MIMO-UNet checkpoints -> Keras weights.

The official `state_dict` names every convolution `<module>.main.0.{weight,bias}`
(its `BasicConv`); this module maps each such module to the matching Keras
layer by name, with strict checking of keys and shapes.
"""

import os
import pathlib
import re

import numpy as np

from keras_mimo.models.mimo_unet.mimo_unet import MIMOUNet
from keras_mimo.utils.errors import OutputExistsError


class CheckpointError(ValueError):
    """A checkpoint cannot be read, or its tensors do not fit the model."""


_STAGES = {
    "Encoder.0": "encoder_full",
    "Encoder.1": "encoder_half",
    "Encoder.2": "encoder_quarter",
    "Decoder.0": "decoder_quarter",
    "Decoder.1": "decoder_half",
    "Decoder.2": "decoder_full",
}
_SINGLE = {
    "feat_extract.0": ("stem",),
    "feat_extract.1": ("down_half",),
    "feat_extract.2": ("down_quarter",),
    "feat_extract.3": ("up_half",),
    "feat_extract.4": ("up_full",),
    "feat_extract.5": ("head_full",),
    "Convs.0": ("merge_half",),
    "Convs.1": ("merge_full",),
    "ConvsOut.0": ("head_quarter",),
    "ConvsOut.1": ("head_half",),
    "AFFs.0.conv.0": ("fusion_full", "squeeze"),
    "AFFs.0.conv.1": ("fusion_full", "refine"),
    "AFFs.1.conv.0": ("fusion_half", "squeeze"),
    "AFFs.1.conv.1": ("fusion_half", "refine"),
    "FAM1.merge": ("attention_quarter", "merge"),
    "FAM2.merge": ("attention_half", "merge"),
}
for _scm, _name in (("SCM1", "scm_quarter"), ("SCM2", "scm_half")):
    for _i in range(4):
        _SINGLE[f"{_scm}.main.{_i}"] = (_name, f"conv_{_i}")
    _SINGLE[f"{_scm}.conv"] = (_name, "merge")


def official_module_map(num_res: int) -> dict[str, tuple[str, ...]]:
    """Official module prefix -> Keras path (layer name, then attributes)."""
    mapping = dict(_SINGLE)
    for prefix, name in _STAGES.items():
        for j in range(num_res):
            for k, part in enumerate(("conv_in", "conv_out")):
                mapping[f"{prefix}.layers.{j}.main.{k}"] = (name, f"block_{j}", part)
    return mapping


def _resolve(model, path):
    layer = model.get_layer(path[0])
    for part in path[1:]:
        if part.startswith("block_"):
            layer = layer.blocks[int(part.split("_")[1])]
        elif part.startswith("conv_") and part[5:].isdigit():
            layer = layer.body[int(part[5:])]
        else:
            layer = getattr(layer, part)
    return layer.conv


def read_state_dict(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Reads an official checkpoint safely (torch's weights-only unpickler).

    Accepts `{'model': state_dict}` (official), a training checkpoint with a
    `model` entry, or a bare state dict; zip and legacy torch formats alike.
    A `module.` prefix (DataParallel) is removed.
    """
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            "Converting an official checkpoint needs PyTorch: "
            "pip install 'keras-mimo[torch]' (torch==2.13.0)."
        ) from error
    path = pathlib.Path(path)
    if not path.is_file():
        raise CheckpointError(f"Checkpoint {path} does not exist.")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise CheckpointError(
            f"Cannot read checkpoint {path} with the weights-only loader "
            f"(corrupt, or not a plain-tensor checkpoint): {error}"
        ) from error
    if isinstance(data, dict) and isinstance(data.get("model"), dict):
        data = data["model"]
    if not isinstance(data, dict) or not data:
        raise CheckpointError(f"Checkpoint {path} holds no state dict.")
    state = {}
    for key, value in data.items():
        if not hasattr(value, "detach"):
            raise CheckpointError(f"Checkpoint {path}: entry {key!r} is not a tensor.")
        state[re.sub(r"^module\.", "", key)] = value.detach().cpu().numpy()
    return state


def detect_config(state: dict[str, np.ndarray]) -> dict:
    """`num_res`, `width`, `dropout` of the network a state dict belongs to."""
    blocks = {
        int(m.group(1))
        for k in state
        if (m := re.match(r"Encoder\.0\.layers\.(\d+)\.", k))
    }
    if not blocks or "feat_extract.0.main.0.weight" not in state:
        raise CheckpointError(
            "Not a MIMO-UNet state dict: no 'Encoder.0.layers.*' or "
            "'feat_extract.0.main.0.weight' keys."
        )
    num_res = max(blocks) + 1
    config = {
        "num_res": num_res,
        "width": int(state["feat_extract.0.main.0.weight"].shape[0]),
    }
    for variant in MIMOUNet.VARIANTS.values():
        if (variant["num_res"], variant["width"]) == (num_res, config["width"]):
            config["dropout"] = variant["dropout"]
            return config
    config["dropout"] = 0.0
    return config


def check_new_output(output_dir: str | os.PathLike) -> None:
    """Raises `OutputExistsError` if `output_dir` exists and is not an empty folder."""
    output_dir = pathlib.Path(output_dir)
    if output_dir.is_symlink() or (
        output_dir.exists() and (not output_dir.is_dir() or any(output_dir.iterdir()))
    ):
        raise OutputExistsError(output_dir)


def load_official_weights(model: MIMOUNet, state: dict[str, np.ndarray]) -> None:
    """Copies every official tensor into `model`; strict on keys and shapes."""
    expected = {}
    for prefix, path in official_module_map(model.num_res).items():
        conv = _resolve(model, path)
        expected[f"{prefix}.main.0.weight"] = (conv.kernel, True)
        expected[f"{prefix}.main.0.bias"] = (conv.bias, False)
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    if missing or extra:
        raise CheckpointError(
            "Checkpoint does not match the model "
            f"(num_res={model.num_res}, width={model.width}): "
            f"missing keys {missing[:10]}{' ...' if len(missing) > 10 else ''}; "
            f"unexpected keys {extra[:10]}{' ...' if len(extra) > 10 else ''}."
        )
    for key, (variable, is_kernel) in expected.items():
        value = state[key]
        wanted_rank = 4 if is_kernel else 1
        if value.ndim != wanted_rank:
            raise CheckpointError(
                f"Tensor {key!r} has shape {tuple(value.shape)} (rank {value.ndim}); "
                f"a {'kernel' if is_kernel else 'bias'} must have rank {wanted_rank}."
            )
        if not np.isfinite(value).all():
            raise CheckpointError(
                f"Tensor {key!r} holds NaN or infinite values: the checkpoint is "
                "corrupt or comes from a diverged run."
            )
        # torch conv [out, in, kh, kw] and conv-transpose [in, out, kh, kw] both
        # become Keras [kh, kw, *, *] by the same axis order.
        value = value.transpose(2, 3, 1, 0) if is_kernel else value
        if tuple(value.shape) != tuple(variable.shape):
            raise CheckpointError(
                f"Tensor {key!r} has shape {tuple(state[key].shape)}, which does "
                f"not fit Keras variable {variable.path} of shape {tuple(variable.shape)}."
            )
        variable.assign(value.astype("float32"))


def convert_checkpoint(
    checkpoint: str | os.PathLike,
    output_dir: str | os.PathLike | None = None,
    variant: str | None = None,
    overwrite: bool = False,
) -> MIMOUNet:
    """Converts an official checkpoint to a Keras model (and preset, if asked).

    The checkpoint is checked completely (keys, shapes, finite values) before
    anything is written.

    Args:
        checkpoint: `MIMO-UNet.pkl` / `MIMO-UNetPlus.pkl` from the authors.
        output_dir: where to write the preset directory, or None. It must not
            exist (an empty folder is fine) unless `overwrite`.
        variant: `"mimo_unet"` or `"mimo_unet_plus"`; checked against the keys.
        overwrite: replace an existing preset at `output_dir`. Even then a
            folder holding files that are not part of a preset is refused
            (`PresetError`) and nothing in it is deleted.

    Raises:
        CheckpointError: unreadable checkpoint, or tensors that do not fit.
        OutputExistsError: `output_dir` exists and `overwrite` is false.
        PresetError: `output_dir` holds files that are not a preset's.

    Example:
    >>> model = convert_checkpoint("MIMO-UNet.pkl", "presets/gopro_official")  # doctest: +SKIP
    """
    if output_dir is not None and not overwrite:
        check_new_output(output_dir)
    state = read_state_dict(checkpoint)
    config = detect_config(state)
    if variant is not None:
        if variant not in MIMOUNet.VARIANTS:
            raise CheckpointError(
                f"Unknown variant {variant!r}; known: {sorted(MIMOUNet.VARIANTS)}."
            )
        wanted = MIMOUNet.VARIANTS[variant]
        if (wanted["num_res"], wanted["width"]) != (config["num_res"], config["width"]):
            raise CheckpointError(
                f"{checkpoint} is num_res={config['num_res']}, width={config['width']}, "
                f"not the {variant!r} variant."
            )
        config = dict(wanted)
    model = MIMOUNet(**config)
    load_official_weights(model, state)
    if output_dir is not None:
        model.save_to_preset(
            output_dir,
            {
                "source": f"converted from official checkpoint {pathlib.Path(checkpoint).name}"
            },
        )
    return model
