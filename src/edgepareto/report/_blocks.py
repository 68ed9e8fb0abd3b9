"""The report as one list of blocks, and its two renderers (a self-contained HTML page, a Markdown summary).

The sections (``_layout.py``) say what the report holds once; these renderers only lay it out, so the HTML
page and the Markdown summary cannot drift apart in content or order. A block marked ``only="html"`` or
``only="md"`` exists in one form alone (the HTML page's notes and provenance table, the Markdown's pointers).
"""

from __future__ import annotations

import base64
import html
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMATS = (None, "html", "md")

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


@dataclass(frozen=True)
class Block:
    """Base of every block; ``only`` names the one renderer that shows it (None: both)."""

    def __post_init__(self) -> None:
        only = getattr(self, "only", None)
        if only not in FORMATS:
            raise ValueError(f"a report block's only= must be one of {FORMATS}, not {only!r}")


@dataclass(frozen=True)
class Heading(Block):
    """``text`` (``md``: the Markdown's shorter wording), then `` (code)`` where ``code`` is given."""

    level: int
    text: str
    code: str | None = None
    md: str | None = None
    anchor: str | None = None
    only: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 1 <= self.level <= 4:
            raise ValueError(f"a report heading's level must be 1 to 4, not {self.level}")


@dataclass(frozen=True)
class Para(Block):
    """A paragraph of plain text; ``css``: its HTML class (a note, the answer's finding)."""

    text: str
    css: str | None = None
    only: str | None = None


@dataclass(frozen=True)
class Table(Block):
    """Columns and rows; a cell ``("html", markup, markdown)`` carries its own two forms. ``fold``: the HTML
    page folds the table under this summary."""

    columns: Sequence[Any]
    rows: Sequence[Sequence[Any]]
    numeric: Sequence[int] = ()
    fold: str | None = None
    only: str | None = None


@dataclass(frozen=True)
class Bullets(Block):
    items: Sequence[str]
    only: str | None = None


@dataclass(frozen=True)
class Figure(Block):
    """A plot: its PNG (embedded in the HTML page, linked from Markdown) and its SVG (linked from the caption)."""

    png: str
    svg: str
    alt: str
    caption: str
    only: str | None = None


@dataclass(frozen=True)
class Raw(Block):
    """Markup written for each format (the answer's cards, the legend): ``None`` where a format has none."""

    html: str | None = None
    md: str | None = None
    only: str | None = None


def num(x: Any, digits: int = 4) -> str:
    """A number as the report prints it: 4 significant digits, thousands grouped above 1e5, "–" for none."""
    if x is None:
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:.{digits}g}" if abs(x) < 1e5 else f"{x:,.0f}"
    return str(x)


def esc(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def md_text(value: Any) -> str:
    """Text from the store (device, dataset, variant names) made inert in Markdown: HTML is escaped
    (a device named <script> stays text in every renderer), brackets and backticks cannot open a
    link, an image or a code span, and a newline cannot start a new block."""
    text = html.escape(str(value), quote=False).replace("\n", " ").replace("\r", " ")
    for ch in "\\`[]":
        text = text.replace(ch, "\\" + ch)
    return text


def md_code(value: Any) -> str:
    return "`" + str(value).replace("`", "'").replace("\n", " ") + "`"


def html_table(columns: Sequence[Any], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            raw = isinstance(v, tuple) and v and v[0] == "html"
            text = v[1] if raw else esc(v)
            cells.append(f"<td class='num'>{text}</td>" if i in numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def md_table(columns: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, tuple) and v and v[0] == "html":
            v = v[2] if len(v) > 2 else ""
        return md_text(v).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _html_block(b: Block, out_dir: Path) -> str | None:
    if isinstance(b, Heading):
        anchor = f" id='{esc(b.anchor)}'" if b.anchor else ""
        code = f" (<code>{esc(b.code)}</code>)" if b.code is not None else ""
        return f"<h{b.level}{anchor}>{esc(b.text)}{code}</h{b.level}>"
    if isinstance(b, Para):
        return f"<p class='{b.css}'>{esc(b.text)}</p>" if b.css else f"<p>{esc(b.text)}</p>"
    if isinstance(b, Table):
        table = html_table(b.columns, b.rows, b.numeric)
        return f"<details><summary>{esc(b.fold)}</summary>{table}</details>" if b.fold else table
    if isinstance(b, Bullets):
        return "<ul>" + "".join(f"<li>{esc(m)}</li>" for m in b.items) + "</ul>"
    if isinstance(b, Figure):
        data = base64.b64encode((out_dir / b.png).read_bytes()).decode()
        return (
            f"<figure><img alt='{esc(b.alt)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{esc(b.caption)} (<a href='{esc(b.svg)}'>SVG</a>)</figcaption></figure>"
        )
    assert isinstance(b, Raw), b
    return b.html


def _md_block(b: Block) -> str | None:
    if isinstance(b, Heading):
        code = f" ({md_code(b.code)})" if b.code is not None else ""
        return "#" * b.level + " " + md_text(b.md if b.md is not None else b.text) + code + "\n"
    if isinstance(b, Para):
        return md_text(b.text) + "\n"
    if isinstance(b, Table):
        return md_table(b.columns, b.rows) + "\n"
    if isinstance(b, Bullets):
        return "".join(f"- {md_text(m)}\n" for m in b.items)
    if isinstance(b, Figure):
        return f"![{md_text(b.alt)}]({urllib.parse.quote(str(b.png))})\n"
    assert isinstance(b, Raw), b
    return None if b.md is None else b.md + "\n"


def html_page(title: str, blocks: Sequence[Block], out_dir: Path) -> str:
    """A self-contained page, one block a line; PNGs are read from ``out_dir`` and embedded."""
    parts = (_html_block(b, out_dir) for b in blocks if getattr(b, "only", None) != "md")
    head = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>\n"
        f"<style>{CSS}</style></head><body>\n<h1>{esc(title)}</h1>"
    )
    return "\n".join([head, *(p for p in parts if p is not None), "</body></html>\n"])


def markdown_page(title: str, intro: str, blocks: Sequence[Block]) -> str:
    """The summary: a title, a line of provenance, then the blocks separated by blank lines."""
    parts = (_md_block(b) for b in blocks if getattr(b, "only", None) != "html")
    return "\n".join([f"# {title}\n", intro + "\n", *(p for p in parts if p is not None)])
