"""The histogram PNG of a run: PSNR, image sizes, intensities, file sizes."""

from __future__ import annotations

import io
from typing import Any

import numpy as np


def feature_map(stats: Any) -> dict[str, Any]:
    """Feature name -> FeatureNameStatistics of the first dataset."""
    if not stats.datasets:
        return {}
    return {".".join(f.path.step): f for f in stats.datasets[0].features}


def _standard_histogram(feature: Any) -> list[tuple[float, float, float]]:
    """(low, high, count) buckets of a numeric feature's equal-width histogram."""
    from tensorflow_metadata.proto.v0 import statistics_pb2

    standard = statistics_pb2.Histogram.STANDARD
    for hist in feature.num_stats.histograms:
        if hist.type == standard:
            return [(b.low_value, b.high_value, b.sample_count) for b in hist.buckets]
    return []


def chart_png(stats: Any, crop: int, max_psnr: float) -> bytes:
    """PNG with histograms of PSNR, image sizes, intensities and file sizes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    features = feature_map(stats)
    panels = [
        ("blur/sharp PSNR (dB)", ["psnr"], max_psnr),
        ("image height / width (px)", ["blur_height", "blur_width"], crop),
        ("mean intensity [0, 1]", ["blur_mean", "sharp_mean"], None),
        ("file size (bytes)", ["blur_file_bytes", "sharp_file_bytes"], None),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for ax, (title, names, limit) in zip(axes.flat, panels, strict=True):
        for name in names:
            buckets = _standard_histogram(features[name]) if name in features else []
            if buckets:
                lows, highs, counts = (np.array(x) for x in zip(*buckets, strict=True))
                floor = 0.01 * max(float(np.abs(highs).max()), 1.0)
                widths = np.maximum(highs - lows, floor)
                ax.bar(lows, counts, width=widths, align="edge", alpha=0.6, label=name)
        if limit is not None:
            ax.axvline(limit, color="red", linestyle="--", label=f"limit {limit:g}")
        ax.set_title(title)
        ax.set_ylabel("examples")
        ax.legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return buffer.getvalue()
