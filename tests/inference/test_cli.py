import csv

import numpy as np
import pytest
from PIL import Image

from keras_mimo.cli import main
from keras_mimo.inference import read_image, write_image
from keras_mimo.metrics import psnr
from tests.conftest import requires_shared
from tests.test_case import to_numpy

from .conftest import BLUR_DIR, SHARP_DIR


@pytest.fixture
def inputs(tmp_path, real_crop):
    """A folder of 64x96 images: PNG, JPEG, 16-bit PNG, RGBA, one bad file."""
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(real_crop).save(folder / "a.png")
    Image.fromarray(real_crop).save(folder / "b.jpg", quality=95)
    write_image(folder / "c16.png", real_crop.astype(np.uint16) * 257)
    rgba = np.concatenate([real_crop, np.full((64, 96, 1), 7, np.uint8)], axis=-1)
    Image.fromarray(rgba).save(folder / "d_alpha.png")
    (folder / "bad.png").write_text("not an image")
    (folder / "notes.txt").write_text("ignored: not an image extension")
    return folder


def _no_temp_files(folder):
    return not [p for p in folder.rglob(".*")]


def test_deblur_folder_keeps_formats_and_reports_bad_files(
    inputs, tmp_path, tiny_preset, capsys
):
    out = tmp_path / "out"
    code = main(
        [
            "deblur",
            str(inputs),
            "-o",
            str(out),
            "--preset",
            str(tiny_preset),
            "--compare",
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert f"error: {inputs / 'bad.png'}: not an image file" in captured.err
    assert "Traceback" not in captured.err + captured.out
    png, jpeg = read_image(out / "a.png"), read_image(out / "b.jpg")
    assert png.format == "PNG" and png.pixels.shape == (64, 96, 3)
    assert jpeg.format == "JPEG" and jpeg.pixels.shape == (64, 96, 3)
    deep = read_image(out / "c16.png")
    assert deep.pixels.dtype == np.uint16 and deep.pixels.shape == (64, 96, 3)
    alpha = read_image(out / "d_alpha.png").pixels
    assert alpha.shape == (64, 96, 4) and (alpha[..., 3] == 7).all()
    compare = read_image(out / "a_compare.png").pixels
    assert compare.shape == (64, 2 * 96 + 8, 3)
    assert not (out / "bad.png").exists() and not (out / "notes.txt").exists()
    assert _no_temp_files(out)


def test_never_overwrites_an_input(inputs, tiny_preset, capsys):
    before = (inputs / "a.png").read_bytes()
    code = main(
        [
            "deblur",
            str(inputs / "a.png"),
            "-o",
            str(inputs / "a.png"),
            "--preset",
            str(tiny_preset),
        ]
    )
    assert code != 0
    assert "refusing to overwrite" in capsys.readouterr().err
    assert (inputs / "a.png").read_bytes() == before
    code = main(
        ["deblur", str(inputs), "-o", str(inputs), "--preset", str(tiny_preset)]
    )
    assert code != 0 and (inputs / "a.png").read_bytes() == before


def test_unwritable_outputs_are_reported(inputs, tmp_path, tiny_preset, capsys):
    out = tmp_path / "out"
    (out / "a.png").mkdir(parents=True)  # the output path is a directory
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    code = main(
        ["deblur", str(inputs / "a.png"), "-o", str(out), "--preset", str(tiny_preset)]
    )
    assert code == 1
    assert f"error: {out / 'a.png'}: is a directory" in capsys.readouterr().err
    code = main(
        [
            "deblur",
            str(inputs / "a.png"),
            "-o",
            str(blocker / "sub"),
            "--preset",
            str(tiny_preset),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "cannot create folder" in err


def test_single_file_to_named_output(inputs, tmp_path, tiny_preset):
    target = tmp_path / "result.jpg"
    assert (
        main(
            [
                "deblur",
                str(inputs / "a.png"),
                "-o",
                str(target),
                "--preset",
                str(tiny_preset),
                "-q",
            ]
        )
        == 0
    )
    assert read_image(target).format == "JPEG"


@pytest.mark.once
def test_missing_or_unknown_preset_is_a_clear_error(
    inputs, tmp_path, capsys, monkeypatch
):
    import keras_mimo

    # A wheel without the shipped preset (and none installed by the user):
    monkeypatch.delitem(keras_mimo.presets.REGISTRY, "gopro")
    code = main(
        ["deblur", str(inputs / "a.png"), "-o", str(tmp_path / "o"), "--preset", "nope"]
    )
    err = capsys.readouterr().err
    assert (
        code == 2 and "error: Unknown preset 'nope'" in err and "Known presets" in err
    )
    code = main(["deblur", str(inputs / "a.png"), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "default preset 'gopro'" in err and "Traceback" not in err
    code = main(["deblur", str(tmp_path / "missing.png"), "-o", str(tmp_path / "o")])
    assert code == 2 and "no such file" in capsys.readouterr().err


@pytest.fixture
def pairs(tmp_path):
    """Two 64x96 crops of real GoPro validation pairs."""
    root = tmp_path / "pairs"
    for sub, source in (("blur", BLUR_DIR), ("sharp", SHARP_DIR)):
        (root / sub).mkdir(parents=True)
        for path in sorted(source.glob("*.png"))[:2]:
            crop = np.asarray(Image.open(path))[320:384, 600:696]
            Image.fromarray(crop).save(root / sub / path.name)
    return root


@requires_shared
def test_evaluate_prints_and_writes_scores(pairs, tmp_path, tiny_preset, capsys):
    table = tmp_path / "scores.csv"
    code = main(
        [
            "evaluate",
            "--data",
            str(pairs),
            "--preset",
            str(tiny_preset),
            "--csv",
            str(table),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "input PSNR" in out and "mean of 2" in out
    rows = list(csv.DictReader(table.open()))
    assert [r["image"] for r in rows][-1] == "mean" and len(rows) == 3
    first = rows[0]
    blur = read_image(pairs / "blur" / first["image"]).pixels[None] / 255.0
    sharp = read_image(pairs / "sharp" / first["image"]).pixels[None] / 255.0
    expected = float(to_numpy(psnr(sharp, blur))[0])
    assert float(first["input_psnr"]) == pytest.approx(expected, abs=1e-4)
    for key in ("psnr", "ssim", "seconds"):
        assert np.isfinite(float(first[key]))
    assert 0 < float(first["ssim"]) <= 1

    # An existing table is kept (refused before any deblurring) ...
    written = table.read_bytes()
    argv = ["evaluate", "--data", str(pairs), "--preset", "x", "--csv", str(table)]
    assert main(argv) == 2
    assert f"{table} exists; pass --overwrite" in capsys.readouterr().err
    assert table.read_bytes() == written
    # ... and replaced with --overwrite.
    table.write_text("old")
    argv[4] = str(tiny_preset)
    assert main([*argv, "--overwrite", "-q"]) == 0
    assert table.read_text().startswith("image,width,height")


@requires_shared
@pytest.mark.once
def test_evaluate_reports_bad_pairs(pairs, tmp_path, capsys):
    name = sorted((pairs / "sharp").iterdir())[0]
    Image.new("RGB", (8, 8)).save(name)  # wrong size
    (pairs / "blur" / "lonely.png").write_bytes(
        (pairs / "blur" / name.name).read_bytes()
    )
    code = main(["evaluate", "--data", str(pairs), "--preset", "x"])
    assert code == 2 and "no sharp image" in capsys.readouterr().err
    (pairs / "blur" / "lonely.png").unlink()
    code = main(["evaluate", "--data", str(tmp_path / "nowhere"), "--preset", "x"])
    assert code == 2 and "no such folder" in capsys.readouterr().err


@requires_shared
def test_evaluate_size_mismatch_fails_that_pair(pairs, tiny_preset, capsys):
    name = sorted((pairs / "sharp").iterdir())[0]
    Image.new("RGB", (8, 8)).save(name)
    code = main(["evaluate", "--data", str(pairs), "--preset", str(tiny_preset), "-q"])
    captured = capsys.readouterr()
    assert code == 1 and "differs from the sharp image" in captured.err
    assert "mean of 1" in captured.out


def test_deblur_honours_and_prints_the_precision_and_mode(
    inputs, tmp_path, tiny_preset, capsys
):
    import keras

    code = main(
        [
            "deblur",
            str(inputs / "a.png"),
            "-o",
            str(tmp_path / "o.png"),
            "--preset",
            str(tiny_preset),
            "--precision",
            "bfloat16",
            "--jit-compile",
            "false",
        ]
    )
    out = capsys.readouterr().out
    backend = keras.config.backend()
    mode = {"tensorflow": "graph", "jax": "XLA", "torch": "eager"}[backend]
    assert code == 0
    assert f"Path: {backend} {mode}, bfloat16 (asked for); 96x64: whole image" in out
    assert read_image(tmp_path / "o.png").pixels.shape == (64, 96, 3)
    with pytest.raises(SystemExit) as exit_info:
        main(["deblur", str(inputs / "a.png"), "-o", "x", "--precision", "half"])
    assert exit_info.value.code == 2
