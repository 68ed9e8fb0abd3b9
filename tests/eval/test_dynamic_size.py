"""Issue 31, item 2: a model with a dynamic height/width is refused in one line naming the file and the input,
in ``eval`` (LiteRT would run it on 1x1 images; ONNX Runtime gave "preprocessing size ... got 0"),
in ``eval --store`` and in ``sweep --models``, and nothing is stored for it."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from edgepareto.errors import ModelFileError
from edgepareto.store import Store
from edgepareto.sweep.given import declared
from edgepareto.sweep.models_study import _given_files
from tests.cli.test_one_line_errors import one_line_error
from tests.cli_support import cli

IMAGES = ("ILSVRC2012_val_00000347.JPEG", "ILSVRC2012_val_00003027.JPEG")


@pytest.fixture(scope="module")
def dyn(tmp_path_factory, fixtures_dir) -> Path:
    """dyn.tflite (Keras ``Input((None, None, 3))``, converted by TensorFlow), its ONNX twin with symbolic H/W,
    and a two-class image folder."""
    import onnx
    from onnx import TensorProto, helper

    root = tmp_path_factory.mktemp("dyn")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    inp = keras.Input((None, None, 3), batch_size=1)
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(4, 1)(inp))
    model = keras.Model(inp, keras.layers.Dense(2, activation="softmax")(x))
    (root / "dyn.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    w = helper.make_tensor("w", TensorProto.FLOAT, (3, 2), np.ones(6, np.float32))
    graph = helper.make_graph(
        [
            helper.make_node("Transpose", ["input"], ["nchw"], perm=[0, 3, 1, 2]),
            helper.make_node("GlobalAveragePool", ["nchw"], ["pooled"]),
            helper.make_node("Flatten", ["pooled"], ["flat"]),
            helper.make_node("MatMul", ["flat", "w"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["scores"]),
        ],
        "dyn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, "height", "width", 3])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 2])],
        [w],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(root / "dyn.onnx"))
    for name, image in zip(("a", "b"), IMAGES, strict=True):
        (root / "classes" / name).mkdir(parents=True)
        (root / "classes" / name / image).symlink_to(fixtures_dir / "imagenet" / "images" / image)
    return root


@pytest.mark.parametrize("name", ["dyn.tflite", "dyn.onnx"])
def test_eval_refuses_a_dynamic_height_and_width_naming_file_and_input(capsys, dyn, name):
    store = dyn / f"store-{name}.sqlite"
    for extra in ([], ["--store", str(store)]):
        rc, out, err = cli(
            capsys, "eval", str(dyn / name), "--dataset", "folder", "--data-dir", str(dyn / "classes"), *extra
        )
        one_line_error(rc, out, err, str(dyn / name), "input '", "no fixed height/width", "fixed input size")
    if store.exists():
        with Store(store) as s:
            assert s.measurements(metric="top1") == []


@pytest.mark.parametrize("name", ["dyn.tflite", "dyn.onnx"])
def test_the_size_read_from_the_file_is_never_a_stand_in(dyn, name):
    with pytest.raises(ModelFileError, match=r"dyn\.(tflite|onnx): input '.*' has no fixed height/width"):
        declared(dyn / name)  # the resolution a given file's variant and keys are built from
    files, problems = _given_files(SimpleNamespace(models=(str(dyn / name),)))  # sweep --models, kind = "models"
    assert files == [] and "no fixed height/width" in problems[0][1]
