"""Lay the report document out as a self-contained HTML page (plots embedded) and a Markdown summary."""

from __future__ import annotations

import base64
import html
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from edgepareto.report._energy import alpha_grid, energy_blocks

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}h3{margin-top:1.5em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}th,td{border:1px solid #ddd;padding:.25em .5em;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1em 1% 1em 0;display:inline-block;width:48%;vertical-align:top}
figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}.src-measured{color:#1a7f37}.src-published{color:#8250df}
.src-predicted{color:#bf8700}.front{font-weight:600}.note{color:#555;font-size:.9em}
.flag{color:#b35900;font-weight:600}details{margin:.5em 0}
.answer{border-top:4px solid #1f5fa8;border-bottom:4px solid #1f5fa8;background:#f5f9ff;padding:.1em .8em .3em}
.answer h2{border:0;margin:.4em 0 .2em}.answer h3{margin:.3em 0 .1em;font-size:1em}.finding{margin:.2em 0}
.answer-grid{display:flex;flex-wrap:wrap;gap:0 1.4em}.answer table{font-size:.8em;margin:.2em 0 .4em}
.answer td,.answer th{padding:.1em .4em}.answer p.note{margin:.2em 0;font-size:.8em}sup{font-size:.7em}
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _num(x: Any, digits: int = 4) -> str:
    if x is None:
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:.{digits}g}" if abs(x) < 1e5 else f"{x:,.0f}"
    return str(x)


def _ci(row: dict[str, Any], metric: str, digits: int = 4) -> str:
    v = _num(row.get(metric), digits)
    ci = row.get(f"{metric}_ci")
    return f"{v} [{_num(ci[0], digits)}, {_num(ci[1], digits)}]" if ci else v


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            raw = isinstance(v, tuple) and v and v[0] == "html"
            text = v[1] if raw else _e(v)
            cells.append(f"<td class='num'>{text}</td>" if i in numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _md_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, tuple) and v and v[0] == "html":
            v = v[2] if len(v) > 2 else ""
        return md_text(v).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def md_text(value: Any) -> str:
    """Text from the store (device, dataset, variant names) made inert in Markdown: HTML is escaped
    (a device named <script> stays text in every renderer), brackets and backticks cannot open a
    link, an image or a code span, and a newline cannot start a new block."""
    text = html.escape(str(value), quote=False).replace("\n", " ").replace("\r", " ")
    for ch in "\\`[]":
        text = text.replace(ch, "\\" + ch)
    return text


def _md_code(value: Any) -> str:
    return "`" + str(value).replace("`", "'").replace("\n", " ") + "`"


def _point_rows(entries: list[dict[str, Any]], latency: bool) -> tuple[list[str], list[list[Any]]]:
    if latency:
        cols = ["variant", "engine", "latency ms [CI]", "FPS", "GMAC/s", "top-1 % [CI]", "sources", "status",
                "dominated by"]  # fmt: skip
    else:
        cols = ["variant", "size MB", "top-1 % [CI]", "sources", "status", "dominated by"]
    e2e = latency and any(r.get("e2e_latency_ms") is not None for r in entries)
    if e2e:
        cols.insert(3, "end-to-end ms [CI] (preset)")
    rows = []
    for r in entries:
        srcs = ", ".join(f"{m}: {s}" for m, s in sorted(r["sources"].items()))
        text = r["label"] + (" (stand-in)" if r.get("stand_in") else "") + (" (NOISY)" if r.get("noisy") else "")
        label = ("html", f"<span class='front'>{_e(text)}</span>" if r["on_front"] else _e(text),
                 f"**{text}**" if r["on_front"] else text)  # fmt: skip
        if r.get("stand_in"):
            srcs = f"{srcs}; {r['stand_in']}"
        top1 = _ci(r, "top1") + (f" (published {r['published_top1']:.1f})" if r.get("published_top1") else "")
        if latency:
            rows.append([label, r["engine"], _ci(r, "latency_ms"), _num(r.get("fps")), _num(r.get("gmacs_per_s"), 3),
                         top1, srcs, r["status"], ", ".join(r["dominated_by"])])  # fmt: skip
            if e2e:
                preset = f" ({r['e2e_preset']})" if r.get("e2e_preset") else ""
                rows[-1].insert(3, _ci(r, "e2e_latency_ms") + preset if r.get("e2e_latency_ms") is not None else "–")
        else:
            rows.append([label, _num(r.get("size_mb"), 3), top1, srcs, r["status"],
                         ", ".join(r["dominated_by"])])  # fmt: skip
    return cols, rows


def _fps_rows(study: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return alpha_grid(study["fps_table"], lambda r: f"{r['fps']:.2f}")


def _speedup_rows(sp: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    return {
        "alpha scaling (largest alpha over each smaller one)": (
            ["device", "precision", "alpha", "speed-up"],
            [[r["device"], r["precision"].upper(), f"{r['from_alpha']:g} → {r['to_alpha']:g}", f"{r['speedup']:.2f}x"]
             for r in sp["alpha_scaling"]],
        ),
        "precision gain over FP32": (
            ["device", "alpha", "precision", "speed-up"],
            [[r["device"], f"{r['alpha']:g}", r["precision"].upper(), f"{r['speedup']:.3f}x"]
             for r in sp["precision_gain"]],
        ),
        "device vs device, mean over alpha": (
            ["faster", "slower", "precision", "mean ratio"],
            [[r["faster"], r["slower"], r["precision"].upper(), f"{r['mean_ratio']:.2f}x"]
             for r in sp["cluster_ratio_mean"]],
        ),
    }  # fmt: skip


def _size_table(study: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    cols = ["variant", "measured bytes", "published MB", "measured / published"]
    rows = []
    for r in study["sizes"]:
        published = None if r["published_bytes"] is None else r["published_bytes"] / 1e6
        rows.append([r["variant"], _num(r["measured_bytes"], 8), _num(published, 3),
                     _num(r["measured_over_published"], 4)])  # fmt: skip
    return cols, rows


def _rec_rows(study: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    cols = ["device", "best within real time (≥ 30 FPS)", "why", "most accurate on the front"]
    rows = []
    for view, rec in study["recommendations"].items():
        rt = rec["real_time"][0] if rec["real_time"] else None
        best = rec["most_accurate_on_front"][0] if rec["most_accurate_on_front"] else None
        if rt is None:
            rt_text, why = "–", ""
        elif rec["real_time_met"]:
            rt_text, why = rt["label"], "; ".join(rt["why"][:1] + rt.get("warnings", []))
        else:
            rt_text, why = f"none (nearest: {rt['label']})", "; ".join(rt.get("why_not", []))
        rows.append([view, rt_text, why, best["label"] if best else "–"])
    return cols, rows


def _training_rows(training: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    cols = ["variant", "top-1 % (95% CI)", "n", "points from published", "trained"]
    rows = []
    for r in training["rows"]:
        top1 = f"{_num(r['top1'])} [{_num(r['ci'][0])}, {_num(r['ci'][1])}]"
        trained = "–" if r["train_seconds"] is None else f"trained in {float(r['train_seconds']):.0f} s"
        rows.append([r["variant"], top1, r["n"], _num(r["points_from_published"]), trained])
    return cols, rows


def _training_lines(training: dict[str, Any]) -> list[str]:
    lines = [f"Trained here: {s}." for s in training["schedules"]]
    if training["published"]:
        lines.append(f"Published: {training['published']}; the gap is this schedule's, not the architecture's.")
    return lines


def _time_rows(section: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    kinds = list(section["rows"][0]["ms"]) if section["rows"] else []
    cols = ["file (engine, CPUs)", *[f"{k.replace('_', ' ')} ms (share)" for k in kinds], "layer sum ms",
            "bench median ms", "sum vs bench", "times from"]  # fmt: skip
    rows = []
    for r in section["rows"]:
        cells = [f"{_num(r['ms'][k], 3)} ({100 * r['share'][k]:.0f}%)" for k in kinds]
        vs = "–" if r["sum_vs_bench"] is None else f"{100 * r['sum_vs_bench']:+.1f}%"
        rows.append([r["label"], *cells, _num(r["total_ms"], 4), _num(r["bench_ms"], 4), vs, r["times_from"]])
    return cols, rows


TIME_NOTE = ("Per-layer times from the engine's own profiler (or an imported benchmark_model op table), "
             "mapped onto the cost model's layers; source: measured, per file shown.")  # fmt: skip


def _training_html(study: dict[str, Any]) -> list[str]:
    if "training" not in study:
        return []
    lines = [f"<p>{_e(line)}</p>" for line in _training_lines(study["training"])]
    return ["<h3>What was trained</h3>", *lines, _table(*_training_rows(study["training"]), numeric=(1, 2, 3))]


def _time_html(doc: dict[str, Any], out_dir: Path) -> list[str]:
    if "time_goes" not in doc:
        return []
    sec = doc["time_goes"]
    data = base64.b64encode((out_dir / sec["png"]).read_bytes()).decode()
    return ["<h2>Where the time goes</h2>", f"<p>{_e(TIME_NOTE)}</p>",
            f"<figure><img alt='where the time goes' src='data:image/png;base64,{data}'>"
            f"<figcaption>Time by layer kind (<a href='{_e(sec['svg'])}'>SVG</a>)</figcaption></figure>",
            _table(*_time_rows(sec))]  # fmt: skip


def _provenance_rows(doc: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    cols = ["#", "variant", "metric", "value", "CI", "n", "source", "device / dataset", "engine", "protocol",
            "artifact", "citation / tools"]  # fmt: skip
    rows = []
    for p in doc["provenance"]:
        ci = "" if p["ci"] is None else f"[{_num(p['ci'][0])}, {_num(p['ci'][1])}]"
        src = ("html", f"<span class='src-{_e(p['source'])}'>{_e(p['source'])}</span>", p["source"])
        proto = "; ".join([p["protocol"] or "", *(f"⚠ {n}" for n in p.get("notes") or [])]).strip("; ")
        rows.append([p["id"], p["variant"], p["metric"], _num(p["value"], 6), ci, _num(p["n"]), src, p["where"],
                     p["engine"] or "", proto, p["artifact"] or "",
                     p["citation"] or p["tools"]])  # fmt: skip
    return cols, rows


def _protocol_rows(doc: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    cols = ["device", "source", "engine", "threads", "kernel path", "protocol", "figures"]
    rows = []
    for p in doc["protocols"]:
        proto = ", ".join(f"{k}={v}" for k, v in sorted(p["protocol"].items())
                          if v is not None and not isinstance(v, (dict, list)))  # fmt: skip
        threads = p["threads"] if p["threads"] else "unknown"  # an imported log may not state it
        rows.append([p["device"], p["source"], f"{p['engine'] or ''} {p['engine_version'] or ''}".strip(),
                     threads, p["kernel_path"] or "", proto, p["count"]])  # fmt: skip
    return cols, rows


def _paper_lines(doc: dict[str, Any]) -> list[str]:
    pp = doc["paper"]
    lines = [f"alpha 1.0 → 0.25 on {r['device']} {r['precision'].upper()}: {r['speedup']:.2f}x"
             for r in pp["alpha_speedup"]]  # fmt: skip
    lines += [f"{r['faster']} over {r['slower']} ({r['precision'].upper()}, mean over alpha): {r['mean_ratio']:.2f}x"
              for r in pp["cluster_ratio_mean"]]  # fmt: skip
    lines += [f"INT8 gain on {d}: {g['min']:.3f}x – {g['max']:.3f}x" for d, g in pp["int8_gain_range"].items()]
    lines += pp["moves"]
    return lines


def _est(e: dict[str, Any] | None, digits: int = 4) -> str:
    if not e:
        return "–"
    lo, hi = e.get("ci") or (None, None)
    ci = f" [{_num(lo, digits)}, {_num(hi, digits)}]" if lo is not None and hi is not None and lo != hi else ""
    return f"{_num(e['value'], digits)}{ci}" + (f" (n={e['n']})" if e.get("n") else "")


def _yours_rows(yours: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The first table: one row per given file; a latency cell says NOISY or partly delegated where it is, and
    the end-to-end figure (decode + preprocessing + invoke + top-k, its preset named) stands beside it."""
    devices = yours["devices"]
    e2e = [d for d in devices if any(f.get("e2e_ms", {}).get(d) for f in yours["files"])]
    cols = ["file", "variant", "bytes", "top-1 % [CI] (n)", "top-5 % [CI]"] + [f"ms on {d}" for d in devices]
    cols += [f"end-to-end ms on {d}" for d in e2e]
    twins = any(f.get("published_top1") is not None for f in yours["files"])
    cols += ["published top-1 % (ImageNet val, 50,000)"] if twins else []
    rows = []
    for f in yours["files"]:
        rows.append([f["file"], f["label"], _num(f["bytes"]), _est(f.get("top1")),
                     _est({k: v for k, v in (f.get("top5") or {}).items() if k != "n"} or None),
                     *[_latency_cell(f["latency_ms"].get(d)) for d in devices],
                     *[_e2e_cell(f.get("e2e_ms", {}).get(d)) for d in e2e],
                     *([_num(f.get("published_top1"))] if twins else [])])  # fmt: skip
    return cols, rows


def _latency_cell(e: dict[str, Any] | None) -> str:
    marks = [m for m in (e or {}).get("marks", []) if m]
    return _est(e) + (f" ({'; '.join(marks)})" if marks else "")


def _e2e_cell(e: dict[str, Any] | None) -> str:
    return _est(e) + (f" ({e['preset']})" if e and e.get("preset") else "")


def _answer_rows(yours: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    cols = ["device", "accuracy on", "#", "variant", "ms", "MB", "top-1 %", "why"]
    rows = []
    for a in yours["answers"]:
        recs = a["recommendations"] or [{**n, "rank": "–", "why": ["nearest miss: " + "; ".join(n["why_not"])]}
                                        for n in a.get("nearest", [])[:1]]  # fmt: skip
        for r in recs:
            m = r["metrics"]
            rows.append([a["device"], a["dataset"], r["rank"], r["label"], _num(m["latency_ms"]["value"]),
                         _num(m.get("size_mb", {}).get("value"), 3), _num(m["top1"]["value"]),
                         "; ".join(r["why"] + r.get("warnings", []))])  # fmt: skip
    return cols, rows


def _yours_html(doc: dict[str, Any]) -> list[str]:
    yours = doc.get("yours")
    if not yours:
        return []
    return [
        "<h2>Your models</h2>",
        "<p class='note'>Every file you gave, measured here on one file each: size, top-1/top-5 (Wilson 95% CIs, "
        "n images) and latency (median [95% CI]) per device.</p>",
        _table(*_yours_rows(yours)),
        f"<h3>Recommended per device</h3><p class='note'>Budget: {_e(_budget_text(yours))}.</p>",
        _table(*_answer_rows(yours)),
        "<p class='note'>The seed's reference devices and the built studies follow.</p>",
    ]


def _budget_text(yours: dict[str, Any]) -> str:
    b = yours["budget"]
    parts = [f"latency ≤ {b['max_latency_ms']:g} ms" if b.get("max_latency_ms") else None,
             f"size ≤ {b['max_size_mb']:g} MB" if b.get("max_size_mb") else None,
             f"top-1 ≥ {b['min_top1']:g}%" if b.get("min_top1") is not None else None,
             f"energy ≤ {b['max_energy_mj']:g} mJ" if b.get("max_energy_mj") else None]  # fmt: skip
    return (", ".join(p for p in parts if p) or "none") + f" ({yours['budget_basis']})"


def _energy_html(section: dict[str, Any] | None) -> list[str]:
    out = []
    for kind, content in energy_blocks(section):
        out.append(_table(*content) if kind == "table" else f"<{kind}>{_e(content)}</{kind}>")
    return out


def _energy_md(section: dict[str, Any] | None) -> list[str]:
    out = []
    for kind, content in energy_blocks(section):
        head = {"h3": "### ", "h4": "#### "}.get(kind)
        out += [_md_table(*content) if kind == "table" else (head + content if head else md_text(content)), ""]
    return out


ANSWER_TAGS = "m = measured here, p = published (cited table), e = predicted"


def _tagged(row: dict[str, Any], metric: str, digits: int = 4) -> tuple[str, str]:
    """A number with a one-letter tag saying where it came from: (html, markdown)."""
    from edgepareto.report._answers import SHORT_SOURCE

    value = _num(row.get(metric), 3 if metric == "size_mb" else digits)
    source = row["sources"].get("size_bytes" if metric == "size_mb" else metric)
    if source is None:
        return value, value
    tag = SHORT_SOURCE.get(source, source)
    return f"{value}<sup class='src-{_e(source)}'>{_e(tag)}</sup>", f"{value} {tag}"


def _answer_table(fronts: list[dict[str, Any]], *, markdown: bool = False) -> str:
    """One device's Pareto-optimal variants, one block of rows per study: variant, ms, top-1, MB, each tagged."""
    cols = ["variant", "ms", "top-1 %", "MB"]
    if markdown:
        rows = [[f"{r['label']}{' *' if r.get('stand_in') else ''}", f["dataset"],
                 *(_tagged(r, m)[1] for m in ("latency_ms", "top1", "size_mb"))]
                for f in fronts for r in f["rows"]]  # fmt: skip
        return _md_table(["variant", "top-1 on", *cols[1:]], rows)
    body = []
    for f in fronts:
        engine = f["view"][len(f["device"]) :].strip() if f["view"] != f["device"] else ""  # "[onnxruntime]"
        body.append(f"<tr><th colspan='4'>top-1 on {_e(f['dataset'])} {_e(engine)}</th></tr>")
        for r in f["rows"]:
            cells = "".join(f"<td class='num'>{_tagged(r, m)[0]}</td>" for m in ("latency_ms", "top1", "size_mb"))
            body.append(f"<tr><td>{_e(r['label'])}{' *' if r.get('stand_in') else ''}</td>{cells}</tr>")
    head = "".join(f"<th>{c}</th>" for c in cols)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _answer_html(doc: dict[str, Any], out_dir: Path) -> list[str]:
    """The report's first section: for every device in the store, its Pareto-optimal variants, side by side."""
    answer = doc["answer"]
    cards = []
    for d in answer["devices"]:
        table = _answer_table(d["fronts"]) if any(f["rows"] for f in d["fronts"]) else (
            "<p class='note'>no variant with both a latency and a top-1 here yet</p>")  # fmt: skip
        cards.append(f"<div class='answer-device'><h3>{_e(d['device'])}</h3>{table}</div>")
    return [
        "<section id='answer' class='answer'><h2>The answer: the Pareto-optimal variants per device</h2>",
        f"<p class='finding'>{_e(answer['finding'])}</p>",
        f"<div class='answer-grid'>{''.join(cards)}</div>",
        f"<p class='note'>Each row is on its device's latency–top-1 front (fastest first). Sources: {ANSWER_TAGS}; "
        "* a stand-in (latency of a file built here beside the published top-1 of Google's file). "
        "The plots, then the details, follow.</p></section>",
    ]


def _answer_md(doc: dict[str, Any]) -> list[str]:
    answer = doc["answer"]
    md = ["## The answer: the Pareto-optimal variants per device", "", md_text(answer["finding"]), ""]
    for d in answer["devices"]:
        md += [f"### {md_text(d['device'])}", ""]
        if any(f["rows"] for f in d["fronts"]):
            md += [_answer_table(d["fronts"], markdown=True), ""]
        else:
            md += ["No variant with both a latency and a top-1 here yet.", ""]
    md += [f"Sources: {ANSWER_TAGS}; * a stand-in (latency of a file built here, published top-1 of Google's file).",
           ""]  # fmt: skip
    return md


def _legend_html(doc: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in sorted(doc["counts"].items()))
    return (
        f"<p class='note'>Generated {_e(doc['generated_at'])} from <code>{_e(doc['store'])}</code> "
        f"(schema v{doc['schema_version']}): {_e(counts)} figures. Every number carries its source: "
        "<span class='src-measured'>measured</span> here, <span class='src-published'>published</span> "
        "(from a cited table) or <span class='src-predicted'>predicted</span>. FP32 blue dots, INT8 orange crosses, "
        "same-alpha configurations in a dashed ellipse, the Pareto front as a red line; error bars are 95% CIs and "
        "a grey ring marks a point whose front status is too close to call given them; a dotted red square marks "
        "a stand-in (latency of a file built here beside the accuracy of another file).</p>"
    )


def _plots_html(doc: dict[str, Any], out_dir: Path) -> list[str]:
    """Every study's plots, after the answer and before the details."""
    parts = ["<h2 id='plots'>Plots</h2>", _legend_html(doc)]
    for study in doc["studies"]:
        if not study["plots"]:
            continue
        parts.append(f"<h3>{_e(study['description'])} (<code>{_e(study['dataset'])}</code>)</h3>")
        for plot in study["plots"]:
            data = base64.b64encode((out_dir / plot["png"]).read_bytes()).decode()
            parts.append(
                f"<figure><img alt='{_e(plot['title'])}' src='data:image/png;base64,{data}'>"
                f"<figcaption>{_e(plot['title'])} (<a href='{_e(plot['svg'])}'>SVG</a>)</figcaption></figure>"
            )
    return parts


DETAILS_NOTE = ("Everything below backs the answer and the plots above: each study's tables (fronts, sizes, "
                "Table II, speed-ups, cross-device moves, recommendations), the seed paper recomputed, the "
                "protocols, the devices and the provenance of every number. Skip to the heading you need.")  # fmt: skip


def _details_html(doc: dict[str, Any], out_dir: Path) -> list[str]:
    parts = ["<h2 id='details'>Details</h2>", f"<p class='note'>{_e(DETAILS_NOTE)}</p>"]
    for study in doc["studies"]:
        parts += _study_html(study)
    return parts


def _study_html(study: dict[str, Any]) -> list[str]:
    """One study's tables (its plots are in the plots section)."""
    parts = [f"<h2>Study: {_e(study['description'])} (<code>{_e(study['dataset'])}</code>)</h2>"]
    parts += _training_html(study)
    if "memory" in study:
        parts.append("<h3>Memory – accuracy</h3>")
        parts.append(_table(*_point_rows(study["memory"], latency=False), numeric=(1,)))
    for view, entries in study["devices"].items():
        parts.append(f"<h3>Latency – accuracy on {_e(view)}</h3>")
        parts.append(_table(*_point_rows(entries, latency=True), numeric=(2, 3, 4, 5)))
    if any(r["measured_bytes"] for r in study["sizes"]):
        parts.append("<h3>File sizes: built here vs published</h3>")
        parts.append(_table(*_size_table(study), numeric=(1, 2, 3)))
    if study["fps_table"]:
        parts.append(f"<h3>Table II analogue: frames per second at {study['resolution']}×{study['resolution']}</h3>")
        cols, rows = _fps_rows(study)
        parts.append(_table(cols, rows, numeric=tuple(range(1, len(cols)))))
        for title, (cols, rows) in _speedup_rows(study["speedups"]).items():
            if rows:
                parts.append(f"<h4>{_e(title)}</h4>" + _table(cols, rows, numeric=(len(cols) - 1,)))
    parts += _energy_html(study.get("energy"))
    if study.get("alpha_tables_note"):
        parts.append(f"<p>{_e(study['alpha_tables_note'])}</p>")
    if study["cross_device"]:
        parts.append("<h3>Cross-device difference: the front moves with the hardware</h3>")
        parts.append("<ul>" + "".join(f"<li>{_e(m)}</li>" for m in study["moves"]) + "</ul>" if study["moves"]
                     else "<p>The same variants are optimal on every device.</p>")  # fmt: skip
        rows = [[d["from"], d["to"], ", ".join(d["enters"]) or "–", ", ".join(d["leaves"]) or "–", d["compared"]]
                for d in study["cross_device"]]  # fmt: skip
        parts.append(_table(["from", "to", "enters the front", "leaves the front", "variants compared"], rows))
    if study["recommendations"]:
        parts.append("<h3>Recommendations</h3>")
        parts.append(_table(*_rec_rows(study)))
    return parts


def _paper_html(doc: dict[str, Any], out_dir: Path) -> list[str]:
    parts = ["<h2>The seed paper, recomputed from its own Table II</h2><ul>"]
    parts.extend(f"<li>{_e(line)}</li>" for line in _paper_lines(doc))
    parts.append("</ul>")
    flagged = doc["paper"]["flagged"]
    rows = [[("html", f"<span class='flag'>{_e(c['verdict'])}</span>", c["verdict"]), c["section"], c["text"],
             c["stated"], c["note"], c["basis"]] for c in flagged]  # fmt: skip
    parts.append(f"<p>{len(flagged)} claims of the text are not supported as stated (run "
                 "<code>edgepareto paper</code> for all of them):</p>")  # fmt: skip
    parts.append(_table(["verdict", "§", "claim", "stated", "recomputed", "basis"], rows))
    return parts


def _protocols_devices_html(doc: dict[str, Any], out_dir: Path) -> list[str]:
    parts = ["<h2>Protocols</h2>" + _table(*_protocol_rows(doc)), "<h2>Devices</h2>"]
    for d in doc["devices"]:
        fp = ", ".join(f"{k}: {v}" for k, v in d["fingerprint"].items()
                       if v is not None and v != "" and not isinstance(v, (dict, list)))  # fmt: skip
        parts.append(f"<p><b>{_e(d['name'])}</b> ({_e(d['kind'])}): {_e(fp)}</p>")
    return parts


def _provenance_html(doc: dict[str, Any], out_dir: Path) -> list[str]:
    return [f"<h2>Provenance of every number</h2><details><summary>{len(doc['provenance'])} figures</summary>",
            _table(*_provenance_rows(doc), numeric=(3, 5)) + "</details>"]  # fmt: skip


#: The report's sections in reading order: the answer first, the plots next, then the details a reader can skip.
HTML_SECTIONS = (
    _answer_html,
    lambda doc, out_dir: _yours_html(doc),
    _plots_html,
    _details_html,
    _time_html,
    _paper_html,
    _protocols_devices_html,
    _provenance_html,
)


def write_html(doc: dict[str, Any], out_dir: Path) -> Path:
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_e(doc['title'])}</title>",
             f"<style>{CSS}</style></head><body>", f"<h1>{_e(doc['title'])}</h1>"]  # fmt: skip
    for section in HTML_SECTIONS:
        parts += section(doc, out_dir)
    parts.append("</body></html>\n")
    path = out_dir / "report.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _plots_md(doc: dict[str, Any]) -> list[str]:
    md = ["## Plots", ""]
    for study in doc["studies"]:
        if study["plots"]:
            md += [f"### {md_text(study['description'])} ({_md_code(study['dataset'])})", ""]
            md += [f"![{md_text(p['title'])}]({urllib.parse.quote(str(p['png']))})" for p in study["plots"]] + [""]
    return md


def _study_md(study: dict[str, Any]) -> list[str]:
    md = [f"## {md_text(study['description'])} ({_md_code(study['dataset'])})", ""]
    if "training" in study:
        md += ["### What was trained", ""] + [md_text(x) for x in _training_lines(study["training"])]
        md += ["", _md_table(*_training_rows(study["training"])), ""]
    if "memory" in study:
        md += ["### Memory – accuracy", "", _md_table(*_point_rows(study["memory"], latency=False)), ""]
    for view, entries in study["devices"].items():
        md += [f"### Latency – accuracy on {md_text(view)}", "", _md_table(*_point_rows(entries, latency=True)), ""]
    if any(r["measured_bytes"] for r in study["sizes"]):
        md += ["### File sizes: built here vs published", "", _md_table(*_size_table(study)), ""]
    if study["fps_table"]:
        md += [f"### Table II analogue (FPS, {study['resolution']}×{study['resolution']})", "",
               _md_table(*_fps_rows(study)), ""]  # fmt: skip
        for title, (cols, rows) in _speedup_rows(study["speedups"]).items():
            if rows:
                md += [f"#### {title}", "", _md_table(cols, rows), ""]
    md += _energy_md(study.get("energy"))
    if study.get("alpha_tables_note"):
        md += [md_text(study["alpha_tables_note"]), ""]
    if study["cross_device"]:
        md += ["### Cross-device difference", ""] + [f"- {md_text(m)}" for m in study["moves"]] + [""]
    if study["recommendations"]:
        md += ["### Recommendations", "", _md_table(*_rec_rows(study)), ""]
    return md


def _yours_md(doc: dict[str, Any]) -> list[str]:
    if not doc.get("yours"):
        return []
    y = doc["yours"]
    return ["## Your models", "", _md_table(*_yours_rows(y)), "", "### Recommended per device", "",
            f"Budget: {_budget_text(y)}.", "", _md_table(*_answer_rows(y)), ""]  # fmt: skip


def _details_md(doc: dict[str, Any]) -> list[str]:
    md = ["## Details", "", DETAILS_NOTE, ""]
    for study in doc["studies"]:
        md += _study_md(study)
    if "time_goes" in doc:
        sec = doc["time_goes"]
        md += ["## Where the time goes", "", TIME_NOTE, "", f"![where the time goes]({urllib.parse.quote(sec['png'])})",
               "", _md_table(*_time_rows(sec)), ""]  # fmt: skip
    md += ["## The seed paper, recomputed from its own Table II", ""] + [f"- {x}" for x in _paper_lines(doc)] + [""]
    md += [_md_table(["verdict", "§", "claim", "stated", "recomputed", "basis"],
                     [[c["verdict"], c["section"], c["text"], c["stated"], c["note"], c["basis"]]
                      for c in doc["paper"]["flagged"]]), ""]  # fmt: skip
    n = len(doc["provenance"])
    md += ["## Protocols", "", _md_table(*_protocol_rows(doc)), "",
           f"Provenance of all {n} figures: see report.html or `edgepareto results`.", ""]  # fmt: skip
    return md


def write_markdown(doc: dict[str, Any], out_dir: Path) -> Path:
    """The same sections in the same order as the HTML page: the answer, your models, the plots, the details."""
    md = [f"# {doc['title']}", "", f"Generated {doc['generated_at']} from {_md_code(doc['store'])}. Sources: "
          + ", ".join(f"{n} {s}" for s, n in sorted(doc["counts"].items())) + " figures.", ""]  # fmt: skip
    md += _answer_md(doc) + _yours_md(doc) + _plots_md(doc) + _details_md(doc)
    path = out_dir / "report.md"
    path.write_text("\n".join(md), encoding="utf-8")
    return path
