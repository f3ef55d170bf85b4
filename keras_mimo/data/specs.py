"""`parse_source_spec`: the `--data` / `--val-data` strings of the training CLI.

Grammar::

    SPEC    := [ KIND ":" ] ARGS [ "?" OPTION { "&" OPTION } ] [ "@" WEIGHT ]
    OPTION  := KEY "=" VALUE

Without `KIND:` the kind is detected from the folder layout (`gopro`,
`split`, `folders`, or `realblur` for a file; see `keras_mimo.data.layouts`).

| KIND | ARGS | options | source |
| --- | --- | --- | --- |
| `gopro` | GOPRO_Large folder | `split` | `gopro_pairs(blur="blur")` |
| `gopro_gamma` | GOPRO_Large folder | `split` | `gopro_pairs(blur="blur_gamma")` |
| `split` | ROOT of `{train,test}/{blur,sharp}` | `split` | `split_folder_pairs` |
| `realblur` | RealBlur list file | `root` | `realblur_pairs` |
| `folders` | BLUR_DIR,SHARP_DIR | | `folder_pairs` |
| `tfrecord` | folder from `write_tfrecords` | `verify` (0/1: sha256) | `TFRecordSource` |
| `synth_gopro` | frames folder | `window` (`7-13` or `9`), `stride` (`1-2`), `n`, `crops` | `GoProSynthesisSource` |
| `synth_shake` | sharp photos folder | `kernel_size`, `length` (`2-40`), `n` | `CameraShakeSource` |
| `synth_motion` | sharp photos folder | `window` (`7-13`), `shift` (`1-24`), `n` | `CameraMotionSource` |

Every kind also takes `jpeg=LOW-HIGH` (or one quality, 1 to 100): its blurry
inputs are JPEG-compressed at a random quality in that range
(`JpegInputSource`), so a mix can teach the model JPEG inputs too.

`WEIGHT` (default 1) is the relative sampling weight when several `--data`
sources are mixed; `split` defaults to the caller's `split` argument
(`"train"`), `n` is the number of synthetic pairs in one (validation) pass,
`crops` the number of training crops cut from each averaged frame window,
`stride` the frame step within a window (2: every second frame, twice the
motion).
`~` in paths is expanded. Examples::

    /data/GOPRO_Large
    gopro:/data/GOPRO_Large
    gopro:/data/GOPRO_Large?split=test
    folders:/data/val/blur,/data/val/sharp@0.5
    synth_gopro:/data/frames?window=7-13@0.7
    synth_gopro:/data/frames?jpeg=60-95@0.3
"""

import os
import re

from keras_mimo.data.compression import JpegInputSource
from keras_mimo.data.errors import DataError
from keras_mimo.data.layouts import detect_layout
from keras_mimo.data.readers import (
    folder_pairs,
    gopro_pairs,
    realblur_pairs,
    split_folder_pairs,
)
from keras_mimo.data.sources import FilePairSource, Source

_OPTIONS = {
    "gopro": {"split"},
    "gopro_gamma": {"split"},
    "split": {"split"},
    "realblur": {"root"},
    "folders": set(),
    "tfrecord": {"verify"},
    "synth_gopro": {"window", "stride", "n", "crops"},
    "synth_shake": {"kernel_size", "length", "n"},
    "synth_motion": {"window", "shift", "n"},
}
KINDS = tuple(_OPTIONS)
_COMMON_OPTIONS = {"jpeg"}


def _range(text: str, convert=int) -> tuple:
    low, _, high = text.partition("-")
    return convert(low), convert(high or low)


def _split_weight(spec: str) -> tuple[str, float]:
    body, at, tail = spec.rpartition("@")
    if not at or "/" in tail or os.sep in tail:
        return spec, 1.0
    try:
        weight = float(tail)
    except ValueError:
        raise DataError(
            f"bad source spec {spec!r}: weight {tail!r} is not a number.", spec
        ) from None
    if not weight > 0 or weight == float("inf"):
        raise DataError(
            f"bad source spec {spec!r}: weight must be a positive number, got {tail}.",
            spec,
        )
    return body, weight


