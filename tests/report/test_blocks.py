"""The report is one list of blocks; the HTML and Markdown renderers lay out that one list, each block once."""

from __future__ import annotations

import pytest

from edgepareto.report._blocks import Bullets, Heading, Para, Raw, Table, html_page, markdown_page


def _blocks() -> list:
    return [Heading(2, "Study: toy", code="toy-test", md="toy"), Para("a <b> device's note", css="note"),
            Table(["variant", "ms"], [["a|b", 1.5], [("html", "<i>x</i>", "x"), 2]], numeric=(1,)),
            Bullets(["moves [here]"]), Para("page only", only="html"), Raw(md="summary only"),
            Table(["#"], [[1]], fold="1 figures", only="html")]  # fmt: skip


def test_both_renderers_lay_out_the_same_blocks_in_order(tmp_path):
    page = html_page("T", _blocks(), tmp_path)
    md = markdown_page("T", "intro", _blocks())
    assert page.index("<h2>Study: toy (<code>toy-test</code>)</h2>") < page.index("a &lt;b&gt; device&#x27;s note")
    assert "<td class='num'>1.5</td>" in page and "<i>x</i>" in page and "<li>moves [here]</li>" in page
    assert "<details><summary>1 figures</summary>" in page and "summary only" not in page
    assert md.index("## toy (`toy-test`)") < md.index("a &lt;b&gt; device's note") < md.index("| a\\|b | 1.5 |")
    assert "| x | 2 |" in md and "- moves \\[here\\]" in md and "summary only" in md
    assert "page only" not in md and "1 figures" not in md


def test_a_block_for_an_unknown_format_or_level_is_refused():
    with pytest.raises(ValueError, match="only="):
        Para("x", only="pdf")
    with pytest.raises(ValueError, match="level"):
        Heading(5, "x")
