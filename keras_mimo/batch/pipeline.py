"""The Beam pipeline: match, skip what is done, read, RunInference, write."""

import os
from collections.abc import Sequence
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.ml.inference.base import KeyedModelHandler, RunInference
from apache_beam.options.pipeline_options import PipelineOptions

from keras_mimo.batch import files
from keras_mimo.batch.errors import BatchError
from keras_mimo.batch.handler import DeblurModelHandler
from keras_mimo.batch.manifest import build_manifest, read_previous, write_manifest
from keras_mimo.images.files import has_image_extension


class Job(NamedTuple):
    """One input file on its way through the pipeline (the RunInference key)."""

    input: str
    output: str
    format: str
    info: dict


def _failed(source: str, error: BaseException | str) -> dict:
    from keras_mimo.cli.deblur import describe_error

    text = error if isinstance(error, str) else describe_error(error, source)
    return {"input": source, "status": "failed", "error": text}


@beam.typehints.with_output_types(Any)  # tagged outputs mix types
class MatchInputs(beam.DoFn):
    """pattern -> `(output path, input path)` for each match; skips, failures tagged."""

    def __init__(self, output_dir: str):
        self.output_dir = output_dir

    def process(self, pattern):
        root = files.pattern_root(pattern)
        try:
            matched = FileSystems.match([files.expand(pattern)])[0].metadata_list
        except Exception as error:  # BeamIOError and friends: no such path
            yield beam.pvalue.TaggedOutput("records", _failed(pattern, error))
            return
        if not matched:
            problem = f"{pattern}: no file matches"
            yield beam.pvalue.TaggedOutput("records", _failed(pattern, problem))
        for metadata in matched:
            path = metadata.path
            if files.is_inside(path, self.output_dir):  # e.g. an earlier run's output
                reason = "inside the output folder"
                record = {"input": path, "status": "skipped", "reason": reason}
                yield beam.pvalue.TaggedOutput("records", record)
                continue
            if not has_image_extension(path):
                record = {"input": path, "status": "skipped", "reason": "not an image"}
                yield beam.pvalue.TaggedOutput("records", record)
                continue
            output = files.join(self.output_dir, files.relative_name(path, root))
            yield output, path


@beam.typehints.with_output_types(Any)  # tagged outputs mix types
class PlanJobs(beam.DoFn):
    """`(output, inputs)` -> a `Job`, or a record: done before, clash, bad name."""

    def process(self, element):
        from keras_mimo.images.files import format_for_path

        output, inputs = element
        inputs = sorted(set(inputs))
        for other in inputs[1:]:
            problem = f"{other}: output {output} is also the output of {inputs[0]}"
            yield beam.pvalue.TaggedOutput("records", _failed(other, problem))
        source = inputs[0]
        if FileSystems.exists(output):
            yield beam.pvalue.TaggedOutput(
                "records", {"input": source, "output": output, "status": "done_before"}
            )
            return
        try:
            yield Job(source, output, format_for_path(output), {})
        except ValueError as error:
            yield beam.pvalue.TaggedOutput("records", _failed(source, error))


@beam.typehints.with_output_types(Any)  # tagged outputs mix types
class ReadImage(beam.DoFn):
    """`Job` -> `(Job, pixels)`; a file that cannot be decoded is a failure."""

    def process(self, job):
        from keras_mimo.images.files import decode_image

        try:
            image = decode_image(files.read_bytes(job.input), job.input)
        except Exception as error:
            yield beam.pvalue.TaggedOutput("records", _failed(job.input, error))
            return
        yield job._replace(info=image.info), image.pixels


@beam.typehints.with_output_types(Any)  # tagged outputs mix types
class WriteOutput(beam.DoFn):
    """`(Job, PredictionResult)` -> the output file and its manifest record."""

    def __init__(self, quality: int):
        self.quality = quality

    def setup(self):
        self.cleaned = set()

    def process(self, element):
        job, result = element
        pixels, seconds = result.inference
        try:
            self._write(job, pixels)
            record = {
                "input": job.input,
                "output": job.output,
                "status": "deblurred",
                "height": int(pixels.shape[0]),
                "width": int(pixels.shape[1]),
                "deblur_seconds": round(seconds, 3),
                **self._score(job.input, pixels),
            }
        except Exception as error:
            record = _failed(job.input, error)
        yield record

    def _write(self, job: Job, pixels) -> None:
        from keras_mimo.images.files import encode_image, write_image

        if not files.is_local(job.output):
            data = encode_image(pixels, job.format, job.info, self.quality)
            files.write_bytes(job.output, data)
            return
        from keras_mimo.utils.files import remove_stale_temporaries

        folder = os.path.dirname(job.output)
        os.makedirs(folder, exist_ok=True)
        if folder not in self.cleaned:  # left by a killed earlier run
            remove_stale_temporaries(folder)
            self.cleaned.add(folder)
        write_image(job.output, pixels, job.format, job.info, self.quality)

    @staticmethod
    def _score(source: str, pixels) -> dict:
        """PSNR/SSIM against `.../sharp/NAME` for an input `.../blur/NAME`."""
        from keras_mimo.images.files import decode_image
        from keras_mimo.inference.evaluation import score_pair
        from keras_mimo.inference.layout import split_image

        partner = files.sharp_partner(source)
        if partner is None:
            return {}
        sharp = decode_image(files.read_bytes(partner), partner).pixels
        output, sharp = split_image(pixels)[0], split_image(sharp)[0]
        if output.shape != sharp.shape:
            return {"sharp": partner, "score": "sharp image has another size"}
        psnr, ssim = score_pair(output, sharp)
        return {"sharp": partner, "psnr_db": round(psnr, 3), "ssim": round(ssim, 4)}


