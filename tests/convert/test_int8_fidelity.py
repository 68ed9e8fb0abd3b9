"""int8 fidelity on meaningful weights: a briefly trained MobileNet on real Fashion-MNIST images.

A randomly initialised MobileNet gives near-constant outputs, so fidelity is judged here on a
model trained for one short epoch, calibrated on real training images.
"""

from __future__ import annotations

import numpy as np
import pytest

from edgepareto.convert import export_variant
from edgepareto.data.fashion_mnist import DEFAULT_DIR, load_fashion_mnist
from edgepareto.engines import open_runner, run_once
from edgepareto.models import ModelConfig, build_model


def _to_rgb32(images: np.ndarray) -> np.ndarray:
    x = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    return ((np.repeat(x[..., None], 3, axis=-1).astype(np.float32) - 127.5) / 127.5).astype(np.float32)


@pytest.mark.e2e
@pytest.mark.skipif(not DEFAULT_DIR.is_dir(), reason="apt-get install dataset-fashion-mnist (make setup)")
def test_int8_agrees_with_fp32_on_a_trained_model(tmp_path):
    import keras

    train_x, train_y = load_fashion_mnist("train")
    test_x, test_y = load_fashion_mnist("test")
    x, y = _to_rgb32(train_x[:8000]), train_y[:8000]
    config = ModelConfig("mobilenet_v1", 0.25, 32, 10)
    model = build_model(config, seed=1, bn_momentum=0.9)
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=64, epochs=2, verbose=0)

    calib = tmp_path / "calib"
    calib.mkdir()
    from PIL import Image

    for i in range(64):  # real training images as files, as a user would give them
        Image.fromarray(np.pad(train_x[10000 + i], 2)).save(calib / f"{i:03d}.png")
    arts = export_variant(config, ["fp32", "int8"], tmp_path, model=model, calibration_dir=calib)
    assert "real images" in arts[1].scheme

    xt, yt = _to_rgb32(test_x[:1000]), test_y[:1000]
    preds = {}
    for art in arts:
        runner = open_runner(art.path, "litert", threads=1)
        spec = runner.inputs[0]
        out = []
        for img in xt:
            inp = img[None]
            if spec.dtype == "int8":
                inp = np.clip(np.round(inp / spec.scale + spec.zero_point), -128, 127).astype(np.int8)
            out.append(int(np.argmax(run_once(runner, [inp])[0])))
        preds[art.precision] = np.array(out)
    acc32 = float((preds["fp32"] == yt).mean())
    acc8 = float((preds["int8"] == yt).mean())
    agreement = float((preds["fp32"] == preds["int8"]).mean())
    print(f"fp32 top-1 {acc32:.3f}, int8 top-1 {acc8:.3f}, top-1 agreement {agreement:.3f} on 1000 test images")
    assert acc32 > 0.6, "the briefly trained model should have learned something"
    assert agreement > 0.9
    assert abs(acc32 - acc8) < 0.05
