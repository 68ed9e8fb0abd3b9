"""The answer's table: per device, its Pareto-optimal variants, one block of rows per study, each number tagged
with where it came from (m, p, e). Written for HTML and Markdown here because its grouped rows and tagged cells
are the one table the generic ``_blocks.Table`` does not lay out."""

from __future__ import annotations

from typing import Any

from edgepareto.report._answers import SHORT_SOURCE
from edgepareto.report._blocks import esc, md_table, num

ANSWER_TAGS = "m = measured here, p = published (cited table), e = predicted"


def _tagged(row: dict[str, Any], metric: str, digits: int = 4) -> tuple[str, str]:
    """A number with a one-letter tag saying where it came from: (html, markdown)."""
    value = num(row.get(metric), 3 if metric == "size_mb" else digits)
    source = row["sources"].get("size_bytes" if metric == "size_mb" else metric)
    if source is None:
        return value, value
    tag = SHORT_SOURCE.get(source, source)
    return f"{value}<sup class='src-{esc(source)}'>{esc(tag)}</sup>", f"{value} {tag}"


def answer_table(fronts: list[dict[str, Any]], *, markdown: bool = False) -> str:
    """One device's Pareto-optimal variants, one block of rows per study: variant, ms, top-1, MB, each tagged."""
    cols = ["variant", "ms", "top-1 %", "MB"]
    if markdown:
        rows = [
            [
                f"{r['label']}{' *' if r.get('stand_in') else ''}",
                f["dataset"],
                *(_tagged(r, m)[1] for m in ("latency_ms", "top1", "size_mb")),
            ]
            for f in fronts
            for r in f["rows"]
        ]
        return md_table(["variant", "top-1 on", *cols[1:]], rows)
    body = []
    for f in fronts:
        engine = f["view"][len(f["device"]) :].strip() if f["view"] != f["device"] else ""  # "[onnxruntime]"
        body.append(f"<tr><th colspan='4'>top-1 on {esc(f['dataset'])} {esc(engine)}</th></tr>")
        for r in f["rows"]:
            cells = "".join(f"<td class='num'>{_tagged(r, m)[0]}</td>" for m in ("latency_ms", "top1", "size_mb"))
            body.append(f"<tr><td>{esc(r['label'])}{' *' if r.get('stand_in') else ''}</td>{cells}</tr>")
    head = "".join(f"<th>{c}</th>" for c in cols)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
