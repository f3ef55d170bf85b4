"""End-to-end tests of training/validate_data.py (TFDV dataset validation).

The script runs in its own virtualenv (.venv-tfdv: TF 2.16, numpy<2), so these
tests call it as a subprocess. Test datasets are small crops of the real GoPro
validation pairs, written in the keras_mimo.tfrecord.v1 format by a helper
here. The three pipeline scenarios run concurrently in one module fixture to
keep the Beam/TFDV start-up cost (~15 s each) down.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
import struct
import subprocess

import numpy as np
import pytest

from tests.conftest import DATA, requires_shared

ROOT = pathlib.Path(__file__).resolve().parents[2]
TFDV_PYTHON = ROOT / ".venv-tfdv" / "bin" / "python"
SCRIPT = ROOT / "training" / "validate_data.py"
GOPRO = DATA / "gopro_val"

pytestmark = [
    pytest.mark.once,
    pytest.mark.tfdv,
    pytest.mark.skipif(
        not TFDV_PYTHON.exists(), reason=f"TFDV virtualenv missing: {TFDV_PYTHON}"
    ),
    pytest.mark.skipif(not GOPRO.is_dir(), reason=f"shared data missing: {GOPRO}"),
]

tf = pytest.importorskip("tensorflow")


# --------------------------------------------------------------------------
# Test-data helpers
# --------------------------------------------------------------------------


def load_pair(index: int, height: int = 288, width: int = 320) -> tuple:
    """Crop (from the image centre) of the index-th real GoPro blur/sharp pair."""
    name = sorted(p.name for p in (GOPRO / "blur").glob("*.png"))[index]
    crops = []
    for side in ("blur", "sharp"):
        image = tf.io.decode_png(tf.io.read_file(str(GOPRO / side / name)), 3)
        top, left = (image.shape[0] - height) // 2, (image.shape[1] - width) // 2
        crops.append(image[top : top + height, left : left + width].numpy())
    return crops[0], crops[1]


def png(image: np.ndarray) -> bytes:
    """PNG bytes (8- or 16-bit depending on dtype)."""
    return tf.io.encode_png(image).numpy()


def jpeg(image: np.ndarray) -> bytes:
    """JPEG bytes, quality 95."""
    return tf.io.encode_jpeg(image, quality=95).numpy()


def png16(image: np.ndarray) -> bytes:
    """16-bit PNG of an 8-bit image."""
    return png(image.astype(np.uint16) * 257)


def gray(image: np.ndarray) -> np.ndarray:
    """Single-channel grayscale copy."""
    return tf.image.rgb_to_grayscale(image).numpy()


def image_shape(data: bytes) -> tuple[int, int, int]:
    """(height, width, channels) from a PNG or JPEG header."""
    if data.startswith(b"\x89PNG"):
        width, height = struct.unpack(">II", data[16:24])
        return height, width, {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}[data[25]]
    height, width, channels = tf.io.extract_jpeg_shape(data).numpy()
    return int(height), int(width), int(channels)


def _bytes(value: bytes) -> tf.train.Feature:
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))


def _int(value: int) -> tf.train.Feature:
    return tf.train.Feature(int64_list=tf.train.Int64List(value=[value]))


def write_records(
    directory: pathlib.Path, shards: list[list[tuple[str, bytes, bytes]]]
) -> dict:
    """Writes a keras_mimo.tfrecord.v1 dataset; returns its manifest dict."""
    directory.mkdir(parents=True)
    entries = []
    for i, pairs in enumerate(shards):
        file = f"data-{i:05d}-of-{len(shards):05d}.tfrecord"
        with tf.io.TFRecordWriter(str(directory / file)) as writer:
            for name, blur, sharp in pairs:
                height, width, channels = image_shape(sharp)  # as the writer does
                feature = {
                    "blur": _bytes(blur),
                    "sharp": _bytes(sharp),
                    "name": _bytes(name.encode()),
                    "source": _bytes(b"gopro_val"),
                    "height": _int(height),
                    "width": _int(width),
                    "channels": _int(channels),
                }
                example = tf.train.Example(features=tf.train.Features(feature=feature))
                writer.write(example.SerializeToString())
        data = (directory / file).read_bytes()
        entries.append(
            {
                "file": file,
                "count": len(pairs),
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    manifest = {
        "format": "keras_mimo.tfrecord.v1",
        "count": sum(e["count"] for e in entries),
        "shards": entries,
        "sources": {"gopro_val": sum(e["count"] for e in entries)},
        "sizes": {},
        "created": "2026-01-01T00:00:00+00:00",
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return manifest


def clean_dataset(directory: pathlib.Path) -> None:
    """Four good pairs in two shards: 8-bit PNG, 16-bit PNG and JPEG blur."""
    pairs = [load_pair(i) for i in range(4)]
    write_records(
        directory,
        [
            [("pair_0", png(pairs[0][0]), png(pairs[0][1]))],
            [
                ("pair_1", png16(pairs[1][0]), png16(pairs[1][1])),
                ("pair_2", jpeg(pairs[2][0]), png(pairs[2][1])),
                ("pair_3", png(pairs[3][0]), png16(pairs[3][1])),
            ],
        ],
    )


def dirty_dataset(directory: pathlib.Path) -> None:
    """One good pair plus one injected anomaly per example; a bad sha256."""
    blur, sharp = load_pair(0)
    small_blur, small_sharp = load_pair(1, 200, 240)
    write_records(
        directory,
        [
            [
                ("ok_pair", png(blur), png(sharp)),
                ("gray_pair", png(blur), png(gray(sharp))),
                ("mismatch_pair", png(blur), png(sharp[:, :300])),
            ],
            [
                ("identical_pair", png(sharp), png(sharp)),
                ("small_pair", png(small_blur), png(small_sharp)),
                ("broken_pair", png(blur)[:2000], png(sharp)),
            ],
        ],
    )
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["shards"][1]["sha256"] = "0" * 64
    (directory / "manifest.json").write_text(json.dumps(manifest))


def folder_dataset(directory: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """Blur/sharp folders: two pairs (one sharp with alpha) and an unpaired file."""
    blur_dir, sharp_dir = directory / "blur", directory / "sharp"
    blur_dir.mkdir(parents=True)
    sharp_dir.mkdir()
    for i in range(2):
        blur, sharp = load_pair(i + 2)
        if i == 1:
            sharp = np.concatenate([sharp, np.full_like(sharp[..., :1], 255)], -1)
        (blur_dir / f"frame_{i}.png").write_bytes(png(blur))
        (sharp_dir / f"frame_{i}.png").write_bytes(png(sharp))
    (blur_dir / "lonely.png").write_bytes(png(blur))
    return blur_dir, sharp_dir


# --------------------------------------------------------------------------
# Running the script
# --------------------------------------------------------------------------


def command(*args: str) -> list[str]:
    """Command line running the script in the TFDV venv on one DirectRunner worker."""
    return [str(TFDV_PYTHON), str(SCRIPT), *args, "--direct_num_workers=1"]


def start(*args: str) -> subprocess.Popen:
    """Starts the script; stdout/stderr captured as text."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.Popen(
        command(*args),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """Runs the clean, dirty and folder scenarios concurrently."""
    base = tmp_path_factory.mktemp("validate_data")
    clean_dataset(base / "clean")
    dirty_dataset(base / "dirty")
    blur_dir, sharp_dir = folder_dataset(base / "folders")
    scenarios = {
        "clean": ["--data", str(base / "clean")],
        "dirty": ["--data", str(base / "dirty")],
        "folder": [
            "--blur-dir",
            str(blur_dir),
            "--sharp-dir",
            str(sharp_dir),
            "--infer-schema",
            str(base / "inferred.pbtxt"),
        ],
    }
    procs = {
        key: start(*args, "--output", str(base / f"out_{key}"))
        for key, args in scenarios.items()
    }
    results = {}
    for key, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        results[key] = {
            "rc": proc.returncode,
            "stdout": stdout,
            "stderr": stderr,
            "out": base / f"out_{key}",
        }
    results["inferred"] = base / "inferred.pbtxt"
    return results