class DeblurFiles(beam.PTransform):
    """Patterns -> deblurred files in `output_dir`; yields one record per input.

    A record is a dict with `input` and `status`: `deblurred` (with
    `output`, `height`, `width`, `deblur_seconds` (the model's time), and
    `sharp`, `psnr_db`, `ssim` when a sharp partner exists), `done_before`
    (its output exists: not redone), `skipped` (not an image name, or inside
    the output folder) or `failed` (with a one-line `error`).

    Example:
    >>> with beam.Pipeline() as p:
    ...     records = (p | beam.Create(["photos/*.jpg"])
    ...                  | DeblurFiles("out/", DeblurModelHandler("gopro")))
    >>> sorted(os.listdir("out"))
    ['shot0.jpg', 'shot1.jpg', 'shot2.jpg']
    """

    def __init__(self, output_dir: str, handler: DeblurModelHandler, quality: int = 95):
        super().__init__()
        self.output_dir = output_dir
        self.handler = handler
        self.quality = quality

    def expand(self, patterns):
        matched = patterns | "Match" >> beam.ParDo(
            MatchInputs(self.output_dir)
        ).with_outputs("records", main="matched")
        planned = (
            matched.matched
            | "ByOutput" >> beam.GroupByKey()  # also spreads the work
            | "Plan" >> beam.ParDo(PlanJobs()).with_outputs("records", main="jobs")
        )
        read = planned.jobs | "Read" >> beam.ParDo(ReadImage()).with_outputs(
            "records", main="images"
        )
        written = (
            read.images
            | "Deblur" >> RunInference(KeyedModelHandler(self.handler))
            | "Write" >> beam.ParDo(WriteOutput(self.quality))
        )
        return (
            matched.records,
            planned.records,
            read.records,
            written,
        ) | "Records" >> beam.Flatten()


def deblur_files(
    inputs: str | Sequence[str],
    output_dir: str | os.PathLike,
    model: str | os.PathLike = "gopro",
    *,
    ensemble: int = 1,
    tile: int | tuple[int, int] | None = None,
    memory_budget: int | str | None = None,
    precision: str = "auto",
    quality: int = 95,
    pipeline_args: Sequence[str] | None = None,
) -> dict:
    """Deblurs every matching file into `output_dir` with an Apache Beam pipeline.

    Outputs keep their path relative to the pattern's fixed folder (for
    `photos/**/*.jpg`, `photos/a/b.jpg` -> `OUT/a/b.jpg`), format and bit
    depth. Existing outputs are never replaced: a file whose output exists is
    `done_before`, so a re-run after an interruption only does the rest.
    `OUT/manifest.json` lists every input (see `DeblurFiles` for records).

    Args:
        inputs: glob patterns, file paths or local folders (a folder means
            its files), on any filesystem Beam knows (`gs://`, `s3://`, ...).
        output_dir: output folder, on any filesystem Beam knows.
        model: preset name or directory, or a local `.keras` file.
        ensemble, tile, memory_budget, precision: `Deblurrer` options.
        quality: JPEG/WebP quality.
        pipeline_args: Beam pipeline options, e.g. `["--runner=FlinkRunner",
            "--flink_master=host:8081"]`; default: the DirectRunner.

    Returns:
        The manifest (as written to `OUT/manifest.json`).

    Example:
    >>> manifest = deblur_files(["a.png", "photo.jpg"], "out", model="gopro")
    >>> sorted(f["output"] for f in manifest["files"])
    ['out/a.png', 'out/photo.jpg']
    """
    patterns = [inputs] if isinstance(inputs, str | os.PathLike) else list(inputs)
    patterns = [str(p) for p in patterns]
    if not patterns:
        raise BatchError("no inputs given")
    output_dir = str(output_dir)
    if files.is_local(output_dir):
        if os.path.exists(output_dir) and not os.path.isdir(output_dir):
            raise BatchError(f"{output_dir}: exists and is not a folder")
        os.makedirs(output_dir, exist_ok=True)
    previous = read_previous(output_dir)
    handler = DeblurModelHandler(
        model,
        ensemble=ensemble,
        tile=tile,
        memory_budget=memory_budget,
        precision=precision,
    )
    settings = {
        "inputs": patterns,
        "output_dir": output_dir,
        "model": str(model),
        "options": {
            "ensemble": ensemble,
            "tile": tile,
            "memory_budget": memory_budget,
            "precision": precision,
        },
    }
    options = PipelineOptions(list(pipeline_args or []))
    with beam.Pipeline(options=options) as pipeline:
        _ = (
            pipeline
            | "Inputs" >> beam.Create(patterns)
            | "DeblurFiles" >> DeblurFiles(output_dir, handler, quality)
            | "Collect" >> beam.combiners.ToList()
            | "Manifest"
            >> beam.Map(
                lambda records: write_manifest(
                    output_dir, build_manifest(records, previous, settings)
                )
            )
        )
    import json

    return json.loads(files.read_bytes(files.join(output_dir, "manifest.json")))
