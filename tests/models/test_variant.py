"""One vocabulary: Precision and Variant are parsed in one place and round-trip through their names."""

from __future__ import annotations

import itertools

import pytest

from edgepareto.errors import ConfigError
from edgepareto.models import ModelConfig, Precision, Variant

ALPHAS = (0.25, 0.5, 0.75, 1.0)
RESOLUTIONS = (128, 160, 192, 224)


@pytest.mark.parametrize(
    ("alpha", "res", "classes", "precision", "background"),
    list(itertools.product((0.25, 0.5, 0.125, 1.0), (32, 224), (1000, 10), list(Precision), (False, True))),
)
def test_every_name_the_tool_writes_parses_back(alpha, res, classes, precision, background):
    v = Variant("mobilenet_v1", alpha, res, classes, precision, background=background)
    assert Variant.parse(v.name) == v
    assert Variant.parse(f"/some/folder/{v.name}.tflite") == v
    assert Variant.parse(f"{v.name}.onnx") == v


def test_tagged_and_given_file_variants_round_trip():
    tagged = Variant("mobilenet_v1", 0.5, 160, 1000, "int8", tag="finetuned-v2")
    assert Variant.parse(tagged.name) == tagged and tagged.name.endswith(".int8+finetuned-v2")
    given = Variant.parse("My Model (final).tflite", precision="uint8", resolution=299, num_classes=5)
    assert given.alpha is None and given.tag == "My-Model-final" and given.family == "file"
    assert Variant.parse(given.name) == given
    assert given.label == "My-Model-final-UINT8"
    with pytest.raises(ConfigError, match="not an architecture this tool can build"):
        _ = given.config


@pytest.mark.parametrize(("alpha", "res", "quant"), list(itertools.product(ALPHAS, RESOLUTIONS, (False, True))))
def test_google_hosted_names_are_read(alpha, res, quant):
    """Google's hosted MobileNet v1 files: mobilenet_v1_{0.25,0.5,0.75,1.0}_{128..224}[_quant].tflite."""
    name = f"mobilenet_v1_{alpha}_{res}{'_quant' if quant else ''}.tflite"
    v = Variant.parse(name)
    assert (v.family, v.alpha, v.resolution) == ("mobilenet_v1", alpha, res)
    assert v.precision == (Precision.UINT8 if quant else Precision.FP32)
    assert v.num_classes == 1000 and v.background and v.outputs == 1001
    assert Variant.parse(v.name) == v
    assert v.config == ModelConfig("mobilenet_v1", alpha, res, 1000)


def test_the_readme_example_and_seed_names():
    v = Variant.parse("mobilenet_v1_050_224.int8.tflite")
    assert v == Variant("mobilenet_v1", 0.5, 224, 1000, Precision.INT8)
    assert v.label == "alpha=0.5-INT8" and Variant.parse("mobilenet_v1_100_224.fp32").label == "alpha=1.0-FP32"


def test_uint8_is_its_own_precision_and_reads_as_the_seeds_int8():
    assert Precision.parse("UINT8") is Precision.UINT8
    assert Precision.UINT8.integer and Precision.INT8.integer and not Precision.FP16.integer
    assert Precision.UINT8.formats == ()  # only ever given (Google's QAT files), never built here
    assert Precision.UINT8.style != Precision.INT8.style
    assert "tflite" in Precision.INT8.formats and "onnx" in Precision.INT8.formats


@pytest.mark.parametrize("bad", ["int4", "", "fp64", None])
def test_a_precision_is_validated_once_with_one_line(bad):
    with pytest.raises(ConfigError, match="precision") as exc:
        Precision.parse(bad) if bad != "" else Precision.parse_list("")
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"alpha": 1.5}, r"alpha must be in \(0, 1\.4\]"),
        ({"alpha": float("nan")}, r"alpha must be in \(0, 1\.4\]"),
        ({"resolution": 0}, "resolution"),
        ({"num_classes": 0}, "num_classes"),
        ({"precision": "int4"}, "unknown precision"),
        ({"alpha": None}, "needs a tag"),
        ({"tag": "bad tag!"}, "tag"),
    ],
)
def test_bad_variants_are_refused(kwargs, message):
    base = {"family": "mobilenet_v1", "alpha": 0.5, "resolution": 224, "num_classes": 1000, "precision": "fp32"}
    with pytest.raises(ConfigError, match=message):
        Variant(**{**base, **kwargs})


def test_a_plain_stem_without_what_the_file_says_is_refused():
    with pytest.raises(ConfigError, match="cannot parse variant name"):
        Variant.parse("resnet50.tflite")
