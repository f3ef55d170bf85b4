"""Export, TFRecord writing and data packing never delete foreign files."""

import importlib.util

import pytest

from keras_mimo.data import DataError, folder_pairs, write_tfrecords
from tests.conftest import DATA, ROOT, requires_shared
from tests.test_case import tiny_model

IMAGES = DATA / "gopro_val" / "blur"


def user_folder(path):
    path.mkdir(parents=True)
    (path / "keep.txt").write_text("mine")
    return path


@requires_shared
@pytest.mark.once
def test_tfrecords_overwrite_keeps_foreign_files(tmp_path):
    pairs = folder_pairs(DATA / "gopro_val" / "blur", DATA / "gopro_val" / "sharp")
    out = user_folder(tmp_path / "records")
    with pytest.raises(DataError) as caught:
        write_tfrecords(pairs[:1], out, overwrite=True)
    assert str(caught.value) == (
        f"{out}: refusing to replace it: it holds keep.txt, which is not part of "
        "a TFRecord folder. Move them away or choose another folder."
    )
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


@pytest.mark.once
def test_pack_device_data_keeps_foreign_files(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        "pack", ROOT / "training" / "pack_device_data.py"
    )
    pack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pack)
    out = user_folder(tmp_path / "home")
    assert pack.main(["--output", str(out)]) == 2
    assert "holds keep.txt, which is not part of packed data" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


@requires_shared
@pytest.mark.requires_backend("tensorflow")
def test_export_overwrite_keeps_foreign_files(tmp_path):
    from keras_mimo.export import export_model
    from keras_mimo.utils.errors import ForeignFilesError

    out = user_folder(tmp_path / "out")
    with pytest.raises(ForeignFilesError, match="keep.txt, which is not part of an"):
        export_model(
            tiny_model(),
            out,
            formats="tflite_float32",
            representative_images=IMAGES,
            verification_samples=1,
            overwrite=True,
        )
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@requires_shared
@pytest.mark.requires_backend("tensorflow")
def test_export_name_must_be_plain(tmp_path, monkeypatch):
    from keras_mimo.export import export_model
    from keras_mimo.utils.errors import UnsafePathError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnsafePathError) as caught:
        export_model(tiny_model(), name="../x", representative_images=IMAGES)
    assert str(caught.value) == (
        "export name '../x': must be a plain name, without folders, '..' or '/'"
    )
    assert list(tmp_path.iterdir()) == []


@requires_shared
@pytest.mark.requires_backend("tensorflow")
def test_export_cli_says_overwrite_flag(tmp_path, capsys):
    from keras_mimo.cli import main

    preset = tmp_path / "preset"
    tiny_model().save_to_preset(preset)
    out = user_folder(tmp_path / "out")
    code = main(["export", str(preset), str(out), "--images", str(IMAGES)])
    assert code == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"error: {out} exists; pass --overwrite to replace it"
    )
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
