import json
import pathlib

import numpy as np
import pytest
import tensorflow as tf

from keras_mimo.data import (
    CameraShakeSource,
    DataError,
    FilePairSource,
    TFRecordSource,
    folder_pairs,
    read_image_tensor,
    write_tfrecords,
)
from keras_mimo.data.tfrecords import parse_example
from keras_mimo.utils.files import sha256_file
from tests.conftest import requires_shared
from tests.data.conftest import SHARP, real_crop, save

pytestmark = pytest.mark.once


def test_round_trip_with_manifest(small_pairs, tmp_path):
    pairs = folder_pairs(small_pairs / "blur", small_pairs / "sharp")
    out = tmp_path / "records"
    manifest = write_tfrecords(FilePairSource(pairs, tag="gopro"), out, shards=2)
    assert manifest == json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "keras_mimo.tfrecord.v1" and manifest["count"] == 3
    assert manifest["sources"] == {"gopro": 3} and manifest["sizes"] == {"72x96": 3}
    assert [s["file"] for s in manifest["shards"]] == [
        "data-00000-of-00002.tfrecord",
        "data-00001-of-00002.tfrecord",
    ]
    assert [s["count"] for s in manifest["shards"]] == [2, 1]
    for shard in manifest["shards"]:
        assert shard["sha256"] == sha256_file(out / shard["file"])
        assert shard["bytes"] == (out / shard["file"]).stat().st_size
    assert "T" in manifest["created"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json"] + [s["file"] for s in manifest["shards"]]
    )  # no temporary files left

    # Records hold the original bytes and the fixed features.
    record = next(
        iter(tf.data.TFRecordDataset(str(out / manifest["shards"][0]["file"])))
    )
    features = {k: v.numpy() for k, v in parse_example(record).items()}
    assert features["blur"] == pathlib.Path(pairs[0].blur).read_bytes()
    assert features["sharp"] == pathlib.Path(pairs[0].sharp).read_bytes()
    assert (features["name"], features["source"]) == (b"pair0", b"gopro")
    assert (features["height"], features["width"], features["channels"]) == (72, 96, 3)

    source = TFRecordSource(out, verify_sha256=True)
    assert len(source) == 3
    decoded = {
        n.decode(): (b, s) for b, s, n in source.named_dataset().as_numpy_iterator()
    }
    for pair in pairs:
        np.testing.assert_array_equal(
            decoded[pair.name][0], read_image_tensor(pair.blur).numpy()
        )
        np.testing.assert_array_equal(
            decoded[pair.name][1], read_image_tensor(pair.sharp).numpy()
        )
    stream = source.named_dataset(seed=1, shuffle=True, repeat=True).take(30)
    names = [n for _, _, n in stream.as_numpy_iterator()]
    assert sorted(set(names)) == [b"pair0", b"pair1", b"pair2"]
    assert names == [
        n
        for _, _, n in source.named_dataset(seed=1, shuffle=True, repeat=True)
        .take(30)
        .as_numpy_iterator()
    ]


@requires_shared
def test_synthetic_source_16_bit(tmp_path):
    save(
        tmp_path / "sharp" / "a.png",
        real_crop(SHARP / "kodak24" / "kodim05.png", 0, 0, 40, 48),
    )
    source = CameraShakeSource(tmp_path / "sharp", kernel_size=9, num_examples=2)
    manifest = write_tfrecords(source, tmp_path / "out", count=3, png_bits=16)
    assert manifest["count"] == 3 and manifest["sources"] == {"synth_shake": 3}
    assert manifest["sizes"] == {"40x48": 3}
    record = next(
        iter(
            tf.data.TFRecordDataset(
                str(tmp_path / "out" / manifest["shards"][0]["file"])
            )
        )
    )
    blur = parse_example(record)["blur"].numpy()
    assert blur[:8] == b"\x89PNG\r\n\x1a\n" and blur[24] == 16  # IHDR bit depth


def test_bad_tfrecord_folders(small_pairs, tmp_path):
    pairs = folder_pairs(small_pairs / "blur", small_pairs / "sharp")
    out = tmp_path / "records"
    write_tfrecords(pairs, out, shards=2)
    with pytest.raises(DataError, match="not empty"):
        write_tfrecords(pairs, out)
    assert write_tfrecords(pairs, out, overwrite=True)["sources"] == {"folders": 3}
    shard = out / "data-00000-of-00001.tfrecord"
    data = bytearray(shard.read_bytes())
    data[-5] ^= 0xFF
    shard.write_bytes(bytes(data))
    TFRecordSource(out)  # same size: only the checksum can tell
    with pytest.raises(DataError, match="sha256 does not match"):
        TFRecordSource(out, verify_sha256=True)
    shard.write_bytes(bytes(data[:-10]))
    with pytest.raises(DataError, match="truncated"):
        TFRecordSource(out)
    shard.unlink()
    with pytest.raises(
        DataError, match="data-00000-of-00001.tfrecord: shard listed in .* is missing"
    ):
        TFRecordSource(out)
    (out / "manifest.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(DataError, match="unknown format 'other'"):
        TFRecordSource(out)
    with pytest.raises(DataError, match="no TFRecord manifest"):
        TFRecordSource(tmp_path)