def _build(kind: str, argument: str, options: dict, split: str) -> Source:
    path = os.path.expanduser(argument)
    split = options.get("split", split)
    if kind in ("gopro", "gopro_gamma"):
        blur = "blur" if kind == "gopro" else "blur_gamma"
        return FilePairSource(gopro_pairs(path, split, blur=blur), tag=kind)
    if kind == "split":
        return FilePairSource(split_folder_pairs(path, split), tag="split")
    if kind == "realblur":
        root = options.get("root")
        return FilePairSource(
            realblur_pairs(path, root and os.path.expanduser(root)), tag="realblur"
        )
    if kind == "folders":
        dirs = argument.split(",")
        if len(dirs) != 2 or not all(dirs):
            raise DataError(
                f"bad source spec 'folders:{argument}': expected BLUR_DIR,SHARP_DIR.",
                argument,
            )
        return FilePairSource(
            folder_pairs(*map(os.path.expanduser, dirs)), tag="folders"
        )
    if kind == "tfrecord":
        from keras_mimo.data.tfrecords import TFRecordSource

        return TFRecordSource(
            path, verify_sha256=options.get("verify", "0") not in ("0", "false", "no")
        )
    n = {"num_examples": int(options["n"])} if "n" in options else {}
    if kind == "synth_gopro":
        from keras_mimo.data.synthesis.gopro import GoProSynthesisSource

        window = _range(options["window"]) if "window" in options else (7, 13)
        stride = _range(options["stride"]) if "stride" in options else 1
        crops = int(options.get("crops", 1))
        return GoProSynthesisSource(
            path, window=window, stride=stride, crops_per_draw=crops, **n
        )
    if kind == "synth_motion":
        from keras_mimo.data.synthesis.camera_motion import CameraMotionSource

        converters = {"window": _range, "shift": _float_range}
        return CameraMotionSource(path, **n, **_converted(options, converters))
    from keras_mimo.data.synthesis.camera_shake import CameraShakeSource

    converters = {"kernel_size": int, "length": _float_range}
    return CameraShakeSource(path, **n, **_converted(options, converters))


def _float_range(text: str) -> tuple:
    return _range(text, float)


def _converted(options: dict, converters: dict) -> dict:
    """The `options` that `converters` names, each converted by its function."""
    return {k: convert(options[k]) for k, convert in converters.items() if k in options}


def parse_source_spec(spec: str, split: str = "train") -> tuple[Source, float]:
    """Builds the `Source` a spec names, with its sampling weight.

    Args:
        spec: `[KIND:]ARGS[?KEY=VALUE&...][@WEIGHT]`; see the module
            docstring. Without `KIND:`, ARGS is a path whose layout names
            the kind (`detect_layout`).
        split: the split (`"train"`, `"test"`) of split-aware kinds unless
            the spec says `?split=...`; the training CLI passes `"test"` for
            `--val-data`.

    Returns:
        `(source, weight)`.

    Raises:
        DataError: malformed spec, unknown kind or option, bad weight, a
            path without `KIND:` in no detectable layout, or any problem of
            the data it names (missing partner, ...).

    Example:
    >>> source, weight = parse_source_spec("synth_shake:data/sharp@0.7")
    >>> source, weight
    (CameraShakeSource(3 photos, kernel_size=41), 0.7)
    >>> parse_source_spec("imagenet:/data")
    Traceback (most recent call last):
    ...
    keras_mimo.data.errors.DataError: bad source spec 'imagenet:/data': unknown kind 'imagenet'; ...
    """
    original = spec
    spec, weight = _split_weight(spec.strip())
    kind, colon, rest = spec.partition(":")
    if spec and not (colon and re.fullmatch(r"[a-z_]+", kind)):
        path, question, query = spec.partition("?")
        kind, rest = detect_layout(path)
        rest += question + query
    if not rest:
        raise DataError(
            f"bad source spec {original!r}: expected [KIND:]PATH[@WEIGHT] with KIND one of {', '.join(KINDS)}.",
            original,
        )
    if kind not in _OPTIONS:
        raise DataError(
            f"bad source spec {original!r}: unknown kind {kind!r}; use one of {', '.join(KINDS)}.",
            original,
        )
    argument, _, query = rest.partition("?")
    options = {}
    for item in filter(None, query.split("&")):
        key, equals, value = item.partition("=")
        if not equals or key not in _OPTIONS[kind] | _COMMON_OPTIONS:
            allowed = ", ".join(sorted(_OPTIONS[kind] | _COMMON_OPTIONS))
            raise DataError(
                f"bad source spec {original!r}: unknown option {item!r} for {kind} (options: {allowed}).",
                original,
            )
        options[key] = value
    jpeg = options.pop("jpeg", None)
    try:
        source = _build(kind, argument, options, split)
        if jpeg is not None:
            source = JpegInputSource(source, _range(jpeg))
        return source, weight
    except ValueError as error:
        if isinstance(error, DataError):
            raise
        raise DataError(f"bad source spec {original!r}: {error}", original) from None
