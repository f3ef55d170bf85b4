"""The file rules every writer follows: plain names, own files only, stale temporaries."""

import os
import subprocess
import sys
import time

import pytest

from keras_mimo.utils.errors import ForeignFilesError, UnsafePathError
from keras_mimo.utils.files import (
    atomic_directory,
    atomic_file,
    check_plain_name,
    path_inside,
    remove_stale_temporaries,
)
from keras_mimo.utils.preset_utils import PresetError
from tests.test_case import tiny_model

pytestmark = pytest.mark.once


def dead_pid() -> int:
    """The id of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize("name", ["../other", "/tmp/x", "a/b", "..", ".", "", "a\0b"])
def test_plain_name_refuses_paths(name):
    with pytest.raises(UnsafePathError, match="--name"):
        check_plain_name(name, "--name")


def test_plain_name_accepts_names():
    assert check_plain_name("gopro_v2.1", "--name") == "gopro_v2.1"


def test_path_inside_refuses_symlink_out(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "link.keras").symlink_to(tmp_path / "elsewhere.keras")
    with pytest.raises(UnsafePathError, match="leads out of"):
        path_inside(tmp_path / "run", "link.keras", "checkpoint")


def test_atomic_directory_never_replaces_foreign_files(tmp_path):
    target = tmp_path / "out"
    (target / "sub").mkdir(parents=True)
    (target / "notes.txt").write_text("mine")
    with pytest.raises(ForeignFilesError) as caught:
        with atomic_directory(target, {"manifest.json"}.__contains__, "an export"):
            raise AssertionError("must refuse before writing")
    assert str(caught.value) == (
        f"{target}: refusing to replace it: it holds notes.txt, sub, which are "
        "not part of an export. Move them away or choose another folder."
    )
    assert (target / "notes.txt").read_text() == "mine"
    assert (target / "sub").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_directory_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "out").write_text("a file")
    with pytest.raises(ForeignFilesError):
        with atomic_directory(tmp_path / "out", lambda name: True):
            pass
    assert (tmp_path / "out").read_text() == "a file"


def test_atomic_directory_replaces_its_own_files(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "manifest.json").write_text("old")
    with atomic_directory(target, {"manifest.json"}.__contains__) as tmp:
        (tmp / "manifest.json").write_text("new")
    assert (target / "manifest.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_save_to_preset_keeps_a_folder_with_other_files(tmp_path):
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    with pytest.raises(PresetError, match="thesis.tex, which is not part of a preset"):
        tiny_model().save_to_preset(folder)
    assert (folder / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.tex"]


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    pid = dead_pid()
    stale = [
        tmp_path / f".img0.png.{pid}-abcd_123.png",
        tmp_path / f".checkpoint-00005.keras.{pid}-k2j4h5g6.keras",
    ]
    for path in stale:
        path.write_bytes(b"half")
    (tmp_path / f".preset.{pid}-zzzzzzzz").mkdir()
    (tmp_path / f".preset.old-{pid}").mkdir()
    live = tmp_path / f".img1.png.{os.getpid()}-abcdefgh.png"
    live.write_bytes(b"being written")
    user_files = [
        tmp_path / ".config.settings",
        tmp_path / ".img0.png",
        tmp_path / "a.png",
    ]
    for path in user_files:
        path.write_text("user's")
    old = time.time() - 7200
    legacy = tmp_path / ".img2.png.q1w2e3r4.png"  # older naming, two hours old
    legacy.write_bytes(b"half")
    os.utime(legacy, (old, old))
    recent_legacy = tmp_path / ".img3.png.q1w2e3r4.png"
    recent_legacy.write_bytes(b"half")
    os.utime(user_files[0], (old, old))

    removed = remove_stale_temporaries(tmp_path)

    assert len(removed) == 5
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(
        [live.name, recent_legacy.name, *(p.name for p in user_files)]
    )


def test_atomic_file_names_its_temporary_with_the_pid(tmp_path):
    with atomic_file(tmp_path / "img.png") as tmp:
        assert tmp.name.startswith(f".img.png.{os.getpid()}-")
        assert tmp.suffix == ".png"
        tmp.write_bytes(b"x")
    assert (tmp_path / "img.png").read_bytes() == b"x"
