"""One validation run: pipeline, schema validation, custom checks, outputs."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
from typing import Any

from keras_mimo.data.tfrecord_format import MANIFEST, SHARD_GLOB

from .anomalies import (
    add_custom_to_proto,
    merge_custom,
    read_summary,
    schema_anomaly_list,
)
from .chart import chart_png
from .files import delete, join, path_exists, write_bytes
from .inputs import folder_inputs, tfrecord_inputs
from .pipeline import run_pipeline
from .report import report_html
from .schema import apply_limits, tighten_schema


class UsageError(Exception):
    """Bad command-line input discovered after parsing (exit status 2)."""


def import_tfdv() -> Any:
    """Imports TFDV without its 'Unable to import IPython' notice."""
    with contextlib.redirect_stderr(io.StringIO()):
        import tensorflow_data_validation as tfdv
    return tfdv


def validate(args: argparse.Namespace, beam_args: list[str]) -> dict[str, Any]:
    """Runs the pipeline, the schema validation and writes all outputs.

    Returns:
        The result written to `anomalies.json`.

    Raises:
        UsageError: `--data` holds neither a manifest nor shards.
    """
    tfdv = import_tfdv()

    if args.data is not None:
        inputs, driver_found = tfrecord_inputs(args.data)
        if not inputs["shards"] and not path_exists(join(args.data, MANIFEST)):
            raise UsageError(f"--data {args.data}: no {MANIFEST} or {SHARD_GLOB}")
    else:
        inputs, driver_found = folder_inputs(args.blur_dir, args.sharp_dir)
    paths = run_pipeline(inputs, args, beam_args)
    stats = tfdv.load_stats_binary(paths["stats"])
    tfdv.write_stats_text(stats, join(args.output, "stats.pbtxt"))
    num_examples = stats.datasets[0].num_examples if stats.datasets else 0
    if num_examples == 0:
        driver_found.append(
            {"check": "empty_dataset", "example": "-", "detail": "0 examples"}
        )

    if args.infer_schema:
        schema = tighten_schema(tfdv.infer_schema(stats), args.crop, args.max_psnr)
        tfdv.write_schema_text(schema, args.infer_schema)
        schema_name = args.infer_schema
    else:
        schema = apply_limits(
            tfdv.load_schema_text(args.schema), args.crop, args.max_psnr
        )
        schema_name = args.schema
    anomalies = tfdv.validate_statistics(stats, schema)

    custom = merge_custom(
        read_summary(paths["summary"]),
        driver_found,
        args.crop,
        args.max_psnr,
        args.max_names,
    )
    delete(paths["summary"])
    result = {
        "clean": not custom and not anomalies.anomaly_info,
        "input": args.data or f"{args.blur_dir} + {args.sharp_dir}",
        "mode": inputs["mode"],
        "output": args.output,
        "schema": schema_name,
        "num_examples": int(num_examples),
        "crop": args.crop,
        "max_psnr": args.max_psnr,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "custom_anomalies": custom,
        "schema_anomalies": schema_anomaly_list(anomalies),
    }
    add_custom_to_proto(anomalies, custom)
    write_outputs(result, stats, anomalies, args)
    return result


def write_outputs(
    result: dict[str, Any], stats: Any, anomalies: Any, args: argparse.Namespace
) -> None:
    """Writes anomalies.{pbtxt,json}, report.{html,png} and facets.html."""
    tfdv = import_tfdv()
    out = args.output
    tfdv.write_anomalies_text(anomalies, join(out, "anomalies.pbtxt"))
    write_bytes(join(out, "anomalies.json"), json.dumps(result, indent=2).encode())
    png = chart_png(stats, args.crop, args.max_psnr)
    write_bytes(join(out, "report.png"), png)
    write_bytes(join(out, "report.html"), report_html(result, stats, png).encode())
    write_bytes(join(out, "facets.html"), tfdv.get_statistics_html(stats).encode())
