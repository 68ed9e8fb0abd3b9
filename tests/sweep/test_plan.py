"""Sweep plans and task keys: parsed and validated up front, keys stable across runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgepareto.bench import Measurement
from edgepareto.errors import ConfigError
from edgepareto.store import Artifact, MeasurementRecord, Store, Variant
from edgepareto.sweep import load_plan
from edgepareto.sweep.expand import expand
from edgepareto.sweep.fashion import accuracy_records, fashion_keys
from edgepareto.sweep.keys import fashion_recipe, rss_key, size_key
from edgepareto.sweep.plan import StudyPlan
from edgepareto.sweep.tasks import Context


def test_default_plan_holds_the_two_studies():
    plan = load_plan()
    kinds = {s.name: s.kind for s in plan.studies}
    assert kinds == {"seed-imagenet": "imagenet-published", "fashion-mnist": "fashion-mnist"}
    seed = plan.studies[0]
    assert seed.alphas == (0.25, 0.5, 0.75, 1.0) and seed.resolutions == (224,) and seed.protocol == "fast"
    assert [c.name for c in seed.configs()] == [
        "mobilenet_v1_025_224",
        "mobilenet_v1_050_224",
        "mobilenet_v1_075_224",
        "mobilenet_v1_100_224",
    ]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[study]]\nname="a"\nkind="imagenet-published"\nprecision=["fp32"]', "unknown keys precision"),
        ('[[study]]\nname="a"\nkind="imagenet-published"\nprecisions=["fp64"]', "precisions must be among"),
        ('[[study]]\nname="a"\nkind="guess"', "kind must be one of"),
        ('[[study]]\nname="a"\nkind="imagenet-published"\nalphas=[1.5]', r"alpha must be in \(0, 1.4\] \(mobilenet_v1"),
        ('[[study]]\nname="a"\nkind="imagenet-published"\nprotocol="slow"', "protocol must be one of"),
        ("name = 'x'", "no \\[\\[study\\]\\] tables"),
        ("this is = not toml =", "not valid TOML"),
    ],
)
def test_bad_plans_fail_with_one_line(tmp_path, toml, message):
    path = tmp_path / "plan.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=message) as exc:
        load_plan(path)
    assert "\n" not in str(exc.value)


def test_task_keys_are_known_up_front_and_stable(tmp_path):
    study = StudyPlan("s", "latency-only", alphas=(0.25, 0.5), resolutions=(32,), precisions=("fp32", "int8"))
    with Store(tmp_path / "r.sqlite") as store:
        keys = [[k for t in expand(study, ["dev"], Context(store, tmp_path)) for k in t.keys] for _ in range(2)]
        # sizes + latencies with peak memory, first inference and load time
        assert keys[0] == keys[1] and len(set(keys[0])) == 2 * 2 + 2 * 2 * 4
        other = StudyPlan("s", "latency-only", alphas=(0.25, 0.5), resolutions=(32,), calibration_samples=8)
        changed = [k for t in expand(other, ["dev"], Context(store, tmp_path)) for k in t.keys]
        # Only int8 recipes depend on calibration: fp32 keys stay, int8 keys change.
        assert len(set(changed) & set(keys[0])) == 2 + 2 * 4


ART = Artifact("b" * 64, Variant("mobilenet_v1", 0.5, 224, 1000, "int8"), "tflite", "/x.tflite", 10, "int8")


def test_latency_records_from_a_measurement_document():
    doc = {"status": "ok", "median_ms": 1.19, "ci95_median_ms": [1.17, 1.22], "runs": 60, "engine": "litert",
           "engine_version": "2.3.0", "threads": 1, "peak_rss_bytes": 63_000_000, "protocol": {"name": "fast"},
           "kernel_path": "xnnpack"}  # fmt: skip
    lat, rss = MeasurementRecord.from_latency(
        Measurement.from_json({"model": "/x.tflite", **doc}), device="dev", artifact=ART, key="k", protocol_name="fast"
    )
    assert (lat.metric, lat.value, lat.ci_low, lat.ci_high, lat.n) == ("latency_ms", 1.19, 1.17, 1.22, 60)
    assert lat.record["kernel_path"] == "xnnpack" and lat.artifact_sha256 == ART.sha256
    assert rss.metric == "peak_rss_bytes" and rss.value == 63e6 and rss.key != lat.key
    assert rss.key == rss_key("k")  # the key the latency task promises beside its latency
    timed_out = Measurement.failed("timed out after 60 s", "timeout", model="/x.tflite")
    (failed,) = MeasurementRecord.from_latency(timed_out, device="dev", artifact=ART, key="k", protocol_name="fast")
    assert failed.status == "failed" and failed.error == "timed out after 60 s" and failed.value is None


def test_fashion_records_in_percent_with_wilson_cis():
    train = pytest.importorskip("edgepareto.train")
    study = StudyPlan("fm", "fashion-mnist")
    rec = train.StudyRecord(
        variant=Variant.parse("mobilenet_v1_050_32_c10.int8"),
        scheme="int8 PTQ",
        artifact="/a.tflite",
        bytes=1000,
        sha256="c" * 64,
        top1=0.8312,
        top5=0.99,
        n=10000,
        ci95_top1=(0.8238, 0.8383),
        ci95_top5=(0.988, 0.992),
        preprocessing={},
        dataset="fashion-mnist test",
        schedule={},
        train_seconds=60.0,
        extra={"engine": "2.3.0"},
    )
    recs = accuracy_records(study, rec, "sched")
    assert all(r.variant == Variant("mobilenet_v1", 0.5, 32, 10, "int8") for r in recs)
    top1 = next(r for r in recs if r.metric == "top1")
    assert top1.value == pytest.approx(83.12) and (top1.ci_low, top1.ci_high) == pytest.approx((82.38, 83.83))
    assert top1.dataset == "fashion-mnist-test" and top1.n == 10000 and top1.source == "measured"
    assert top1.engine == "litert" and top1.engine_version == "2.3.0"
    # The schedule is part of the key: a new schedule is a new measurement, not a cached one.
    assert top1.key != accuracy_records(study, rec, "other")[0].key
    # The training task promises every record it writes: top-1, top-5 and the artifact's size.
    promised = set(fashion_keys(study, 0.5, "sched"))
    assert {r.key for r in recs} | {size_key(fashion_recipe(study, 0.5, "int8"))} <= promised
    assert len(promised) == 3 * len(study.precisions)


def _in_the_home_cache(home: Path, study: StudyPlan) -> tuple[str, dict[str, str]]:
    """Google's quant file put by hand, in the home cache's on-disk format, under the study's int8 recipe."""
    import json

    from edgepareto.artifacts import sha256_file
    from edgepareto.sweep.keys import recipe_of
    from tests.conftest import QUANT_MODEL

    (config,) = study.configs()
    recipe = recipe_of(study, config, "int8", "tflite")
    cached = home / "artifacts" / recipe
    cached.mkdir(parents=True)
    (cached / "m.int8.tflite").write_bytes(QUANT_MODEL.read_bytes())
    meta = {"file": "m.int8.tflite", "sha256": sha256_file(QUANT_MODEL), "scheme": "uint8 QAT (Google)"}
    (cached / "artifact.json").write_text(json.dumps(meta))
    return recipe, meta


