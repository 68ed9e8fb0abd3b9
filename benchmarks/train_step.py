"""What the main job's training costs on this host: one Keras training step per alpha, timed, as the recipe runs it.

For each alpha of the Fashion-MNIST study, the model ``train_model`` builds, compiled as it compiles it
(Adam, sparse cross-entropy, the default ``Schedule``'s batch and resolution), fitted on random data of the
training arrays' shape in one fit call: 3 uncounted steps, then the median of ``--steps`` timed ones.
From the step time: seconds per epoch over the schedule's training images and for the whole schedule,
against the 480 s that issue 15 allows for all of a cold ``make main``. A host figure: accuracy is not touched.

Run: .venv/bin/python benchmarks/train_step.py [--steps 12] [--name train_step]
Writes benchmarks/results/<host>/NAME_<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results

BUDGET_S = 480  # issue 15: a cold `make main`, setup included


def step_seconds(alpha: float, steps: int) -> float:
    """Median seconds of ``steps`` training steps of one fit call, after its first 3 (tracing, primitive creation)."""
    import keras
    import numpy as np

    from edgepareto.models import build_model
    from edgepareto.train import Schedule
    from edgepareto.train.fashion import model_config

    schedule = Schedule()
    model = build_model(model_config(alpha, schedule), seed=schedule.seed, bn_momentum=schedule.bn_momentum)
    loss = "sparse_categorical_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(schedule.learning_rate), loss=loss, metrics=["accuracy"])
    bs, side, warm = schedule.batch_size, schedule.resolution, 3
    rng = np.random.default_rng(0)
    x = rng.random((bs * (steps + warm), side, side, 3), dtype=np.float32)
    y = rng.integers(0, 10, bs * (steps + warm))
    times: list[float] = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
            self.t0 = time.perf_counter()

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            times.append(time.perf_counter() - self.t0)

    model.fit(x, y, batch_size=bs, epochs=1, verbose=0, callbacks=[Clock()])
    return statistics.median(times[warm:])


def markdown(doc: dict[str, Any]) -> str:
    cells = ("alpha", "ms_per_step", "s_per_epoch", "s_schedule")
    rows = "\n".join(
        "| " + " | ".join(f"{r[c]:.4g}" if c == "alpha" else f"{r[c]:.0f}" for c in cells) + " |" for r in doc["rows"]
    )
    total_epoch = sum(r["s_per_epoch"] for r in doc["rows"])
    total = sum(r["s_schedule"] for r in doc["rows"])
    return f"""# Training cost of the main job's recipe on this host

Schedule: {doc["schedule"]}. TensorFlow {doc["tensorflow"]}, Keras {doc["keras"]}, {doc["cpus"]} CPUs,
`TF_ENABLE_ONEDNN_OPTS={doc["onednn"]}`; median of {doc["steps"]} steps per alpha after 3
uncounted in the same fit call, random data of the training arrays' shape.

| alpha | ms per step | s per epoch | s for the schedule ({doc["epochs"]} epochs) |
|---:|---:|---:|---:|
{rows}

- one epoch of all four alphas: **{total_epoch:.0f} s**; the whole schedule: **{total:.0f} s**
- issue 15's budget for all of a cold `make main`: {BUDGET_S} s
  (training alone within it: {"yes" if total <= BUDGET_S else "NO"})
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--name", default="train_step", help="results file stem under benchmarks/results")
    args = ap.parse_args()
    if not 1 <= args.steps <= 200:
        sys.exit(f"--steps must be in 1..200, got {args.steps}")
    import keras
    import tensorflow as tf

    from edgepareto.train import DEFAULT_ALPHAS, Schedule

    schedule = Schedule()
    steps_per_epoch = -(-schedule.train_images // schedule.batch_size)
    rows = []
    for alpha in DEFAULT_ALPHAS:
        s = step_seconds(alpha, args.steps)
        rows.append(
            {
                "alpha": alpha,
                "ms_per_step": s * 1000,
                "s_per_epoch": s * steps_per_epoch,
                "s_schedule": s * steps_per_epoch * schedule.epochs,
            }
        )
        print(f"alpha {alpha}: {s * 1000:.0f} ms/step", flush=True)
    doc = {"schedule": str(schedule), "epochs": schedule.epochs, "steps": args.steps, "rows": rows,
           "tensorflow": tf.__version__, "keras": keras.__version__, "cpus": os.cpu_count(),
           "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default")}  # fmt: skip
    _, m = write_results(args.name, doc, markdown(doc))
    print(m.read_text())


if __name__ == "__main__":
    main()
