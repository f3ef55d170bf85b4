"""Plain PyTorch (eager, NCHW) MIMO-UNet: the speed and accuracy reference.

Written from the architecture description in the project SPEC, with the
official module names (`feat_extract`, `Encoder`, `Decoder`, `Convs`,
`ConvsOut`, `AFFs`, `FAM1/2`, `SCM1/2`, each convolution a `BasicConv` whose
`main` is an `nn.Sequential`), so an official checkpoint loads with
`load_state_dict(strict=True)`.

Use it as a script:

    python benchmarks/torch_reference.py --check            # reproduce reference IO
    python benchmarks/torch_reference.py --checkpoint MIMO-UNet.pkl --check

or import it from another benchmark (run from the repository root, or put
`benchmarks/` on `sys.path`):

    from benchmarks.torch_reference import MIMOUNet, load_official
    model = MIMOUNet.from_variant("mimo_unet")          # random init
    model = load_official("MIMO-UNet.pkl")              # official weights
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys

import torch
import torch.nn.functional as F
from torch import nn

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = pathlib.Path(os.environ.get("KERAS_MIMO_SHARED", ROOT.parent / "shared"))
REFERENCE = SHARED / "reference"

VARIANTS = {
    "mimo_unet": {"num_res": 8, "width": 32, "dropout": 0.0},
    "mimo_unet_plus": {"num_res": 20, "width": 32, "dropout": 0.1},
}


class BasicConv(nn.Module):
    """Conv (padding k//2) or 4x4/s2 transposed conv (padding 1), bias, optional ReLU."""

    def __init__(self, cin, cout, kernel, stride=1, relu=True, transpose=False):
        super().__init__()
        if transpose:
            conv = nn.ConvTranspose2d(
                cin, cout, kernel, stride=stride, padding=kernel // 2 - 1
            )
        else:
            conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2)
        layers = [conv, nn.ReLU(inplace=True)] if relu else [conv]
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x)


class ResBlock(nn.Module):
    """x + Conv3(Conv3_relu(x))."""

    def __init__(self, channels):
        super().__init__()
        self.main = nn.Sequential(
            BasicConv(channels, channels, 3),
            BasicConv(channels, channels, 3, relu=False),
        )

    def forward(self, x):
        return self.main(x) + x


class ResStage(nn.Module):
    """`num_res` ResBlocks (the official EBlock / DBlock)."""

    def __init__(self, channels, num_res):
        super().__init__()
        self.layers = nn.Sequential(*[ResBlock(channels) for _ in range(num_res)])

    def forward(self, x):
        return self.layers(x)


