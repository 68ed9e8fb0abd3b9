"""The report document as one list of sections (blocks, in reading order); ``_blocks.py`` renders the list
as a self-contained HTML page (plots embedded) and as a Markdown summary, so both say the same in one order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from edgepareto.report._answer_table import ANSWER_TAGS, answer_table
from edgepareto.report._blocks import (
    Block,
    Bullets,
    Figure,
    Heading,
    Para,
    Raw,
    Table,
    esc,
    html_page,
    markdown_page,
    md_code,
    num,
)
from edgepareto.report._energy import alpha_grid, energy_blocks


def _ci(row: dict[str, Any], metric: str, digits: int = 4) -> str:
    v = num(row.get(metric), digits)
    ci = row.get(f"{metric}_ci")
    return f"{v} [{num(ci[0], digits)}, {num(ci[1], digits)}]" if ci else v


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
        label = ("html", f"<span class='front'>{esc(text)}</span>" if r["on_front"] else esc(text),
                 f"**{text}**" if r["on_front"] else text)  # fmt: skip
        if r.get("stand_in"):
            srcs = f"{srcs}; {r['stand_in']}"
        top1 = _ci(r, "top1") + (f" (published {r['published_top1']:.1f})" if r.get("published_top1") else "")
        if latency:
            rows.append([label, r["engine"], _ci(r, "latency_ms"), num(r.get("fps")), num(r.get("gmacs_per_s"), 3),
                         top1, srcs, r["status"], ", ".join(r["dominated_by"])])  # fmt: skip
            if e2e:
                preset = f" ({r['e2e_preset']})" if r.get("e2e_preset") else ""
                rows[-1].insert(3, _ci(r, "e2e_latency_ms") + preset if r.get("e2e_latency_ms") is not None else "–")
        else:
            rows.append([label, num(r.get("size_mb"), 3), top1, srcs, r["status"],
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
        rows.append([r["variant"], num(r["measured_bytes"], 8), num(published, 3),
                     num(r["measured_over_published"], 4)])  # fmt: skip
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
        top1 = f"{num(r['top1'])} [{num(r['ci'][0])}, {num(r['ci'][1])}]"
        trained = "–" if r["train_seconds"] is None else f"trained in {float(r['train_seconds']):.0f} s"
        rows.append([r["variant"], top1, r["n"], num(r["points_from_published"]), trained])
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
        cells = [f"{num(r['ms'][k], 3)} ({100 * r['share'][k]:.0f}%)" for k in kinds]
        vs = "–" if r["sum_vs_bench"] is None else f"{100 * r['sum_vs_bench']:+.1f}%"
        rows.append([r["label"], *cells, num(r["total_ms"], 4), num(r["bench_ms"], 4), vs, r["times_from"]])
    return cols, rows


TIME_NOTE = ("Per-layer times from the engine's own profiler (or an imported benchmark_model op table), "
             "mapped onto the cost model's layers; source: measured, per file shown.")  # fmt: skip


def _provenance_rows(doc: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    cols = ["#", "variant", "metric", "value", "CI", "n", "source", "device / dataset", "engine", "protocol",
            "artifact", "citation / tools"]  # fmt: skip
    rows = []
    for p in doc["provenance"]:
        ci = "" if p["ci"] is None else f"[{num(p['ci'][0])}, {num(p['ci'][1])}]"
        src = ("html", f"<span class='src-{esc(p['source'])}'>{esc(p['source'])}</span>", p["source"])
        proto = "; ".join([p["protocol"] or "", *(f"⚠ {n}" for n in p.get("notes") or [])]).strip("; ")
        rows.append([p["id"], p["variant"], p["metric"], num(p["value"], 6), ci, num(p["n"]), src, p["where"],
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
    ci = f" [{num(lo, digits)}, {num(hi, digits)}]" if lo is not None and hi is not None and lo != hi else ""
    return f"{num(e['value'], digits)}{ci}" + (f" (n={e['n']})" if e.get("n") else "")


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
        rows.append([f["file"], f["label"], num(f["bytes"]), _est(f.get("top1")),
                     _est({k: v for k, v in (f.get("top5") or {}).items() if k != "n"} or None),
                     *[_latency_cell(f["latency_ms"].get(d)) for d in devices],
                     *[_e2e_cell(f.get("e2e_ms", {}).get(d)) for d in e2e],
                     *([num(f.get("published_top1"))] if twins else [])])  # fmt: skip
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
            rows.append([a["device"], a["dataset"], r["rank"], r["label"], num(m["latency_ms"]["value"]),
                         num(m.get("size_mb", {}).get("value"), 3), num(m["top1"]["value"]),
                         "; ".join(r["why"] + r.get("warnings", []))])  # fmt: skip
    return cols, rows


def _budget_text(yours: dict[str, Any]) -> str:
    b = yours["budget"]
    parts = [f"latency ≤ {b['max_latency_ms']:g} ms" if b.get("max_latency_ms") else None,
             f"size ≤ {b['max_size_mb']:g} MB" if b.get("max_size_mb") else None,
             f"top-1 ≥ {b['min_top1']:g}%" if b.get("min_top1") is not None else None,
             f"energy ≤ {b['max_energy_mj']:g} mJ" if b.get("max_energy_mj") else None]  # fmt: skip
    return (", ".join(p for p in parts if p) or "none") + f" ({yours['budget_basis']})"


def _legend_html(doc: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in sorted(doc["counts"].items()))
    return (
        f"<p class='note'>Generated {esc(doc['generated_at'])} from <code>{esc(doc['store'])}</code> "
        f"(schema v{doc['schema_version']}): {esc(counts)} figures. Every number carries its source: "
        "<span class='src-measured'>measured</span> here, <span class='src-published'>published</span> "
        "(from a cited table) or <span class='src-predicted'>predicted</span>. FP32 blue dots, INT8 orange crosses, "
        "same-alpha configurations in a dashed ellipse, the Pareto front as a red line; error bars are 95% CIs and "
        "a grey ring marks a point whose front status is too close to call given them; a dotted red square marks "
        "a stand-in (latency of a file built here beside the accuracy of another file).</p>"
    )


DETAILS_NOTE = ("Everything below backs the answer and the plots above: each study's tables (fronts, sizes, "
                "Table II, speed-ups, cross-device moves, recommendations), the seed paper recomputed, the "
                "protocols, the devices and the provenance of every number. Skip to the heading you need.")  # fmt: skip


def _answer(doc: dict[str, Any]) -> list[Block]:
    """The report's first section: for every device in the store, its Pareto-optimal variants, side by side."""
    answer = doc["answer"]
    blocks: list[Block] = [Raw(html="<section id='answer' class='answer'>"),
                           Heading(2, "The answer: the Pareto-optimal variants per device"),
                           Para(answer["finding"], css="finding"), Raw(html="<div class='answer-grid'>")]  # fmt: skip
    for d in answer["devices"]:
        blocks += [Raw(html="<div class='answer-device'>"), Heading(3, d["device"])]
        if any(f["rows"] for f in d["fronts"]):
            blocks.append(Raw(html=answer_table(d["fronts"]), md=answer_table(d["fronts"], markdown=True)))
        else:
            blocks += [Para("no variant with both a latency and a top-1 here yet", css="note", only="html"),
                       Para("No variant with both a latency and a top-1 here yet.", only="md")]  # fmt: skip
        blocks.append(Raw(html="</div>"))
    return [
        *blocks,
        Raw(html="</div>"),
        Raw(html=f"<p class='note'>Each row is on its device's latency–top-1 front (fastest first). Sources: "
                 f"{ANSWER_TAGS}; * a stand-in (latency of a file built here beside the published top-1 of Google's "
                 "file). The plots, then the details, follow.</p>"),
        Para(f"Sources: {ANSWER_TAGS}; * a stand-in (latency of a file built here, published top-1 of Google's "
             "file).", only="md"),
        Raw(html="</section>"),
    ]  # fmt: skip


