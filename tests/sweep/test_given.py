"""Given files: the variant a file declares, and plans of them written back as TOML."""

from __future__ import annotations

import sqlite3
import tomllib

import pytest

from edgepareto.errors import ConfigError, ModelFileError, StoreError
from edgepareto.store import Store
from edgepareto.sweep import parse_plan
from edgepareto.sweep.given import Declared, adopt, declared, model_files, variant_of_file
from tests.conftest import FLOAT_MODEL, QUANT_MODEL

pytestmark = pytest.mark.usefixtures("fixtures_dir")


def test_google_files_are_read_by_name_and_by_what_they_declare(tmp_path):
    assert variant_of_file(QUANT_MODEL).name == "mobilenet_v1_025_128_bg.uint8"
    assert variant_of_file(FLOAT_MODEL).name == "mobilenet_v1_025_128_bg.fp32"
    renamed = tmp_path / "my model (v2).tflite"
    renamed.write_bytes(QUANT_MODEL.read_bytes())  # a name nothing can parse: the file says the rest
    v = variant_of_file(renamed)
    assert (v.family, v.alpha, v.resolution, v.num_classes, v.background, str(v.precision)) == (
        "file",
        None,
        128,
        1000,
        True,
        "uint8",
    )
    assert v.tag == "my-model-v2" and v.label == "my-model-v2-UINT8"
    d = declared(QUANT_MODEL)
    assert (d.resolution, d.input_dtype, d.outputs, d.weights) == (128, "uint8", 1001, "uint8")


@pytest.mark.parametrize(
    ("declared_as", "precision"),
    [
        (Declared(96, "float32", 1000, "float32", False), "fp32"),
        (Declared(96, "float32", 1000, "float16", False), "fp16"),
        (Declared(96, "float32", 1000, "int8", False), "int8-dynamic"),
        (Declared(96, "float32", 1000, "int8", True), "int8"),
        (Declared(96, "int8", 10, "int8", True), "int8"),
        (Declared(96, "uint8", 1001, "uint8", True), "uint8"),
    ],
)
def test_precision_from_dtypes(declared_as, precision):
    assert str(declared_as.precision) == precision


def test_a_file_that_is_not_a_model_is_one_line(tmp_path):
    bad = tmp_path / "broken.tflite"
    bad.write_text("not a flatbuffer")
    with pytest.raises(ModelFileError) as exc:
        variant_of_file(bad)
    assert "broken.tflite" in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(ConfigError, match="not a model file"):
        declared(tmp_path / "notes.txt")
    files, empty = model_files((str(tmp_path / "*.tflite"), str(tmp_path / "none" / "*.onnx")))
    assert files == [bad.resolve()] and len(empty) == 1 and "no file matches" in empty[0]


def test_a_models_plan_round_trips_through_toml_relative_to_its_file(tmp_path):
    text = """
name = "mine"
[recommend]
max_latency_ms = 20.0
min_top1 = 40.0
[[study]]
name = "m"
kind = "models"
models = ["models/*.tflite", "/abs/x.onnx"]
dataset = "imagenet"
data_dir = "val"
limit = 10
balanced = true
[study.options]
preprocessing = "pil-bilinear"
"""
    plan = parse_plan(tomllib.loads(text), str(tmp_path / "p.toml"), tmp_path)
    s = plan.studies[0]
    assert s.models == (str(tmp_path / "models/*.tflite"), "/abs/x.onnx") and s.data_dir == str(tmp_path / "val")
    again = parse_plan(tomllib.loads(plan.to_toml()), "again.toml")
    assert again.studies == plan.studies and again.recommend == {"max_latency_ms": 20.0, "min_top1": 40.0}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('kind = "models"\ndataset = "imagenet"\ndata_dir = "v"', "needs models"),
        ('kind = "models"\nmodels = ["a"]\ndataset = "imagenet"', "needs data_dir"),
        ('kind = "models"\nmodels = ["a"]\ndataset = "coco"\ndata_dir = "v"', "dataset must be one of"),
        ('kind = "latency-only"\nmodels = ["a"]', 'needs kind = "models"'),
        ('kind = "latency-only"\nhosted_dir = "g"', "applies to kind = .imagenet-published. only"),
    ],
)
def test_bad_models_studies_fail_in_one_line(body, message):
    with pytest.raises(ConfigError, match=message) as exc:
        parse_plan(tomllib.loads(f'[[study]]\nname = "s"\n{body}'), "p.toml")
    assert "\n" not in str(exc.value)


def test_a_bad_recommend_table_fails_in_one_line():
    with pytest.raises(ConfigError, match=r"\[recommend\] takes"):
        parse_plan(tomllib.loads('[recommend]\nmax_fps = 3\n[[study]]\nname = "s"\nkind = "latency-only"'), "p")


def _size_writes_fail(path, fail: bool) -> None:
    db = sqlite3.connect(path)
    if fail:
        db.execute("CREATE TRIGGER no_size BEFORE INSERT ON measurements BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    else:
        db.execute("DROP TRIGGER no_size")
    db.commit()
    db.close()


def test_a_given_file_and_its_size_commit_together(tmp_path):
    path = tmp_path / "r.sqlite"
    Store(path).close()
    _size_writes_fail(path, True)  # the size record cannot be written (as on a full disk) ...
    with Store(path) as store:
        with pytest.raises(StoreError):
            adopt(store, FLOAT_MODEL)
        assert store.artifacts() == []  # ... so neither is the file's row: a rerun records both
    _size_writes_fail(path, False)
    with Store(path) as store:
        art = adopt(store, FLOAT_MODEL)
        assert [a.sha256 for a in store.artifacts()] == [art.sha256]
        assert [m.metric for m in store.measurements()] == ["size_bytes"]