class SCM(nn.Module):
    """Shallow convolutional module: image -> `planes` features (image kept)."""

    def __init__(self, planes):
        super().__init__()
        self.main = nn.Sequential(
            BasicConv(3, planes // 4, 3),
            BasicConv(planes // 4, planes // 2, 1),
            BasicConv(planes // 2, planes // 2, 3),
            BasicConv(planes // 2, planes - 3, 1),
        )
        self.conv = BasicConv(planes, planes, 1, relu=False)

    def forward(self, x):
        return self.conv(torch.cat([x, self.main(x)], dim=1))


class FAM(nn.Module):
    """Feature attention: x1 + Conv3(x1 * x2)."""

    def __init__(self, channels):
        super().__init__()
        self.merge = BasicConv(channels, channels, 3, relu=False)

    def forward(self, x1, x2):
        return x1 + self.merge(x1 * x2)


class AFF(nn.Module):
    """Asymmetric feature fusion: Conv3(Conv1_relu(cat[a, b, c]))."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Sequential(
            BasicConv(cin, cout, 1), BasicConv(cout, cout, 3, relu=False)
        )

    def forward(self, a, b, c):
        return self.conv(torch.cat([a, b, c], dim=1))


def down(x):
    """Nearest x1/2 (official `F.interpolate(x, scale_factor=0.5)`)."""
    return F.interpolate(x, scale_factor=0.5)


def up(x):
    """Nearest x2 (official `F.interpolate(x, scale_factor=2)`)."""
    return F.interpolate(x, scale_factor=2)


class MIMOUNet(nn.Module):
    """MIMO-UNet (num_res=8) / MIMO-UNet+ (num_res=20, dropout=0.1), NCHW.

    `forward(x)` takes a float image batch in [0, 1], H and W divisible by 4,
    and returns `[1/4, 1/2, full]` scale outputs.

    Example:
    >>> model = MIMOUNet(num_res=1, width=8)
    >>> [tuple(o.shape) for o in model(torch.zeros(1, 3, 16, 16))]
    [(1, 3, 4, 4), (1, 3, 8, 8), (1, 3, 16, 16)]
    """

    def __init__(self, num_res=8, width=32, dropout=0.0):
        super().__init__()
        c = width
        self.feat_extract = nn.ModuleList(
            [
                BasicConv(3, c, 3),
                BasicConv(c, 2 * c, 3, stride=2),
                BasicConv(2 * c, 4 * c, 3, stride=2),
                BasicConv(4 * c, 2 * c, 4, stride=2, transpose=True),
                BasicConv(2 * c, c, 4, stride=2, transpose=True),
                BasicConv(c, 3, 3, relu=False),
            ]
        )
        self.Encoder = nn.ModuleList(
            [ResStage(c, num_res), ResStage(2 * c, num_res), ResStage(4 * c, num_res)]
        )
        self.Decoder = nn.ModuleList(
            [ResStage(4 * c, num_res), ResStage(2 * c, num_res), ResStage(c, num_res)]
        )
        self.Convs = nn.ModuleList([BasicConv(4 * c, 2 * c, 1), BasicConv(2 * c, c, 1)])
        self.ConvsOut = nn.ModuleList(
            [BasicConv(4 * c, 3, 3, relu=False), BasicConv(2 * c, 3, 3, relu=False)]
        )
        self.AFFs = nn.ModuleList([AFF(7 * c, c), AFF(7 * c, 2 * c)])
        self.FAM1 = FAM(4 * c)
        self.SCM1 = SCM(4 * c)
        self.FAM2 = FAM(2 * c)
        self.SCM2 = SCM(2 * c)
        self.drop1 = nn.Dropout2d(dropout) if dropout else nn.Identity()
        self.drop2 = nn.Dropout2d(dropout) if dropout else nn.Identity()

    @classmethod
    def from_variant(cls, variant: str) -> MIMOUNet:
        """Random-init `"mimo_unet"` or `"mimo_unet_plus"`."""
        return cls(**VARIANTS[variant])

    def forward(self, x):
        x2 = down(x)
        x4 = down(x2)
        z2 = self.SCM2(x2)
        z4 = self.SCM1(x4)

        res1 = self.Encoder[0](self.feat_extract[0](x))
        z = self.FAM2(self.feat_extract[1](res1), z2)
        res2 = self.Encoder[1](z)
        z = self.FAM1(self.feat_extract[2](res2), z4)
        z = self.Encoder[2](z)

        z42 = up(z)
        skip2 = self.drop2(self.AFFs[1](down(res1), res2, z42))
        skip1 = self.drop1(self.AFFs[0](res1, up(res2), up(z42)))
        del res1, res2, z42

        z = self.Decoder[0](z)
        out4 = self.ConvsOut[0](z) + x4
        z = self.feat_extract[3](z)
        z = self.Decoder[1](self.Convs[0](torch.cat([z, skip2], dim=1)))
        out2 = self.ConvsOut[1](z) + x2
        z = self.feat_extract[4](z)
        z = self.Decoder[2](self.Convs[1](torch.cat([z, skip1], dim=1)))
        out1 = self.feat_extract[5](z) + x
        return [out4, out2, out1]


def read_official_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Official `{'model': state_dict}` (or a bare state dict), weights-only load."""
    data = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(data, dict) and isinstance(data.get("model"), dict):
        data = data["model"]
    return {k.removeprefix("module."): v for k, v in data.items()}


def load_official(path: str | os.PathLike) -> MIMOUNet:
    """Builds the variant the checkpoint belongs to and loads it (strict keys)."""
    state = read_official_state_dict(path)
    num_res = 1 + max(
        int(k.split(".")[3]) for k in state if k.startswith("Encoder.0.layers.")
    )
    width = state["feat_extract.0.main.0.weight"].shape[0]
    dropout = 0.1 if num_res == 20 else 0.0
    model = MIMOUNet(num_res=num_res, width=width, dropout=dropout)
    model.load_state_dict(state, strict=True)
    return model.eval()


def check_reference(
    checkpoint: str | os.PathLike | None = None,
    reference_io: str | os.PathLike | None = None,
) -> float:
    """Max abs error of this implementation against the official reference IO."""
    import numpy as np

    checkpoint = checkpoint or REFERENCE / "mimo_unet_random_init.pkl"
    data = np.load(reference_io or REFERENCE / "mimo_unet_reference_io.npz")
    model = load_official(checkpoint)
    worst = 0.0
    with torch.no_grad():
        for case in ("a", "b"):
            outputs = model(torch.from_numpy(data[f"input_{case}"]))
            for i, out in enumerate(outputs):
                err = float(np.abs(out.numpy() - data[f"output_{case}_{i}"]).max())
                print(f"output_{case}_{i} {tuple(out.shape)}: max abs err {err:.3g}")
                worst = max(worst, err)
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", help="official .pkl (default: reference)")
    parser.add_argument(
        "--check", action="store_true", help="reproduce the reference outputs"
    )
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args(argv)
    if args.check:
        worst = check_reference(args.checkpoint)
        ok = worst <= args.tolerance
        print(
            f"max abs err {worst:.3g} ({'OK' if ok else 'FAIL'}, tol {args.tolerance})"
        )
        return 0 if ok else 1
    model = load_official(args.checkpoint or REFERENCE / "mimo_unet_random_init.pkl")
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
