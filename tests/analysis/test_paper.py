"""The issue's acceptance figures, recomputed from the seed's own Table II."""

from __future__ import annotations

import pytest

from edgepareto.analysis.paper import judge, reproduce
from edgepareto.analysis.reference import A7, A15, reference_records, seed_table2


@pytest.fixture(scope="module")
def doc():
    return reproduce()


def test_table_ii_is_complete():
    rows = seed_table2()
    assert len(rows) == 16 and {r.device for r in rows} == {A15, A7}
    assert next(r.fps for r in rows if r.device == A15 and r.alpha == 1.0 and r.precision == "int8") == 8.96


def test_alpha_speedups(doc):
    s = {(r["device"], r["precision"]): r["speedup"] for r in doc["alpha_speedup"]}
    assert round(s[(A15, "fp32")], 2) == 10.54
    assert round(s[(A15, "int8")], 2) == 6.26


def test_cluster_ratios_averaged_over_alpha(doc):
    m = {r["precision"]: r["mean_ratio"] for r in doc["cluster_ratio_mean"] if r["faster"] == A15}
    assert round(m["fp32"], 2) == 4.85
    assert round(m["int8"], 2) == 4.12


def test_int8_gain_ranges(doc):
    g = doc["int8_gain_range"]
    assert round(g[A15]["min"], 2) == 1.28 and round(g[A15]["max"], 2) == 2.15
    assert g[A7]["min"] == pytest.approx(1.6054, abs=1e-4) and round(g[A7]["max"], 2) == 2.41


def test_flags_the_texts_2_21(doc):
    flagged = {c["id"]: c for c in doc["flagged"]}
    c = flagged["int8-gain-a15-100"]
    assert c["stated"] == 2.21 and round(c["recomputed"], 2) == 2.15 and c["verdict"] == "unsupported"
    assert "int8-gain-a15-100" in doc["summary"]["unsupported_by_table_ii"]
    # The text's truncations (1.27 for 1.2793, 1.60 for 1.6054) are not flagged.
    claims = {c["id"]: c for c in doc["claims"]}
    assert claims["int8-gain-a15-025"]["verdict"] == "supported"
    assert claims["int8-gain-a7-025"]["verdict"] == "supported"


def test_pareto_claims_of_the_seed(doc):
    assert "alpha=0.5-FP32" in doc["fronts"][A15]
    assert "alpha=0.5-FP32" not in doc["fronts"][A7]
    for device in (A15, A7):
        entry = next(e for e in doc["pareto_latency_accuracy"][device] if e["label"] == "alpha=0.75-FP32")
        assert "alpha=1.0-UINT8" in entry["dominated_by"]  # the seed's INT8: Google's uint8 QAT file
    assert doc["moves"] == [f"alpha=0.5-FP32 is on the front for {A15} but not for {A7}"]


def test_judge_rounding_rules():
    assert judge(1.2793, "1.27")[0] == "supported"  # truncated
    assert judge(1.2793, "1.28")[0] == "supported"  # rounded
    assert judge(10.5433, "10.55")[0] == "last-digit"
    assert judge(2.1538, "2.21")[0] == "unsupported"


def test_reference_records_are_valid_and_cited():
    recs = reference_records()
    assert len(recs) == 16 + 3 * 32  # Table II; size, top-1 and top-5 of Google's 16 files, float and quant
    assert all(r.source == "published" and r.citation for r in recs)
    assert len({r.key for r in recs}) == len(recs)
