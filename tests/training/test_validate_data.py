"""End-to-end tests of training/validate_data.py (TFDV dataset validation).

The validator runs in its own virtualenv (.venv-tfdv: TF 2.16, numpy<2), so
these tests call it as a subprocess. The TFRecord datasets are written by
`keras_mimo.data.write_tfrecords` itself, from small crops of the real GoPro
validation pairs saved as files; the anomalies are in those files, or made
afterwards to the shards and manifest. The three pipeline scenarios run
concurrently in one module fixture to keep the Beam/TFDV start-up cost
(~15 s each) down.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

from keras_mimo.data import ImagePair, write_tfrecords
from keras_mimo.data import tfrecord_format as fmt
from tests.conftest import DATA, requires_shared

ROOT = pathlib.Path(__file__).resolve().parents[2]
TFDV_PYTHON = ROOT / ".venv-tfdv" / "bin" / "python"
SCRIPT = ROOT / "training" / "validate_data.py"
GOPRO = DATA / "gopro_val"

needs_gopro = pytest.mark.skipif(
    not GOPRO.is_dir(), reason=f"shared data missing: {GOPRO}"
)
_tfdv_marks = (
    pytest.mark.tfdv,
    pytest.mark.skipif(
        not TFDV_PYTHON.exists(), reason=f"TFDV virtualenv missing: {TFDV_PYTHON}"
    ),
    needs_gopro,
)


def needs_tfdv(test):
    """Marks a test that runs the validator (TFDV venv and GoPro crops)."""
    for mark in _tfdv_marks:
        test = mark(test)
    return test


pytestmark = [pytest.mark.once]

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


def save_pairs(
    directory: pathlib.Path, pairs: list[tuple[str, bytes, bytes]]
) -> list[ImagePair]:
    """Writes each (name, blur, sharp) as two files; returns their `ImagePair`s."""
    result = []
    for name, blur, sharp in pairs:
        paths = []
        for side, data in (("blur", blur), ("sharp", sharp)):
            suffix = ".jpg" if data.startswith(b"\xff\xd8") else ".png"
            path = directory / side / f"{name}{suffix}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            paths.append(str(path))
        result.append(ImagePair(blur=paths[0], sharp=paths[1], name=name))
    return result


def tfrecord_dataset(
    directory: pathlib.Path, pairs: list[tuple[str, bytes, bytes]], shards: int
) -> pathlib.Path:
    """`write_tfrecords` output of the pairs (dealt round-robin to the shards)."""
    records = directory / "records"
    write_tfrecords(save_pairs(directory / "files", pairs), records, shards=shards)
    return records


def clean_dataset(directory: pathlib.Path) -> pathlib.Path:
    """Four good pairs in two shards: 8-bit PNG, 16-bit PNG and JPEG blur."""
    pairs = [load_pair(i) for i in range(4)]
    return tfrecord_dataset(
        directory,
        [
            ("pair_0", png(pairs[0][0]), png(pairs[0][1])),
            ("pair_1", png16(pairs[1][0]), png16(pairs[1][1])),
            ("pair_2", jpeg(pairs[2][0]), png(pairs[2][1])),
            ("pair_3", png(pairs[3][0]), png16(pairs[3][1])),
        ],
        shards=2,
    )


def dirty_dataset(directory: pathlib.Path) -> pathlib.Path:
    """Injected anomalies in three shards.

    Round-robin puts ok/identical/broken in shard 0, gray/small in shard 1
    (whose sha256 is then wrong in the manifest) and the two lost pairs in
    shard 2, which is then truncated inside its first record.
    """
    blur, sharp = load_pair(0)
    small_blur, small_sharp = load_pair(1, 200, 240)
    lost_blur, lost_sharp = load_pair(2)
    records = tfrecord_dataset(
        directory,
        [
            ("ok_pair", png(blur), png(sharp)),
            ("gray_pair", png(blur), png(gray(sharp))),
            ("lost_pair_a", png(lost_blur), png(lost_sharp)),
            ("identical_pair", png(sharp), png(sharp)),
            ("small_pair", png(small_blur), png(small_sharp)),
            ("lost_pair_b", png(lost_sharp), png(lost_blur)),
            ("broken_pair", png(blur)[:2000], png(sharp)),
        ],
        shards=3,
    )
    manifest = json.loads((records / fmt.MANIFEST).read_text())
    assert [s["count"] for s in manifest["shards"]] == [3, 2, 2]
    manifest["shards"][1]["sha256"] = "0" * 64
    (records / fmt.MANIFEST).write_text(json.dumps(manifest))
    lost = records / fmt.shard_name(2, 3)
    lost.write_bytes(lost.read_bytes()[:100])
    return records


def folder_dataset(directory: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """Blur/sharp folders: a good pair, an alpha sharp, a size mismatch, a lone file.

    `write_tfrecords` refuses the alpha and mismatched pairs, so they are
    checked here, where a raw dataset would show them.
    """
    blur_dir, sharp_dir = directory / "blur", directory / "sharp"
    blur_dir.mkdir(parents=True)
    sharp_dir.mkdir()
    for i in range(3):
        blur, sharp = load_pair(i + 2)
        if i == 1:
            sharp = np.concatenate([sharp, np.full_like(sharp[..., :1], 255)], -1)
        if i == 2:
            sharp = sharp[:, :300]
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


def start(cwd: pathlib.Path, *args: str) -> subprocess.Popen:
    """Starts the script in `cwd`; stdout/stderr captured as text."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.Popen(
        command(*args),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """Runs the clean, dirty and folder scenarios concurrently.

    They run outside the repository; the dirty one in Beam's multi-processing
    mode, whose worker process imports neither this package nor keras_mimo:
    the pipeline must ship their code to it.
    """
    base = tmp_path_factory.mktemp("validate_data")
    clean = clean_dataset(base / "clean")
    dirty = dirty_dataset(base / "dirty")
    blur_dir, sharp_dir = folder_dataset(base / "folders")
    scenarios = {
        "clean": ["--data", str(clean)],
        "dirty": ["--data", str(dirty), "--direct_running_mode=multi_processing"],
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
        key: start(base, *args, "--output", str(base / f"out_{key}"))
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


def result_json(run: dict) -> dict:
    """The run's anomalies.json."""
    return json.loads((run["out"] / "anomalies.json").read_text())


def anomalies(run: dict) -> dict[str, list[str]]:
    """Custom check name -> example names, from anomalies.json."""
    return {
        c["check"]: [e["example"] for e in c["examples"]]
        for c in result_json(run)["custom_anomalies"]
    }


def schema_features(run: dict) -> set[str]:
    """Features with a TFDV schema anomaly."""
    return {a["feature"] for a in result_json(run)["schema_anomalies"]}


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def test_format_module_imports_without_tensorflow_or_keras():
    code = (
        "import sys; import keras_mimo.data.tfrecord_format; "
        "print(sorted({'tensorflow', 'keras', 'numpy'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@requires_shared
@needs_gopro
def test_written_records_have_the_format_modules_features(tmp_path):
    records = tfrecord_dataset(
        tmp_path, [("pair_0", *(png(image) for image in load_pair(0)))], shards=1
    )
    manifest = json.loads((records / fmt.MANIFEST).read_text())
    assert manifest["format"] == fmt.FORMAT
    assert sorted(p.name for p in records.iterdir()) == [
        fmt.shard_name(0, 1),
        fmt.MANIFEST,
    ]
    record = next(iter(tf.data.TFRecordDataset(str(records / fmt.shard_name(0, 1)))))
    features = tf.train.Example.FromString(record.numpy()).features.feature
    kinds = {key: features[key].WhichOneof("kind") for key in features}
    assert kinds == {
        key: {"bytes": "bytes_list", "int64": "int64_list"}[kind]
        for key, kind in fmt.FEATURES.items()
    }


@requires_shared
@needs_tfdv
def test_clean_dataset_passes_and_writes_stats_and_report(runs):
    run = runs["clean"]
    assert run["rc"] == 0, run["stdout"] + run["stderr"][-3000:]
    assert run["stdout"].startswith("CLEAN: 4 examples")
    out = run["out"]
    for name in ("stats.pb", "stats.pbtxt", "anomalies.pbtxt", "report.html"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = result_json(run)
    assert result["clean"] and result["num_examples"] == 4
    assert not result["custom_anomalies"] and not result["schema_anomalies"]
    stats = (out / "stats.pbtxt").read_text()
    assert "num_examples: 4" in stats and 'step: "psnr"' in stats
    report = (out / "report.html").read_text()
    assert re.search(r"blur_bit_depth</td>.*?max 16 ", report)  # 16-bit PNG seen
    assert "jpeg (1)" in report  # the JPEG blur image


@requires_shared
@needs_tfdv
def test_injected_anomalies_are_caught_and_name_the_examples(runs):
    run = runs["dirty"]
    assert run["rc"] == 1, run["stdout"] + run["stderr"][-3000:]
    found = anomalies(run)
    assert found["grayscale"] == ["gray_pair"]
    assert found["near_identical"] == ["identical_pair"]
    assert found["too_small"] == ["small_pair"]
    assert found["undecodable"] == ["broken_pair"]
    changed, truncated = fmt.shard_name(1, 3), fmt.shard_name(2, 3)
    assert found["manifest_sha256"] == [changed, truncated]
    assert found["corrupt_shard"] == [truncated]  # reported, not a crash
    assert "ok_pair" not in str(found) and "lost_pair" not in str(found)
    assert result_json(run)["num_examples"] == 5  # the truncated shard is skipped
    for name in ("gray_pair", "identical_pair", "small_pair", "broken_pair"):
        assert name in run["stdout"]
    assert "sharp_channels" in schema_features(run)
    pbtxt = (run["out"] / "anomalies.pbtxt").read_text()
    assert "custom:near_identical" in pbtxt and "CUSTOM_VALIDATION" in pbtxt


@requires_shared
@needs_tfdv
def test_folder_pairs_and_schema_inference(runs):
    run = runs["folder"]
    assert run["rc"] == 1, run["stdout"] + run["stderr"][-3000:]
    assert anomalies(run) == {
        "alpha": ["frame_1.png"],
        "size_mismatch": ["frame_2.png"],
        "unpaired_file": ["lonely.png"],
    }
    assert {"sharp_channels", "sizes_match"} <= schema_features(run)
    assert "num_examples: 3" in (run["out"] / "stats.pbtxt").read_text()
    schema = runs["inferred"].read_text()
    assert 'name: "blur_format"' in schema and 'value: "jpeg"' in schema


@requires_shared
@needs_tfdv
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