def anomalies(run: dict) -> dict[str, list[str]]:
    """Custom check name -> example names, from anomalies.json."""
    result = json.loads((run["out"] / "anomalies.json").read_text())
    return {
        c["check"]: [e["example"] for e in c["examples"]]
        for c in result["custom_anomalies"]
    }


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


@requires_shared
def test_clean_dataset_passes_and_writes_stats_and_report(runs):
    run = runs["clean"]
    assert run["rc"] == 0, run["stdout"] + run["stderr"][-3000:]
    assert run["stdout"].startswith("CLEAN: 4 examples")
    out = run["out"]
    for name in ("stats.pb", "stats.pbtxt", "anomalies.pbtxt", "report.html"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = json.loads((out / "anomalies.json").read_text())
    assert result["clean"] and result["num_examples"] == 4
    assert not result["custom_anomalies"] and not result["schema_anomalies"]
    stats = (out / "stats.pbtxt").read_text()
    assert "num_examples: 4" in stats and 'step: "psnr"' in stats
    report = (out / "report.html").read_text()
    assert re.search(r"blur_bit_depth</td>.*?max 16 ", report)  # 16-bit PNG seen
    assert "jpeg (1)" in report  # the JPEG blur image


@requires_shared
def test_injected_anomalies_are_caught_and_name_the_examples(runs):
    run = runs["dirty"]
    assert run["rc"] == 1, run["stdout"] + run["stderr"][-3000:]
    found = anomalies(run)
    assert found["grayscale"] == ["gray_pair"]
    assert found["size_mismatch"] == ["mismatch_pair"]
    assert found["near_identical"] == ["identical_pair"]
    assert found["too_small"] == ["small_pair"]
    assert found["undecodable"] == ["broken_pair"]
    assert found["manifest_sha256"] == ["data-00001-of-00002.tfrecord"]
    assert "ok_pair" not in str(found)
    for name in ("gray_pair", "mismatch_pair", "identical_pair", "small_pair"):
        assert name in run["stdout"]
    schema_features = {
        a["feature"]
        for a in json.loads((run["out"] / "anomalies.json").read_text())[
            "schema_anomalies"
        ]
    }
    assert {"sharp_channels", "sizes_match"} <= schema_features
    pbtxt = (run["out"] / "anomalies.pbtxt").read_text()
    assert "custom:near_identical" in pbtxt and "CUSTOM_VALIDATION" in pbtxt


@requires_shared
def test_folder_pairs_and_schema_inference(runs):
    run = runs["folder"]
    assert run["rc"] == 1, run["stdout"] + run["stderr"][-3000:]
    found = anomalies(run)
    assert found == {"alpha": ["frame_1.png"], "unpaired_file": ["lonely.png"]}
    assert "num_examples: 2" in (run["out"] / "stats.pbtxt").read_text()
    schema = runs["inferred"].read_text()
    assert 'name: "blur_format"' in schema and 'value: "jpeg"' in schema


@requires_shared
def test_usage_errors_exit_2():
    fast = subprocess.run(command("--output", "x"), capture_output=True, text=True)
    assert fast.returncode == 2 and "--data" in fast.stderr
    bogus = subprocess.run(
        command("--data", str(GOPRO), "--output", "x", "--no_such_option=1"),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bogus.returncode == 2 and "--no_such_option" in bogus.stderr
