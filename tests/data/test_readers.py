import os
import subprocess
import sys

import pytest

from keras_mimo.data import (
    DataError,
    ImagePair,
    folder_pairs,
    gopro_pairs,
    image_info,
    realblur_pairs,
    split_folder_pairs,
)
from tests.conftest import requires_shared
from tests.data.conftest import GOPRO_VAL, VAL_NAMES, real_crop, save

pytestmark = pytest.mark.once


def link(target, link_path):
    link_path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, link_path)


@requires_shared
def test_folder_pairs_on_real_data():
    pairs = folder_pairs(GOPRO_VAL / "blur", GOPRO_VAL / "sharp")
    assert len(pairs) == 6
    assert pairs[0] == ImagePair(
        str(GOPRO_VAL / "blur" / VAL_NAMES[0]),
        str(GOPRO_VAL / "sharp" / VAL_NAMES[0]),
        VAL_NAMES[0].removesuffix(".png"),
    )
    assert [p.name for p in pairs] == [n.removesuffix(".png") for n in VAL_NAMES]


@requires_shared
def test_gopro_layout(tmp_path):
    for split, sequences in (
        ("train", ["GOPR0372_07_00", "GOPR0374_11_00"]),
        ("test", ["GOPR0384_11_00"]),
    ):
        for sequence in sequences:
            for frame, name in enumerate(VAL_NAMES[:2], 1):
                base = tmp_path / "GOPRO_Large" / split / sequence
                link(GOPRO_VAL / "blur" / name, base / "blur" / f"{frame:06d}.png")
                link(
                    GOPRO_VAL / "blur" / name, base / "blur_gamma" / f"{frame:06d}.png"
                )
                link(GOPRO_VAL / "sharp" / name, base / "sharp" / f"{frame:06d}.png")
    root = tmp_path / "GOPRO_Large"
    train = gopro_pairs(root)
    assert [p.name for p in train] == [
        "GOPR0372_07_00/000001",
        "GOPR0372_07_00/000002",
        "GOPR0374_11_00/000001",
        "GOPR0374_11_00/000002",
    ]
    assert train[0].blur.endswith("GOPR0372_07_00/blur/000001.png")
    assert train[0].sharp.endswith("GOPR0372_07_00/sharp/000001.png")
    gamma = gopro_pairs(root, split="test", blur="blur_gamma")
    assert len(gamma) == 2 and "/blur_gamma/" in gamma[0].blur
    with pytest.raises(DataError, match="blur must be one of"):
        gopro_pairs(root, blur="blurry")
    with pytest.raises(DataError, match="split folder not found"):
        gopro_pairs(root, split="valid")


@requires_shared
def test_split_layout(tmp_path):
    for kind in ("blur", "sharp"):
        for name in VAL_NAMES[:3]:
            link(GOPRO_VAL / kind / name, tmp_path / "test" / kind / name)
    pairs = split_folder_pairs(tmp_path, "test")
    assert len(pairs) == 3 and pairs[2].name == VAL_NAMES[2].removesuffix(".png")
    with pytest.raises(DataError, match="split folder not found"):
        split_folder_pairs(tmp_path, "train")


@requires_shared
def test_realblur_list(tmp_path):
    for index, name in enumerate(VAL_NAMES[:2]):
        link(GOPRO_VAL / "sharp" / name, tmp_path / "scene1" / "gt" / f"gt_{index}.png")
        link(
            GOPRO_VAL / "blur" / name,
            tmp_path / "scene1" / "blur" / f"blur_{index}.png",
        )
    lines = [
        "# RealBlur-J style list",
        "scene1/gt/gt_0.png scene1/blur/blur_0.png",
        "",
        "scene1/gt/gt_1.png scene1/blur/blur_1.png",
    ]
    (tmp_path / "list.txt").write_text("\n".join(lines) + "\n")
    pairs = realblur_pairs(tmp_path / "list.txt")
    assert [p.name for p in pairs] == ["scene1/blur/blur_0", "scene1/blur/blur_1"]
    assert pairs[1].sharp == str(tmp_path / "scene1" / "gt" / "gt_1.png")
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "l.txt").write_text(lines[1] + "\n")
    assert len(realblur_pairs(tmp_path / "lists" / "l.txt", root=tmp_path)) == 1
    (tmp_path / "bad.txt").write_text("scene1/gt/gt_0.png\n")
    with pytest.raises(DataError, match=r"bad.txt:1: expected 'gt_path blur_path'"):
        realblur_pairs(tmp_path / "bad.txt")
    (tmp_path / "gone.txt").write_text("scene1/gt/gt_9.png scene1/blur/blur_0.png\n")
    with pytest.raises(DataError, match="gt_9.png: missing partner"):
        realblur_pairs(tmp_path / "gone.txt")
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(DataError, match="empty list file"):
        realblur_pairs(tmp_path / "empty.txt")


