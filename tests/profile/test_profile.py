"""Per-layer profiles: operators mapped onto the cost model's layers (LiteRT files and logs, ONNX Runtime)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgepareto.cli import main
from edgepareto.errors import ConfigError, ModelFileError
from edgepareto.models import ModelConfig, Variant, cost_of
from edgepareto.profile import litert_ops, log_ops, map_ops, profile_file, profile_onnx
from tests.conftest import QUANT_MODEL

LOGS = Path(__file__).parent / "logs"
QUANT_LOG = LOGS / "mobilenet_v1_0.25_128_quant_op_profiling.log"


def report(name: str):
    return cost_of(Variant.parse(name).config)


def test_the_litert_operators_of_googles_file_map_onto_the_28_layers(fixtures_dir):
    ops = litert_ops(fixtures_dir / "models" / "mobilenet_v1_0.25_128_quant.tflite")
    prof = map_ops(ops, report("mobilenet_v1_0.25_128_quant"), "uint8")
    assert [lt.layer.kind for lt in prof.layers][:3] == ["standard", "depthwise", "pointwise"]
    assert prof.layers[-1].layer.kind == "fully_connected"
    assert "Conv2d_13_pointwise" in prof.layers[-2].op.name
    assert [o.op_type for o in prof.other] == ["AVERAGE_POOL_2D", "RESHAPE", "SOFTMAX"]
    assert not prof.timed and prof.total_ms is None


def test_a_file_of_another_resolution_is_refused_naming_the_shape(fixtures_dir):
    ops = litert_ops(fixtures_dir / "models" / "mobilenet_v1_0.25_128.tflite")
    with pytest.raises(ModelFileError, match=r"outputs \[1, 64, 64, 8\], but layer conv1 outputs 80x80x8"):
        map_ops(ops, cost_of(ModelConfig("mobilenet_v1", 0.25, 160)), "fp32")
    with pytest.raises(ModelFileError, match="5 compute operators but 28 layers"):
        map_ops(ops[:5], cost_of(ModelConfig("mobilenet_v1", 0.25, 128)), "fp32")


def test_the_op_table_of_a_benchmark_model_log_maps_onto_the_same_architecture(fixtures_dir):
    model = fixtures_dir / "models" / "mobilenet_v1_0.25_128_quant.tflite"  # the file the log ran: it must exist
    doc = profile_file(model, engine="litert", log_text=QUANT_LOG.read_text())
    assert len(doc["layers"]) == 28 and doc["bench"] is None and doc["source"] == "measured"
    first = doc["layers"][0]
    assert first["layer"] == "conv1" and "Conv2d_0" in first["op_name"] and first["macs"] == 3 * 3 * 3 * 8 * 64 * 64
    assert first["gmacs_per_s"] == pytest.approx(first["macs"] / (first["ms"] * 1e6))
    assert "Conv2d_5_depthwise" in doc["layers"][9]["op_name"] and doc["layers"][9]["kind"] == "depthwise"
    rows = [line for line in QUANT_LOG.read_text().splitlines() if line.startswith("\t") and "[" in line[-60:]]
    table_ms = sum(float(r.split("\t")[4]) for r in rows[1:])
    assert doc["total_ms"] == pytest.approx(table_ms, rel=1e-6)
    assert sum(doc["by_kind_ms"].values()) == pytest.approx(doc["total_ms"])


def test_a_log_whose_layers_ran_inside_xnnpack_is_refused_with_the_flags_to_rerun():
    text = QUANT_LOG.read_text()
    head, _, _ = text.partition("\t                 CONV_2D")
    cells = ["   TfLiteXNNPackDelegate", "0.000", "6.900", "6.900", "100.000%", "100.000%", "0.000", "1", "[x]:31"]
    row = "\t" + "\t".join(cells) + "\n"
    with pytest.raises(ModelFileError, match="--use_xnnpack=false"):
        log_ops(head + row)


@pytest.fixture(scope="module")
def onnx_pair(tmp_path_factory):
    from edgepareto.convert.onnx import export_onnx

    out = tmp_path_factory.mktemp("onnx")
    arts = export_onnx(ModelConfig("mobilenet_v1", 0.25, 96, 10), ["fp32", "int8"], out, calibration_samples=8)
    return {a.precision: Path(a.path) for a in arts}


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_onnxruntime_node_times_land_on_the_layers_they_name(onnx_pair, precision):
    prof = profile_onnx(onnx_pair[precision], runs=5)
    mapped = map_ops(prof.ops, cost_of(ModelConfig("mobilenet_v1", 0.25, 96, 10)), precision)
    for lt in mapped.layers:
        assert lt.layer.name in lt.op.name, (lt.layer.name, lt.op.name)
        assert lt.op.ms is not None and lt.op.ms > 0
    # a node's span holds its kernel; the spans are inside the runs: their sum cannot exceed the median run
    assert all(op.ms >= k for op, k in zip(prof.ops, prof.kernel_ms, strict=True))
    assert sum(prof.kernel_ms) < mapped.total_ms <= sorted(prof.run_ms)[len(prof.run_ms) // 2] * 1.05


def test_spaced_profiling_counts_only_the_runs_after_each_pause(onnx_pair):
    prof = profile_onnx(onnx_pair["int8"], runs=4, warmup=1, spacing_s=0.05)
    assert len(prof.run_ms) == len(prof.run_cpu_ms) == 4


@pytest.mark.parametrize("spacing", [-0.1, float("nan"), 11.0])
def test_profiling_refuses_a_spacing_out_of_range(onnx_pair, spacing):
    with pytest.raises(ConfigError, match="spacing_s"):
        profile_onnx(onnx_pair["int8"], runs=2, spacing_s=spacing)


def test_unprofiled_runs_take_turns_with_the_profiled_ones_only_when_asked(onnx_pair):
    prof = profile_onnx(onnx_pair["fp32"], runs=6, warmup=2, spacing_s=0.02, unprofiled=True)
    assert len(prof.unprofiled_ms) == len(prof.run_ms) == 6 and all(t > 0 for t in prof.unprofiled_ms)
    assert profile_onnx(onnx_pair["fp32"], runs=3, warmup=1).unprofiled_ms == ()


@pytest.mark.e2e
def test_cli_profile_measures_the_same_file_with_bench(onnx_pair, capsys):
    assert main(["profile", str(onnx_pair["int8"]), "--runs", "5", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["bench"]["status"] == "ok" and doc["layer_sum_vs_bench"] is not None
    il = doc["interleaved"]
    assert il["runs"] == 5 and doc["layer_sum_vs_interleaved"] == pytest.approx(doc["total_ms"] / il["median_ms"] - 1)
    assert main(["profile", str(onnx_pair["int8"]), "--runs", "2", "--no-bench", "--json"]) == 0
    quiet = json.loads(capsys.readouterr().out)
    assert quiet["bench"] is None and quiet["interleaved"] is None and quiet["layer_sum_vs_interleaved"] is None
    assert doc["engine"] == "onnxruntime" and doc["variant"] == "mobilenet_v1_025_96_c10.int8"
    assert set(doc["by_kind_ms"]) == {"standard", "depthwise", "pointwise", "fully_connected", "other"}


def test_where_the_time_goes_is_one_stacked_bar_per_timed_profile(tmp_path, capsys, fixtures_dir):
    from edgepareto.report.time_plot import plot_time_by_kind

    quant = fixtures_dir / "models" / "mobilenet_v1_0.25_128_quant.tflite"
    doc = profile_file(quant, engine="litert", log_text=QUANT_LOG.read_text())
    png, svg = plot_time_by_kind([doc], tmp_path / "where", title="t", subtitle="s")
    assert png.stat().st_size > 5000 and svg.read_text().count("<path") > 5
    untimed = {**doc, "by_kind_ms": dict.fromkeys(doc["by_kind_ms"])}
    with pytest.raises(ValueError, match="no timed profile"):
        plot_time_by_kind([untimed], tmp_path / "none", title="t", subtitle="s")
    quant = fixtures_dir / "models" / "mobilenet_v1_0.25_128_quant.tflite"  # timed on its tf2onnx conversion
    argv = ["profile", str(quant), "--no-bench", "--runs", "2", "--plot", str(tmp_path / "p"), "--json"]
    assert main(argv) == 0 and (tmp_path / "p.png").is_file()
    assert "tf2onnx conversion" in json.loads(capsys.readouterr().out)["times_from"]


@pytest.mark.e2e
def test_report_gets_where_the_time_goes_from_saved_profiles(onnx_pair, tmp_path, capsys):
    """`profile --json` saved to a file, then `report --profile`: a bar per file and its row, sources named."""
    saved = tmp_path / "int8.json"
    assert main(["profile", str(onnx_pair["int8"]), "--runs", "5", "--json"]) == 0
    saved.write_text(capsys.readouterr().out)
    from_log = profile_file(QUANT_MODEL, engine="litert", log_text=QUANT_LOG.read_text())
    (tmp_path / "log.json").write_text(json.dumps([from_log]))
    out = tmp_path / "report"
    from edgepareto.analysis import open_results

    open_results(tmp_path / "r.sqlite").close()  # report reads an existing store (a typed missing one is refused)
    argv = ["report", "--store", str(tmp_path / "r.sqlite"), "--out", str(out), "--json"]
    assert main([*argv, "--profile", str(saved), "--profile", str(tmp_path / "log.json")]) == 0
    doc = json.loads(capsys.readouterr().out)["report"]
    rows = doc["time_goes"]["rows"]
    assert [r["label"].split(" ")[0] for r in rows] == ["mobilenet_v1_025_96_c10.int8", "mobilenet_v1_025_128_bg.uint8"]
    assert all(abs(sum(r["share"].values()) - 1) < 1e-9 for r in rows) and rows[0]["bench_ms"] > 0
    html = (out / "index.html").read_text() if (out / "index.html").exists() else Path(doc["html"]).read_text()
    assert "Where the time goes" in html and "benchmark_model" in html
    assert (out / "where-the-time-goes.svg").is_file()
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": 1}')
    assert main([*argv, "--profile", str(bad)]) != 0
    assert "not an `edgepareto profile --json` document" in capsys.readouterr().err
    for times, why in (('{"standard": "x"}', "must be a number"), ('{"standard": NaN}', "must be a finite number")):
        bad.write_text('{"variant": "v", "total_ms": 1.0, "by_kind_ms": ' + times + "}")
        assert main([*argv, "--profile", str(bad)]) != 0
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and why in err and "profile the file again" in err


def test_cli_profile_spacing_is_recorded_and_refuses_a_negative_one(onnx_pair, capsys):
    assert main(["profile", str(onnx_pair["int8"]), "--runs", "3", "--spacing", "0.02", "--no-bench", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["profiler_spacing_s"] == 0.02 and doc["kernel_sum_ms"] < doc["total_ms"]
    with pytest.raises(SystemExit) as exc:
        main(["profile", str(onnx_pair["int8"]), "--spacing", "-1"])
    assert exc.value.code != 0


@pytest.mark.parametrize(("precision", "layer"), [("int8", "conv1"), ("fp32", "conv_pw_1")])
def test_an_onnx_file_renamed_to_another_alpha_is_refused_by_its_nodes_output_shapes(
    onnx_pair, tmp_path, precision, layer
):
    """Issue 31, item 3: the profiler's output shapes (NCHW, NHWC for QLinearConv, channels padded to 8/16 in
    fp32's blocked layout) are checked against the cost model the name picks."""
    renamed = tmp_path / f"mobilenet_v1_050_96_c10.{precision}.onnx"  # a 0.25 file named 0.5
    renamed.write_bytes(onnx_pair[precision].read_bytes())
    with pytest.raises(ModelFileError, match=f"but layer {layer} outputs"):
        profile_file(renamed, engine="onnxruntime", runs=2, bench=False)