def test_conversions_are_reused_from_the_home_cache(tmp_path, monkeypatch, fixtures_dir):
    """A fresh store (a fresh clone) finds a recipe's file under $EDGEPARETO_HOME instead of converting."""

    from edgepareto.sweep.keys import size_key
    from tests.conftest import QUANT_MODEL

    monkeypatch.setenv("EDGEPARETO_HOME", str(tmp_path / "home"))
    study = StudyPlan("s", "latency-only", alphas=(0.25,), resolutions=(128,), precisions=("int8",))
    recipe, meta = _in_the_home_cache(tmp_path / "home", study)
    with Store(tmp_path / "r.sqlite") as store:
        ctx = Context(store, tmp_path / "artifacts")
        (convert, _) = expand(study, ["dev"], ctx)
        assert convert.kind == "convert" and not convert.done(store)
        assert convert.run(ctx) == 1  # the size record, without building a model
        art = store.artifact_by_recipe(recipe)
        assert art.sha256 == meta["sha256"] and art.bytes == QUANT_MODEL.stat().st_size
        assert store.has(size_key(recipe)) and convert.done(store)


def test_a_studys_preprocessing_preset_travels_with_its_artifacts(tmp_path, monkeypatch, fixtures_dir):
    """options.preprocessing names the preset in each artifact's sidecar; eval then uses it."""
    import json

    from edgepareto.data.datasets import imagenet
    from edgepareto.eval import evaluate
    from tests.conftest import IMAGENET

    monkeypatch.setenv("EDGEPARETO_HOME", str(tmp_path / "home"))
    study = StudyPlan(
        "s",
        "latency-only",
        alphas=(0.25,),
        resolutions=(128,),
        precisions=("int8",),
        options={"preprocessing": "pil-bilinear"},
    )
    assert study.preprocessing == "pil-bilinear"
    assert StudyPlan("t", "latency-only").preprocessing == "tf-slim"  # the ImageNet default
    recipe, _ = _in_the_home_cache(tmp_path / "home", study)
    with Store(tmp_path / "r.sqlite") as store:
        ctx = Context(store, tmp_path / "artifacts")
        (convert, _) = expand(study, ["dev"], ctx)
        assert convert.run(ctx) == 1
        art = store.artifact_by_recipe(recipe)
    sidecar = Path(art.path + ".preprocessing.json")
    assert json.loads(sidecar.read_text()) == {"preset": "pil-bilinear"}
    res = evaluate(
        art.path, imagenet(IMAGENET / "images", IMAGENET / "ground_truth.csv"), limit=3, workers=1, cache=False
    )
    assert res.preprocessing["preset"] == "pil-bilinear"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"preprocessing": "slim"}, "options.preprocessing must be one of tf-slim, pil-bilinear"),
        ({"resize": "x"}, "options holds a 'protocol' table"),
    ],
)
def test_bad_preprocessing_option_is_one_line(options, message):
    with pytest.raises(ConfigError, match=message) as exc:
        StudyPlan("s", "latency-only", options=options)
    assert "\n" not in str(exc.value)
    with pytest.raises(ConfigError, match="does not apply to fashion-mnist"):
        StudyPlan("f", "fashion-mnist", options={"preprocessing": "tf-slim"})
