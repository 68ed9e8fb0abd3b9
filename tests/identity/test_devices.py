"""Problem 6 of issue 26: `recommend` and `predict` default to the only measured device (else list the devices),
and an empty answer says what is missing and the command that fills it (no promise of an empty list)."""

from __future__ import annotations

import json

from edgepareto.analysis import open_results
from edgepareto.models import Variant
from edgepareto.store import Device
from tests.cli.test_fuzz import run_cli
from tests.store_support import add_latency

HOST = "Test CPU (this host)"


def _timed(path, devices=(HOST,)) -> None:
    with open_results(path) as store:
        for d in devices:
            store.add_device(Device(d, "host", {"cpu_model": d}))
            for alpha, ms in ((0.25, 1.0), (0.5, 2.6), (0.75, 5.9), (1.0, 10.1)):
                v = Variant("mobilenet_v1", alpha, 96, 1000, "fp32")
                add_latency(store, v, ms, device=d)


def test_recommend_without_top1_says_what_is_missing_and_how_to_fill_it(tmp_path, capsys):
    # 96x96: no published top-1 to stand in either.
    store = tmp_path / "s.sqlite"
    _timed(store)
    rc, out, _ = run_cli(capsys, ["recommend", "--store", str(store), "--json"])  # no --device: the only measured
    assert rc == 0
    doc = json.loads(out)
    assert doc["device"] == HOST and doc["recommendations"] == [] and doc["nearest"] == []
    assert "nearest misses are listed" not in doc["message"] and "top-1" in doc["missing"]
    assert doc["fill"].startswith("edgepareto eval ")
    rc, out, _ = run_cli(capsys, ["recommend", "--store", str(store)])
    assert rc == 0
    assert "nearest misses are listed" not in out and "edgepareto eval" in out


def test_several_measured_devices_are_listed_in_the_error(tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    _timed(store, (HOST, "Other board Cortex-A53"))
    for cmd in (["recommend"], ["predict", "--alpha", "0.5"]):
        rc, _, err = run_cli(capsys, [*cmd, "--store", str(store)])
        assert rc != 0
        assert "needs --device" in err and HOST in err and "Other board Cortex-A53" in err


def test_predict_defaults_to_the_only_measured_device(tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    _timed(store)
    rc, out, _ = run_cli(
        capsys, ["predict", "--store", str(store), "--alpha", "0.6", "--resolution", "96", "--no-store", "--json"]
    )
    assert rc == 0
    doc = json.loads(out)
    assert doc["device"] == HOST and doc["source"] == "predicted"