@pytest.mark.e2e  # a tf2onnx conversion and two profiled files: make test-all
def test_a_tflite_file_without_a_log_is_timed_on_its_tf2onnx_conversion(fixtures_dir, capsys):
    """No benchmark_model log: ONNX Runtime times a tf2onnx copy, LiteRT's whole-model latency beside; text mode
    prints the table, says where the times come from, and ends without a traceback."""
    for name in ("mobilenet_v1_0.25_128_quant.tflite", "mobilenet_v1_0.25_128.tflite"):
        path = fixtures_dir / "models" / name
        assert main(["profile", str(path), "--runs", "3", "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["engine"] == "litert" and doc["times_engine"] == "onnxruntime" and len(doc["layers"]) == 28
        assert all(r["ms"] is not None and r["ms"] >= 0 for r in doc["layers"]) and doc["total_ms"] > 0
        assert doc["times_from"].startswith(f"ONNX Runtime on a tf2onnx conversion of {name}")
        assert doc["bench"]["status"] == "ok" and doc["layer_sum_vs_bench"] is not None
    assert main(["profile", str(path), "--runs", "2"]) == 0
    out, err = capsys.readouterr()
    assert f"times from ONNX Runtime on a tf2onnx conversion of {name}" in " ".join(out.split())
    assert "bench median" in out and "litert" in out and "Traceback" not in out + err


def test_a_tflite_file_tf2onnx_cannot_convert_fails_in_one_line_naming_the_log_route(tmp_path, capsys):
    broken = tmp_path / "mobilenet_v1_0.25_128.tflite"
    broken.write_bytes(b"TFL3" + bytes(4000))
    assert main(["profile", str(broken), "--runs", "2", "--no-bench"]) != 0
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "tf2onnx cannot convert it" in err and "--enable_op_profiling=true" in err
    assert "Traceback" not in out + err
