"""The human report: a self-contained HTML page and the summary on stdout."""

from __future__ import annotations

import base64
import html
from typing import Any

from .chart import feature_map


def _stats_rows(stats: Any) -> list[list[str]]:
    """One HTML table row per feature: type, present, missing, range/top values."""
    rows = []
    for name, feature in feature_map(stats).items():
        if feature.HasField("num_stats"):
            ns = feature.num_stats
            common = ns.common_stats
            summary = f"min {ns.min:g} / mean {ns.mean:.4g} / max {ns.max:g} / std {ns.std_dev:.3g}"
        else:
            ss = feature.string_stats
            common = ss.common_stats
            top = ", ".join(f"{v.value} ({v.frequency:g})" for v in ss.top_values[:5])
            summary = f"{ss.unique} unique: {top}"
        kind = type(feature).Type.Name(feature.type)
        rows.append(
            [name, kind, str(common.num_non_missing), str(common.num_missing), summary]
        )
    return rows


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def report_html(result: dict[str, Any], stats: Any, png: bytes) -> str:
    """Self-contained HTML report (no JavaScript, no network)."""
    status = "CLEAN" if result["clean"] else "ANOMALIES FOUND"
    custom_rows = [
        [
            c["check"],
            str(c["count"]),
            c["description"],
            "; ".join(f"{e['example']}: {e['detail']}" for e in c["examples"]),
        ]
        for c in result["custom_anomalies"]
    ]
    schema_rows = [
        [a["feature"], a["severity"], a["short_description"], a["description"]]
        for a in result["schema_anomalies"]
    ]
    image = base64.b64encode(png).decode("ascii")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>keras-mimo data validation</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}
.bad{{color:#b00}}.ok{{color:#080}}</style></head><body>
<h1>keras-mimo data validation</h1>
<p class="{"ok" if result["clean"] else "bad"}"><b>{status}</b> &mdash;
{result["num_examples"]} examples from {html.escape(result["input"])}
({result["mode"]}), schema {html.escape(result["schema"])}, {result["created"]}</p>
<h2>Custom checks</h2>{_table(["check", "count", "meaning", "examples"], custom_rows) if custom_rows else "<p>none</p>"}
<h2>Schema anomalies (TFDV)</h2>{_table(["feature", "severity", "anomaly", "details"], schema_rows) if schema_rows else "<p>none</p>"}
<h2>Histograms</h2><img alt="histograms" src="data:image/png;base64,{image}">
<h2>Feature statistics (TFDV)</h2>
{_table(["feature", "type", "present", "missing", "summary"], _stats_rows(stats))}
</body></html>
"""


def print_summary(result: dict[str, Any], max_names: int) -> None:
    """Concise human summary on stdout."""
    status = "CLEAN" if result["clean"] else "ANOMALIES FOUND"
    print(
        f"{status}: {result['num_examples']} examples in {result['input']} "
        f"({result['mode']}); report: {result['output']}"
    )
    for c in result["custom_anomalies"]:
        print(f"  [{c['check']}] {c['description']}: {c['count']}")
        for e in c["examples"][:max_names]:
            print(f"      {e['example']}: {e['detail']}")
        if c["count"] > len(c["examples"]):
            print(f"      ... and {c['count'] - len(c['examples'])} more")
    for a in result["schema_anomalies"]:
        print(f"  [schema:{a['feature']}] {a['short_description']}: {a['description']}")