def _yours(doc: dict[str, Any]) -> list[Block]:
    yours = doc.get("yours")
    if not yours:
        return []
    return [
        Heading(2, "Your models"),
        Raw(html="<p class='note'>Every file you gave, measured here on one file each: size, top-1/top-5 (Wilson 95% "
                 "CIs, n images) and latency (median [95% CI]) per device.</p>"),
        Table(*_yours_rows(yours)),
        Heading(3, "Recommended per device"),
        Para(f"Budget: {_budget_text(yours)}.", css="note"),
        Table(*_answer_rows(yours)),
        Raw(html="<p class='note'>The seed's reference devices and the built studies follow.</p>"),
    ]  # fmt: skip


def _plots(doc: dict[str, Any]) -> list[Block]:
    """Every study's plots, after the answer and before the details."""
    blocks: list[Block] = [Heading(2, "Plots", anchor="plots"), Raw(html=_legend_html(doc))]
    for study in doc["studies"]:
        if study["plots"]:
            blocks.append(Heading(3, study["description"], code=study["dataset"]))
            blocks += [Figure(p["png"], p["svg"], p["title"], p["title"]) for p in study["plots"]]
    return blocks


def _energy(section: dict[str, Any] | None) -> list[Block]:
    heads = {"h3": 3, "h4": 4}
    return [Table(*c) if k == "table" else Heading(heads[k], c) if k in heads else Para(c)
            for k, c in energy_blocks(section)]  # fmt: skip