@requires_shared
def test_missing_partner(small_pairs):
    os.remove(small_pairs / "sharp" / "pair1.png")
    with pytest.raises(DataError, match=r"pair1.png: missing partner") as error:
        folder_pairs(small_pairs / "blur", small_pairs / "sharp")
    assert error.value.path == str(small_pairs / "blur" / "pair1.png")
    save(
        small_pairs / "sharp" / "pair1.png",
        real_crop(GOPRO_VAL / "sharp" / VAL_NAMES[0], 0, 0, 72, 96),
    )
    save(
        small_pairs / "sharp" / "extra.png",
        real_crop(GOPRO_VAL / "sharp" / VAL_NAMES[0], 0, 0, 72, 96),
    )
    with pytest.raises(DataError, match=r"sharp/extra.png: missing partner"):
        folder_pairs(small_pairs / "blur", small_pairs / "sharp")


@requires_shared
def test_size_mismatch(small_pairs):
    save(
        small_pairs / "sharp" / "pair2.png",
        real_crop(GOPRO_VAL / "sharp" / VAL_NAMES[0], 0, 0, 70, 96),
    )
    with pytest.raises(
        DataError, match=r"pair2.png: size mismatch, blur is 96x72 .* is 96x70"
    ):
        folder_pairs(small_pairs / "blur", small_pairs / "sharp")


def test_corrupt_and_truncated_files(small_pairs):
    (small_pairs / "blur" / "pair0.png").write_bytes(b"this is not a png")
    with pytest.raises(DataError, match=r"pair0.png: unreadable or corrupt image"):
        folder_pairs(small_pairs / "blur", small_pairs / "sharp")
    data = (small_pairs / "sharp" / "pair1.png").read_bytes()
    (small_pairs / "sharp" / "pair1.png").write_bytes(data[: len(data) // 2])
    image_info(small_pairs / "sharp" / "pair1.png")  # header is intact
    with pytest.raises(DataError, match="unreadable or corrupt"):
        image_info(small_pairs / "sharp" / "pair1.png", verify=True)


def test_empty_and_missing_folders(tmp_path):
    (tmp_path / "blur").mkdir()
    (tmp_path / "sharp").mkdir()
    (tmp_path / "blur" / "notes.txt").write_text("hi")
    with pytest.raises(
        DataError, match=r"blur: empty folder, no PNG/JPEG images \(only 1 other"
    ):
        folder_pairs(tmp_path / "blur", tmp_path / "sharp")
    with pytest.raises(DataError, match="folder not found"):
        folder_pairs(tmp_path / "nope", tmp_path / "sharp")
    (tmp_path / "GOPRO_Large" / "train").mkdir(parents=True)
    with pytest.raises(DataError, match="empty folder, no sequence folders"):
        gopro_pairs(tmp_path / "GOPRO_Large")


def test_alpha_refused_grayscale_accepted(tmp_path):
    from PIL import Image

    Image.new("RGBA", (8, 8)).save(tmp_path / "rgba.png")
    with pytest.raises(DataError, match="alpha channel"):
        image_info(tmp_path / "rgba.png")
    Image.new("L", (8, 8)).save(tmp_path / "grey.png")
    assert image_info(tmp_path / "grey.png").channels == 1


def test_readers_import_without_tensorflow_or_keras():
    code = (
        "import sys, keras_mimo.data as d; d.folder_pairs; d.gopro_pairs; d.DataError;"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]
