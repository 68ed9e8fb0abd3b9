"""Issue 25 in the report's study tables: a noisy latency enters only with accept_noisy and is then marked
NOISY; the end-to-end figure stands beside the invoke-only latency with its preset."""

from __future__ import annotations

from edgepareto.analysis import open_results
from edgepareto.models import ModelConfig, Precision, Variant
from edgepareto.report import write_report
from edgepareto.store import Device, MeasurementRecord


def _v(alpha: float) -> Variant:
    return Variant.of(ModelConfig("mobilenet_v1", alpha, 224), Precision.FP32)


def _host_table(md: str) -> str:
    """The latency table of the study on host-x (the Markdown between its heading and the next one)."""
    at = md.index("### Latency – accuracy on host-x")
    return md[at : md.find("\n#", at)]


def test_noisy_latencies_enter_the_report_only_when_accepted_and_end_to_end_is_shown(tmp_path):
    common = {"metric": "latency_ms", "source": "measured", "device": "host-x", "engine": "litert", "threads": 1}
    with open_results(tmp_path / "s.sqlite") as store:
        store.add_device(Device("host-x", "host"))
        store.add_many(
            [
                MeasurementRecord(variant=_v(a), value=ms, ci_low=ms * 0.98, ci_high=ms * 1.02, key=f"l{a}", **common)
                for a, ms in {0.25: 2.0, 0.5: 6.0, 1.0: 30.0}.items()
            ]
        )
        store.add_many(
            [
                MeasurementRecord(
                    variant=_v(0.75),
                    value=1.0,
                    ci_low=0.5,
                    ci_high=40.0,
                    status="noisy",
                    notes="noisy",
                    key="noisy",
                    **common,
                ),
                MeasurementRecord(
                    variant=_v(0.25),
                    value=9.5,
                    ci_low=9.0,
                    ci_high=10.0,
                    key="e2e",
                    protocol={"name": "fast", "preset": "tf-slim"},
                    **{**common, "metric": "e2e_latency_ms"},
                ),
            ]
        )
        write_report(store, tmp_path / "a")
        plain = _host_table((tmp_path / "a" / "report.md").read_text())
        write_report(store, tmp_path / "b", accept_noisy=True)
        accepted = _host_table((tmp_path / "b" / "report.md").read_text())
    assert "alpha=0.75" not in plain and "NOISY" not in plain
    assert "alpha=0.75-FP32 (NOISY)" in accepted
    assert "end-to-end ms \\[CI\\] (preset)" in plain and "| 9.5 \\[9, 10\\] (tf-slim) |" in plain
