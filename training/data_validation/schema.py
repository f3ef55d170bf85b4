"""The TFDV schema: the domain rules an inferred schema lacks, and the run's limits."""

from __future__ import annotations

from typing import Any

from keras_mimo.data.tfrecord_format import IMAGE_KEYS

from .features import GOOD_FORMATS


def tighten_schema(schema: Any, crop: int, max_psnr: float) -> Any:
    """Adds the domain constraints an inferred schema cannot know."""
    import tensorflow_data_validation as tfdv
    from tensorflow_metadata.proto.v0 import schema_pb2

    del schema.string_domain[:]
    for feature in schema.feature:
        feature.ClearField("domain")
        feature.ClearField("domain_info")
        feature.presence.min_fraction = 1.0
        feature.presence.min_count = 1
        feature.value_count.min = feature.value_count.max = 1
    for key in IMAGE_KEYS:
        tfdv.set_domain(schema, f"{key}_channels", schema_pb2.IntDomain(min=3, max=3))
        tfdv.set_domain(schema, f"{key}_bit_depth", schema_pb2.IntDomain(min=8, max=16))
        tfdv.set_domain(
            schema, f"{key}_format", schema_pb2.StringDomain(value=list(GOOD_FORMATS))
        )
        tfdv.set_domain(schema, f"{key}_mean", schema_pb2.FloatDomain(min=0, max=1))
        tfdv.set_domain(schema, f"{key}_file_bytes", schema_pb2.IntDomain(min=1))
    tfdv.set_domain(schema, "sizes_match", schema_pb2.IntDomain(min=1, max=1))
    return apply_limits(schema, crop, max_psnr)


def apply_limits(schema: Any, crop: int, max_psnr: float) -> Any:
    """Sets the run's --crop / --max-psnr as the size and PSNR domains."""
    import tensorflow_data_validation as tfdv

    for key in IMAGE_KEYS:
        for dim in ("height", "width"):
            tfdv.get_feature(schema, f"{key}_{dim}").int_domain.min = crop
    tfdv.get_feature(schema, "psnr").float_domain.min = 0.0
    tfdv.get_feature(schema, "psnr").float_domain.max = max_psnr
    return schema