def _study(study: dict[str, Any]) -> list[Block]:
    """One study's tables (its plots are in the plots section)."""
    desc, res = study["description"], study["resolution"]
    blocks: list[Block] = [Heading(2, f"Study: {desc}", code=study["dataset"], md=desc)]
    if "training" in study:
        blocks += [Heading(3, "What was trained"), *(Para(x) for x in _training_lines(study["training"])),
                   Table(*_training_rows(study["training"]), numeric=(1, 2, 3))]  # fmt: skip
    if "memory" in study:
        blocks += [Heading(3, "Memory – accuracy"), Table(*_point_rows(study["memory"], latency=False), numeric=(1,))]
    for view, entries in study["devices"].items():
        blocks += [Heading(3, f"Latency – accuracy on {view}"),
                   Table(*_point_rows(entries, latency=True), numeric=(2, 3, 4, 5))]  # fmt: skip
    if any(r["measured_bytes"] for r in study["sizes"]):
        blocks += [Heading(3, "File sizes: built here vs published"), Table(*_size_table(study), numeric=(1, 2, 3))]
    if study["fps_table"]:
        cols, rows = _fps_rows(study)
        blocks += [Heading(3, f"Table II analogue: frames per second at {res}×{res}",
                           md=f"Table II analogue (FPS, {res}×{res})"),
                   Table(cols, rows, numeric=tuple(range(1, len(cols))))]  # fmt: skip
        for title, (cols, rows) in _speedup_rows(study["speedups"]).items():
            blocks += [Heading(4, title), Table(cols, rows, numeric=(len(cols) - 1,))] if rows else []
    blocks += _energy(study.get("energy"))
    blocks += [Para(study["alpha_tables_note"])] if study.get("alpha_tables_note") else []
    return blocks + _cross_device(study) + _recommendations(study)


def _cross_device(study: dict[str, Any]) -> list[Block]:
    if not study["cross_device"]:
        return []
    rows = [[d["from"], d["to"], ", ".join(d["enters"]) or "–", ", ".join(d["leaves"]) or "–", d["compared"]]
            for d in study["cross_device"]]  # fmt: skip
    return [
        Heading(3, "Cross-device difference: the front moves with the hardware", md="Cross-device difference"),
        Bullets(study["moves"]) if study["moves"] else Para("The same variants are optimal on every device.",
                                                            only="html"),
        Table(["from", "to", "enters the front", "leaves the front", "variants compared"], rows, only="html"),
    ]  # fmt: skip


def _recommendations(study: dict[str, Any]) -> list[Block]:
    return [Heading(3, "Recommendations"), Table(*_rec_rows(study))] if study["recommendations"] else []


def _details(doc: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Details", anchor="details"), Para(DETAILS_NOTE, css="note")]
    for study in doc["studies"]:
        blocks += _study(study)
    return blocks


def _time(doc: dict[str, Any]) -> list[Block]:
    if "time_goes" not in doc:
        return []
    sec = doc["time_goes"]
    figure = Figure(sec["png"], sec["svg"], "where the time goes", "Time by layer kind")
    return [Heading(2, "Where the time goes"), Para(TIME_NOTE), figure, Table(*_time_rows(sec))]


def _paper(doc: dict[str, Any]) -> list[Block]:
    flagged = doc["paper"]["flagged"]
    rows = [[("html", f"<span class='flag'>{esc(c['verdict'])}</span>", c["verdict"]), c["section"], c["text"],
             c["stated"], c["note"], c["basis"]] for c in flagged]  # fmt: skip
    return [Heading(2, "The seed paper, recomputed from its own Table II"), Bullets(_paper_lines(doc)),
            Raw(html=f"<p>{len(flagged)} claims of the text are not supported as stated (run "
                     "<code>edgepareto paper</code> for all of them):</p>"),
            Table(["verdict", "§", "claim", "stated", "recomputed", "basis"], rows)]  # fmt: skip


def _protocols_devices_provenance(doc: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Protocols"), Table(*_protocol_rows(doc)), Heading(2, "Devices", only="html")]
    for d in doc["devices"]:
        fp = ", ".join(f"{k}: {v}" for k, v in d["fingerprint"].items()
                       if v is not None and v != "" and not isinstance(v, (dict, list)))  # fmt: skip
        blocks.append(Raw(html=f"<p><b>{esc(d['name'])}</b> ({esc(d['kind'])}): {esc(fp)}</p>"))
    n = len(doc["provenance"])
    return [
        *blocks,
        Heading(2, "Provenance of every number", only="html"),
        Table(*_provenance_rows(doc), numeric=(3, 5), fold=f"{n} figures", only="html"),
        Raw(md=f"Provenance of all {n} figures: see report.html or `edgepareto results`."),
    ]


#: The report's sections in reading order: the answer first, the plots next, then the details a reader can skip.
SECTIONS: tuple[Callable[[dict[str, Any]], list[Block]], ...] = (
    _answer, _yours, _plots, _details, _time, _paper, _protocols_devices_provenance,
)  # fmt: skip


def sections(doc: dict[str, Any]) -> list[Block]:
    """The whole report as one list of blocks, laid out alike by both writers."""
    return [block for section in SECTIONS for block in section(doc)]


def write_html(doc: dict[str, Any], out_dir: Path) -> Path:
    path = out_dir / "report.html"
    path.write_text(html_page(doc["title"], sections(doc), out_dir), encoding="utf-8")
    return path


def write_markdown(doc: dict[str, Any], out_dir: Path) -> Path:
    """The same sections in the same order as the HTML page: the answer, your models, the plots, the details."""
    counts = ", ".join(f"{n} {s}" for s, n in sorted(doc["counts"].items()))
    intro = f"Generated {doc['generated_at']} from {md_code(doc['store'])}. Sources: {counts} figures."
    path = out_dir / "report.md"
    path.write_text(markdown_page(doc["title"], intro, sections(doc)), encoding="utf-8")
    return path
