"""`--data PATH` without `KIND:`: the layout on disk names the kind."""

import shutil

import pytest

from keras_mimo.data import DataError, parse_source_spec
from keras_mimo.data.layouts import detect_layout
from tests.conftest import FIXTURES

pytestmark = pytest.mark.once
PAIRS = FIXTURES / "pairs"


def pair_folders(folder, blur_names=("blur",)):
    """`folder/{blur,sharp}/pair{0,1,2}.png` from the committed real crops."""
    for blur in blur_names:
        shutil.copytree(PAIRS / "blur", folder / blur)
    shutil.copytree(PAIRS / "sharp", folder / "sharp")
    return folder


def test_gopro_large(tmp_path):
    root = tmp_path / "GOPRO_Large"
    for split in ("train", "test"):
        pair_folders(root / split / "SEQ", ("blur", "blur_gamma"))
    assert detect_layout(root) == ("gopro", str(root))
    source, weight = parse_source_spec(f"{root}@0.5")
    assert source.tag == "gopro" and len(source) == 3 and weight == 0.5
    assert "/train/SEQ/blur/" in source.pairs[0].blur
    source, _ = parse_source_spec(f"{root}?split=test")
    assert "/test/SEQ/blur/" in source.pairs[0].blur


def test_split_folders(tmp_path):
    pair_folders(tmp_path / "train")
    pair_folders(tmp_path / "test")
    assert detect_layout(tmp_path) == ("split", str(tmp_path))
    source, _ = parse_source_spec(str(tmp_path), split="test")
    assert source.tag == "split" and len(source) == 3
    assert "/test/blur/" in source.pairs[0].blur


def test_one_split_is_enough(tmp_path):
    pair_folders(tmp_path / "test")
    assert detect_layout(tmp_path)[0] == "split"


def test_blur_and_sharp_folders(tmp_path):
    pair_folders(tmp_path)
    kind, argument = detect_layout(tmp_path)
    assert (kind, argument) == ("folders", f"{tmp_path / 'blur'},{tmp_path / 'sharp'}")
    source, weight = parse_source_spec(f"{tmp_path}@2")
    assert source.tag == "folders" and len(source) == 3 and weight == 2.0


def test_realblur_list_file(tmp_path):
    pair_folders(tmp_path)
    listing = tmp_path / "RealBlur_J_test_list.txt"
    listing.write_text(
        "sharp/pair0.png blur/pair0.png\nsharp/pair2.png blur/pair2.png\n"
    )
    assert detect_layout(listing) == ("realblur", str(listing))
    source, _ = parse_source_spec(str(listing))
    assert source.tag == "realblur" and len(source) == 2


def test_undetectable_folder_says_what_it_found_and_what_works(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataError) as error:
        parse_source_spec(str(tmp_path))
    message = str(error.value)
    assert "cannot tell the data layout" in message
    assert "notes.txt, photos/" in message
    for layout in (
        "GOPRO_Large",
        "DIR/{train,test}/{blur,sharp}/",
        "DIR/{blur,sharp}/",
    ):
        assert layout in message
    assert "RealBlur list file" in message and "synth_shake:DIR" in message


def test_empty_folder_and_half_a_layout(tmp_path):
    with pytest.raises(DataError, match=r"holds nothing \(empty folder\)"):
        detect_layout(tmp_path)
    (tmp_path / "blur").mkdir()
    with pytest.raises(DataError, match="holds blur/"):
        detect_layout(tmp_path)


def test_a_kind_prefix_still_wins_and_typos_are_caught(tmp_path):
    pair_folders(tmp_path)
    source, _ = parse_source_spec(f"folders:{tmp_path / 'blur'},{tmp_path / 'sharp'}")
    assert source.tag == "folders"
    with pytest.raises(DataError, match="unknown kind 'foldrs'"):
        parse_source_spec(f"foldrs:{tmp_path}")


def test_every_spec_kind_is_described():
    from keras_mimo.data.layouts import KIND_ARGUMENTS
    from keras_mimo.data.specs import KINDS

    assert tuple(KIND_ARGUMENTS) == KINDS
