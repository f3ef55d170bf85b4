"""The Apache Beam pipeline: feature rows, TFDV statistics, anomaly summaries."""

from __future__ import annotations

import argparse
import importlib
import json
from typing import Any

from .examples import file_pair_row, record_row
from .features import FEATURES
from .files import basename, join
from .shards import check_shard, count_problems


def to_record_batch(rows: list[dict[str, Any]]) -> Any:
    """Arrow RecordBatch of feature rows, as tfdv.GenerateStatistics expects."""
    import pyarrow as pa

    types = {"int": pa.int64(), "float": pa.float32(), "bytes": pa.binary()}
    arrays = []
    for feature, kind in FEATURES.items():
        values = [row.get(feature) for row in rows]
        if kind == "bytes":
            values = [v.encode("utf-8") if isinstance(v, str) else v for v in values]
        arrays.append(
            pa.array(
                [None if v is None else [v] for v in values], type=pa.list_(types[kind])
            )
        )
    return pa.RecordBatch.from_arrays(arrays, list(FEATURES))


def summarize_check(
    item: tuple[str, tuple[list[int], list[list[dict[str, str]]]]],
) -> dict[str, Any]:
    """Joins a check's count with its first (sorted) example records."""
    check, (counts, samples) = item
    examples = sorted(samples[0] if samples else [], key=lambda r: r["example"])
    return {
        "check": check,
        "count": int(sum(counts)),
        "examples": [
            {"example": r["example"], "detail": r["detail"]} for r in examples
        ],
    }


def _duplicate_name(item: tuple[str, int]) -> list[dict[str, str]]:
    name, count = item
    if count < 2:
        return []
    return [{"check": "duplicate_name", "example": name, "detail": f"{count}x"}]


def tfrecord_rows(pipeline: Any, shards: list, crop: int, max_psnr: float) -> tuple:
    """Rows of the shards' records (read by Beam's ReadAllFromTFRecord).

    Returns:
        The rows and the PCollections of anomaly records.
    """
    import apache_beam as beam
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.tfrecordio import ReadAllFromTFRecord

    checked = (
        pipeline
        | "Shards" >> beam.Create(shards)
        | "CheckShards"
        >> beam.FlatMap(check_shard).with_outputs("anomalies", main="readable")
    )
    records = (
        checked.readable
        | "ShardPaths" >> beam.Map(lambda spec: spec[0])
        | "ReadRecords"
        >> ReadAllFromTFRecord(
            compression_type=CompressionTypes.UNCOMPRESSED, with_filename=True
        )
        | "KeyByShard" >> beam.Map(lambda kv: (basename(kv[0]), kv[1]))
    )
    expected = checked.readable | "Expected" >> beam.Map(
        lambda spec: (basename(spec[0]), spec[1])
    )
    read = (
        records
        | "OnePerRecord" >> beam.Map(lambda kv: (kv[0], 1))
        | "CountRecords" >> beam.CombinePerKey(sum)
    )
    counts = (
        {"expected": expected, "read": read}
        | "JoinCounts" >> beam.CoGroupByKey()
        | "CountProblems" >> beam.FlatMap(count_problems)
    )
    rows = (
        records
        | "SpreadRecords" >> beam.Reshuffle()
        | "Features"
        >> beam.FlatMap(record_row, crop, max_psnr).with_outputs(
            "anomalies", main="rows"
        )
    )
    return rows.rows, [checked.anomalies, counts, rows.anomalies]


def folder_rows(pipeline: Any, pairs: list, crop: int, max_psnr: float) -> tuple:
    """Rows of (name, blur path, sharp path) file pairs, and their anomalies."""
    import apache_beam as beam

    rows = (
        pipeline
        | "Pairs" >> beam.Create(pairs)
        | "SpreadPairs" >> beam.Reshuffle()
        | "Features"
        >> beam.FlatMap(file_pair_row, crop, max_psnr).with_outputs(
            "anomalies", main="rows"
        )
    )
    return rows.rows, [rows.anomalies]


def build_pipeline(
    pipeline: Any,
    inputs: dict[str, Any],
    args: argparse.Namespace,
    paths: dict[str, str],
) -> None:
    """Adds the feature, statistics and anomaly stages to a Beam pipeline."""
    import apache_beam as beam
    import tensorflow_data_validation as tfdv

    if inputs["mode"] == "tfrecord":
        rows, sources = tfrecord_rows(
            pipeline, inputs["shards"], args.crop, args.max_psnr
        )
    else:
        rows, sources = folder_rows(pipeline, inputs["pairs"], args.crop, args.max_psnr)
    duplicates = (
        rows
        | "KeyByName" >> beam.Map(lambda row: (row["name"], 1))
        | "CountNames" >> beam.CombinePerKey(sum)
        | "Duplicates" >> beam.FlatMap(_duplicate_name)
    )
    anomalies = [*sources, duplicates] | "AllAnomalies" >> beam.Flatten()
    _ = (
        rows
        | "Batch"
        >> beam.BatchElements(min_batch_size=1, max_batch_size=args.batch_size)
        | "ToArrow" >> beam.Map(to_record_batch)
        | "Stats" >> tfdv.GenerateStatistics(tfdv.StatsOptions(num_top_values=20))
        | "WriteStats" >> tfdv.WriteStatisticsToBinaryFile(paths["stats"])
    )
    _ = (
        anomalies
        | "AnomalyJson" >> beam.Map(json.dumps, sort_keys=True)
        | "WriteAnomalous"
        >> beam.io.WriteToText(paths["examples"], file_name_suffix=".jsonl")
    )
    keyed = anomalies | "KeyByCheck" >> beam.Map(lambda r: (r["check"], r))
    counts = keyed | "CountPerCheck" >> beam.combiners.Count.PerKey()
    samples = keyed | "SamplePerCheck" >> beam.combiners.Top.SmallestPerKey(
        args.max_names, key=lambda r: r["example"]
    )
    _ = (
        (counts, samples)
        | "JoinCheck" >> beam.CoGroupByKey()
        | "Summarize" >> beam.Map(summarize_check)
        | "SummaryJson" >> beam.Map(json.dumps, sort_keys=True)
        | "WriteSummary"
        >> beam.io.WriteToText(paths["summary"], shard_name_template="", num_shards=1)
    )


def _ship_code_by_value() -> None:
    """Makes cloudpickle send this package's and keras_mimo's code to workers.

    Beam workers (other processes, Dataflow machines) then need neither this
    folder nor keras_mimo on their path, only the libraries.
    """
    import cloudpickle

    for name in (__package__, "keras_mimo"):
        cloudpickle.register_pickle_by_value(importlib.import_module(name))


def run_pipeline(
    inputs: dict[str, Any], args: argparse.Namespace, beam_args: list[str]
) -> dict[str, str]:
    """Runs the Beam pipeline; returns the paths of what it wrote."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions, SetupOptions

    out = args.output
    paths = {
        "stats": join(out, "stats.pb"),
        "examples": join(out, "anomalous_examples"),
        "summary": join(out, "_anomaly_summary.jsonl"),
    }
    options = PipelineOptions(beam_args)
    setup = options.view_as(SetupOptions)
    if setup.pickle_library == "default":
        setup.pickle_library = "cloudpickle"
    if setup.pickle_library == "cloudpickle":
        _ship_code_by_value()
    with beam.Pipeline(options=options) as pipeline:
        build_pipeline(pipeline, inputs, args, paths)
    return paths
