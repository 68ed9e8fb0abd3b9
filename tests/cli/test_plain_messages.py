"""Messages that said too little or the wrong thing (issue 31, item 19): "accuracy on None", a thread count left
unnamed, a Ray port outside 1..65535 suggested back to the user."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_one_line_errors import one_line_error
from tests.cli_support import cli


@pytest.fixture
def latency_only(tmp_path: Path) -> Path:
    """A store whose device has latencies of variants with no accuracy anywhere (10 classes, 96 px)."""
    from edgepareto.analysis import open_results
    from edgepareto.store import Device, MeasurementRecord, Variant

    path = tmp_path / "lo.sqlite"
    with open_results(path) as s:
        s.add_device(Device("host-x", "host", {"cpu_model": "Test CPU"}))
        for alpha, ms in ((0.25, 0.5), (0.5, 1.3)):
            v = Variant("mobilenet_v1", alpha, 96, 10, "fp32")
            s.add(
                MeasurementRecord(
                    variant=v,
                    metric="latency_ms",
                    value=ms,
                    ci_low=ms * 0.9,
                    ci_high=ms * 1.1,
                    n=50,
                    source="measured",
                    device="host-x",
                    engine="litert",
                    threads=1,
                    protocol={"name": "fast"},
                )
            )
    return path


def test_front_of_a_latency_only_store_says_there_is_no_accuracy(capsys, latency_only):
    rc, out, err = cli(capsys, "front", "--store", str(latency_only), "--device", "host-x")
    assert rc == 0, err
    assert "None" not in out and "host-x, no accuracy measured" in out
    assert "no accuracy in the store for the variants measured on host-x" in out and "--objectives" in out
    argv = ["front", "--store", str(latency_only), "--device", "host-x", "--objectives", "latency_ms"]
    rc, out, err = cli(capsys, *argv)
    assert rc == 0, err
    assert "accuracy" not in out and "alpha=0.25" in out


def test_recommend_on_only_noisy_latencies_says_so_without_a_none(capsys, tmp_path: Path):
    """A busy host stored every latency noisy: the answer names that and the fix, not "accuracy on None"."""
    from edgepareto.analysis import open_results
    from edgepareto.store import Device, MeasurementRecord, Variant

    path = tmp_path / "noisy.sqlite"
    with open_results(path) as s:
        s.add_device(Device("host-x", "host", {"cpu_model": "Test CPU"}))
        v = Variant("mobilenet_v1", 0.25, 128, 1001, "uint8", background=True)
        s.add(
            MeasurementRecord(
                variant=v,
                metric="latency_ms",
                value=0.5,
                ci_low=0.2,
                ci_high=0.9,
                n=60,
                source="measured",
                device="host-x",
                engine="litert",
                threads=1,
                status="noisy",
                protocol={"name": "fast"},
            )
        )
    rc, out, err = cli(capsys, "recommend", "--store", str(path), "--device", "host-x", "--max-latency-ms", "50")
    assert rc == 0, err
    text = " ".join(out.split())
    assert "None" not in out and "1 latency record(s) on host-x are stored noisy" in text
    assert "--accept-noisy" in text and "--remeasure-noisy" in text


def test_predict_names_the_thread_count_it_has_no_latency_for(capsys, latency_only):
    line = one_line_error(
        *cli(
            capsys,
            "predict",
            "--store",
            str(latency_only),
            "--device",
            "host-x",
            "--alpha",
            "0.75",
            "--resolution",
            "96",
            "--classes",
            "10",
            "--threads",
            "2",
        )
    )
    assert "fp32 latency on host-x at 2 threads" in line and "pass --threads 1" in line


@pytest.mark.parametrize("address", ["127.0.0.1:99999", "127.0.0.1:0", "ray://10.0.0.5:65536"])
def test_a_ray_port_out_of_range_is_refused_not_suggested(capsys, tmp_path, address):
    line = one_line_error(
        *cli(
            capsys,
            "sweep",
            "--dry-run",
            "--no-report",
            "--executor",
            "ray",
            "--ray-address",
            address,
            "--store",
            str(tmp_path / "s.sqlite"),
        )
    )
    assert "the port must be in [1, 65535]" in line and "e.g. 10.0.0.5:6379" in line
    assert "ray start" not in line


def test_a_plans_ray_address_gets_the_same_check(tmp_path):
    from edgepareto.errors import ConfigError
    from edgepareto.sweep.plan import parse_plan

    study = {"name": "s", "kind": "latency-only", "alphas": [0.25], "resolutions": [32]}
    with pytest.raises(ConfigError, match=r"p\.toml: --ray-address 'h:70000': the port must be in \[1, 65535\]"):
        parse_plan({"executor": "ray", "ray_address": "h:70000", "study": [study]}, "p.toml")
