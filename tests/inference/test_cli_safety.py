"""`keras-mimo deblur` never replaces a file it was not asked to, and says what it skips."""

import os
import subprocess
import sys

import pytest
from PIL import Image

from keras_mimo.cli import main


@pytest.fixture
def folder(tmp_path, real_crop):
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(real_crop).save(folder / "a.png")
    return folder


def deblur(*args, preset):
    return main(["deblur", *map(str, args), "--preset", str(preset), "-q"])


def test_compare_picture_never_replaces_another_output(
    folder, real_crop, tmp_path, tiny_preset, capsys
):
    Image.fromarray(real_crop).save(folder / "a.jpg")  # a_compare.png twice
    Image.fromarray(real_crop).save(folder / "a_compare.png")  # an input's name
    out = tmp_path / "out"
    assert deblur(folder, "-o", out, "--compare", preset=tiny_preset) == 1
    err = capsys.readouterr().err
    assert (
        f"error: {folder / 'a.png'}: output {out / 'a_compare.png'} is also an "
        f"output of {folder / 'a.jpg'}"
    ) in err
    assert (
        f"error: {folder / 'a_compare.png'}: output {out / 'a_compare.png'} is also "
        f"an output of {folder / 'a.jpg'}"
    ) in err
    assert sorted(p.name for p in out.iterdir()) == ["a.jpg", "a_compare.png"]


def test_existing_outputs_need_overwrite(folder, tmp_path, tiny_preset, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.png").write_bytes(b"someone else's picture")
    assert deblur(folder, "-o", out, preset=tiny_preset) == 2  # nothing left to do
    assert capsys.readouterr().err.splitlines()[0] == (
        f"error: {folder / 'a.png'}: output {out / 'a.png'} exists; pass "
        "--overwrite to replace it"
    )
    assert (out / "a.png").read_bytes() == b"someone else's picture"
    assert deblur(folder, "-o", out, "--overwrite", preset=tiny_preset) == 0
    assert Image.open(out / "a.png").size == (96, 64)


def test_skipped_folder_entries_are_listed(
    folder, real_crop, tmp_path, tiny_preset, capsys
):
    frames = [Image.fromarray(real_crop), Image.fromarray(255 - real_crop)]
    frames[0].save(folder / "anim.gif", save_all=True, append_images=frames[1:])
    os.symlink("loop_b.png", folder / "loop_a.png")
    os.symlink("loop_a.png", folder / "loop_b.png")
    out = tmp_path / "out"
    assert deblur(folder, "-o", out, preset=tiny_preset) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"skipped: {folder / 'anim.gif'}: not a supported image type (.gif)",
        f"skipped: {folder / 'loop_a.png'}: broken or looping symbolic link",
        f"skipped: {folder / 'loop_b.png'}: broken or looping symbolic link",
    ]
    assert sorted(p.name for p in out.iterdir()) == ["a.png"]


def test_stale_temporaries_in_the_output_folder_are_removed(
    folder, tmp_path, tiny_preset
):
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    out = tmp_path / "out"
    out.mkdir()
    stale = out / f".img0.png.{process.pid}-abcdefgh.png"
    stale.write_bytes(b"half written before kill -9")
    assert deblur(folder, "-o", out, preset=tiny_preset) == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.png"]
