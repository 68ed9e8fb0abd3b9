"""Sweep plans: a TOML file of studies, each a grid of configurations to build and measure.

A study names its kind (how accuracy is obtained), the grid (family, alphas, resolutions,
precisions, engines, threads, clusters), the latency protocol and the dataset. The default
plan ships with the package (``default.toml``) and is what ``edgepareto sweep`` runs
without arguments.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from edgepareto import validation
from edgepareto.artifacts import CALIBRATION_SAMPLES
from edgepareto.compute import ExecutorChoice
from edgepareto.errors import ConfigError
from edgepareto.models import BUILDABLE, ModelConfig, Precision

KINDS: dict[str, str] = {
    "imagenet-published": "built and converted here; ImageNet top-1 from the published table",
    "fashion-mnist": "trained on Fashion-MNIST (cached), accuracy measured on the test set",
    "latency-only": "built and converted here; size and latency, no accuracy",
    "measured": "built and converted here; accuracy measured on `dataset` (imagenet or folder) images in `data_dir`",
    "models": "given model files (globs): size, anatomy, measured accuracy on data_dir, latency",
}
MEASURED_DATASETS = ("imagenet", "folder")
MODEL_DATASETS = ("imagenet", "folder", "fashion-mnist")
PROTOCOLS = ("fast", "paper")  # of Protocol.presets(): fast-single is kept to compare against, not to sweep
_DATASETS_OF_KIND = {  # the store's name first; models and measured studies check theirs themselves
    "imagenet-published": ("imagenet-val", "imagenet"),
    "fashion-mnist": ("fashion-mnist-test", "fashion-mnist"),
    "latency-only": (),
}
MAX_THREADS = 1024  # a board's CPU count is only known when it is measured; the measurement bounds it again
TOP_LEVEL_KEYS = ("name", "study", "recommend", "executor", "ray_address", "shared_paths", "ray_devices")


@dataclass(frozen=True)
class StudyPlan:
    """One grid. ``clusters=("all",)`` means every cluster the host has."""

    name: str
    kind: str
    family: str = "mobilenet_v1"
    alphas: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    resolutions: tuple[int, ...] = (224,)
    precisions: tuple[str, ...] = ("fp32", "int8")
    engines: tuple[str, ...] = ("litert",)
    threads: tuple[int, ...] = (1,)
    clusters: tuple[str, ...] = ("all",)
    protocol: str = "fast"
    dataset: str | None = None
    calibration_samples: int = CALIBRATION_SAMPLES
    calibration_dir: str | None = None
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    measure: str | int = "all"  # "corners" or N: measure those, predict the rest (edgepareto.predict)
    # kind = "models": the given files and the labelled data they are measured on
    models: tuple[str, ...] = ()
    data_dir: str | None = None
    ground_truth: str | None = None
    synset_order: str | None = None
    labels: str | None = None
    limit: int | None = None
    balanced: bool = False
    hosted_dir: str | None = None  # imagenet-published: Google's own files, measured instead of stand-ins
    weights: str | None = None  # built studies: "imagenet" (Keras's file) or a .h5 path; random from seed if None
    # several families in one study: [study.families.NAME] tables with their own alphas and resolutions
    # (default: the family's published widths, the study's resolutions); they replace family and alphas
    families: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        def fail(what: str) -> NoReturn:
            raise ConfigError(f"study {self.name!r}: {what}")

        if not isinstance(self.name, str) or not self.name.replace("-", "").replace("_", "").isalnum():
            raise ConfigError(f"study name must be letters, digits, '-' or '_', got {self.name!r}")
        self._check_scalars()
        if self.kind not in KINDS:
            fail(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        self._check_lists(fail)
        self._check_grid(fail)
        validation.integer(self.calibration_samples, f"study {self.name!r}: calibration_samples", lo=1, hi=10000)
        validation.seed(self.seed, f"study {self.name!r}: seed")
        self._check_options(fail)
        self._check_preprocessing(fail)
        self._check_measure(fail)
        self._check_models(fail)
        self._check_measured(fail)
        self._check_dataset(fail)
        if self.kind == "fashion-mnist" and any(p not in ("fp32", "int8") for p in self.precisions):
            fail("the Fashion-MNIST study exports fp32 and int8 only")
        self._check_protocol_overrides()

    def _check_lists(self, fail: Callable[[str], NoReturn]) -> None:
        """The grid's axes: non-empty lists (a lone value becomes a one-item list), no duplicates."""
        for f in ("alphas", "resolutions", "precisions", "engines", "threads", "clusters"):
            value = getattr(self, f)
            if isinstance(value, (str, int, float)):
                value = (value,)
            if not isinstance(value, (list, tuple)) or not value:
                fail(f"{f} must be a non-empty list, got {value!r}")
            if f in ("precisions", "engines", "clusters") and not all(isinstance(v, str) for v in value):
                fail(f"{f} must be a list of strings, got {list(value)!r}")
            object.__setattr__(self, f, validation.no_duplicates(tuple(value), f"study {self.name!r}: {f}"))

    def _check_grid(self, fail: Callable[[str], NoReturn]) -> None:
        """Every value on the grid's axes is one the models, converters and engines know."""
        for a in self.alphas:
            ModelConfig(self.family, a, 224)  # alpha range and family name
        for r in self.resolutions:
            ModelConfig(self.family, 1.0, r)
        self._check_families(fail)
        bad = [str(p) for p in self.precisions if str(p) not in BUILDABLE]
        if bad:
            fail(f"precisions must be among {', '.join(BUILDABLE)}, got {', '.join(bad)}")
        object.__setattr__(self, "precisions", tuple(dict.fromkeys(Precision.parse(p) for p in self.precisions)))
        from edgepareto.engines import engine_names

        if bad := [e for e in self.engines if e not in engine_names()]:
            fail(f"engines must be among {', '.join(engine_names())}, got {', '.join(bad)}")
        if self.kind != "models":
            self._check_engine_precisions(fail)
        if any(isinstance(t, bool) or not isinstance(t, int) or not 1 <= t <= MAX_THREADS for t in self.threads):
            fail(f"threads must be integers in [1, {MAX_THREADS}], got {list(self.threads)}")
        if self.protocol not in PROTOCOLS:
            fail(f"protocol must be one of {', '.join(PROTOCOLS)}, got {self.protocol!r}")

    def _check_engine_precisions(self, fail: Callable[[str], NoReturn]) -> None:
        """Every engine's file format holds every precision built (else the whole recipe would fail to convert)."""
        from edgepareto.engines import format_of_engine

        for engine in self.engines:
            fmt = format_of_engine(engine)
            if bad := [str(p) for p in self.precisions if fmt not in Precision(p).formats]:
                fail(
                    f"engine {engine} runs {fmt} files, which are not built in {', '.join(bad)}; drop those "
                    f"precisions or that engine, or put them in a study of their own"
                )

    def _check_options(self, fail: Callable[[str], NoReturn]) -> None:
        """``options``: protocol overrides, a preprocessing preset and an end-to-end image folder only."""
        unknown = sorted(set(self.options) - {"protocol", "preprocessing", "end_to_end"})
        if unknown or not isinstance(self.options.get("protocol", {}), dict):
            fail(
                "options holds a 'protocol' table of overrides (e.g. time_limit_s), a 'preprocessing' preset and "
                f"'end_to_end' (a folder of images), got {unknown or 'protocol'}"
            )
        if not isinstance(self.options.get("end_to_end", ""), str):
            fail(f"options.end_to_end must be a folder of images (a string), got {self.options['end_to_end']!r}")

    def _check_scalars(self) -> None:
        """Every scalar key has one type: TOML's ``data_dir = 5``, ``limit = true`` (an int in Python) or
        ``balanced = "no"`` (a true string) would otherwise reach a path, a count or a switch."""
        for f in _TEXT_KEYS:
            value = getattr(self, f)
            if value is not None and not isinstance(value, str):
                what = "a string (a path)" if f in _PATHS or f in ("calibration_dir", "weights") else "a string"
                raise ConfigError(f"study {self.name!r}: {f} must be {what}, got {value!r}")
        if not isinstance(self.options, dict):
            raise ConfigError(f"study {self.name!r}: options must be a table, got {self.options!r}")
        if self.limit is not None:
            validation.integer(self.limit, f"study {self.name!r}: limit (images)", lo=1)
        if not isinstance(self.balanced, bool):
            raise ConfigError(f"study {self.name!r}: balanced must be true or false, got {self.balanced!r}")
        models = (self.models,) if isinstance(self.models, str) else self.models
        if not isinstance(models, (list, tuple)) or not all(isinstance(m, str) and m for m in models):
            raise ConfigError(f"study {self.name!r}: models must be a list of paths or globs (strings), got {models!r}")

    def _check_families(self, fail: Callable[[str], None]) -> None:
        """``families``: a table per family (``[study.families.mobilenet_v2]``, ``alphas``/``resolutions`` each
        optional) or a list of names (each at its published widths), normalised to name -> alphas, resolutions."""
        raw = self.families
        if isinstance(raw, (list, tuple)) and all(isinstance(n, str) for n in raw):
            raw = {n: {} for n in validation.no_duplicates(tuple(raw), f"study {self.name!r}: families")}
        if not isinstance(raw, dict):
            fail(f"families must be [study.families.NAME] tables (alphas, resolutions) or a list of names, got {raw!r}")
        if not raw:
            return
        if self.kind in ("fashion-mnist", "models"):
            fail(f"families apply to the built studies; kind {self.kind!r} has its own models: remove families")
        defaults = StudyPlan.__dataclass_fields__
        if self.family != defaults["family"].default or self.alphas != defaults["alphas"].default:
            fail("give either family and alphas or families (each with its alphas), not both; remove family/alphas")
        object.__setattr__(self, "families", {n: self._family_grid(n, g, fail) for n, g in raw.items()})

    def _family_grid(self, name: str, grid: Any, fail: Callable[[str], None]) -> dict[str, tuple[Any, ...]]:
        """One family's alphas and resolutions, each checked against the family (its widest alpha included)."""
        from edgepareto.models import get_family

        if not isinstance(grid, dict) or set(grid) - {"alphas", "resolutions"}:
            fail(f"families.{name} takes alphas and resolutions (lists), got {grid!r}")
        try:
            family = get_family(name)
        except ConfigError as exc:
            fail(str(exc))
        out: dict[str, tuple[Any, ...]] = {}
        for key, default in (("alphas", family.alphas), ("resolutions", self.resolutions)):
            value = grid.get(key, default)
            value = (value,) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
            if not isinstance(value, (list, tuple)) or not value:
                fail(f"families.{name}.{key} must be a non-empty list, got {value!r}")
            out[key] = validation.no_duplicates(tuple(value), f"study {self.name!r}: families.{name}.{key}")
        try:
            for a in out["alphas"]:
                for r in out["resolutions"]:
                    family.config(a, r)
        except ConfigError as exc:
            fail(f"families.{name}: {exc}")
        out["alphas"] = tuple(float(a) for a in out["alphas"])
        return out

    def _check_protocol_overrides(self) -> None:
        """Build the protocol now: a NaN timeout or an unknown override fails before any task runs."""
        from edgepareto.bench.protocol import Protocol

        preset = Protocol.presets()[self.protocol]
        try:
            preset(**self.options.get("protocol", {}))
        except TypeError as exc:
            known = ", ".join(f for f in Protocol.__dataclass_fields__ if f != "name")
            raise ConfigError(f"study {self.name!r}: unknown protocol override ({exc}); known: {known}") from None
        except ConfigError as exc:
            raise ConfigError(f"study {self.name!r}: options.protocol: {exc}") from None

    def _check_measure(self, fail: Callable[[str], NoReturn]) -> None:
        from edgepareto.predict import check_measure

        try:
            check_measure(self.measure)
        except ConfigError as exc:
            fail(str(exc))
        if self.measure != "all" and self.kind == "fashion-mnist":
            fail('measure = "corners" or N applies to built studies; the Fashion-MNIST study measures all')

    def _check_preprocessing(self, fail: Callable[[str], NoReturn]) -> None:
        from edgepareto.data.presets import PRESETS

        preset = self.options.get("preprocessing")
        if preset is None:
            return
        if preset not in PRESETS:
            fail(f"options.preprocessing must be one of {', '.join(PRESETS)}, got {preset!r}")
        if self.kind == "fashion-mnist":
            fail("options.preprocessing does not apply to fashion-mnist (28x28 grey, padded to 32)")

    def _check_models(self, fail: Callable[[str], NoReturn]) -> None:
        if isinstance(self.models, str):
            object.__setattr__(self, "models", (self.models,))
        object.__setattr__(self, "models", tuple(str(m) for m in self.models))
        if self.hosted_dir is not None and self.kind != "imagenet-published":
            fail('hosted_dir (Google\'s own files) applies to kind = "imagenet-published" only')
        if self.weights is not None and self.kind not in ("imagenet-published", "latency-only"):
            fail('weights apply to the built studies (kind = "imagenet-published" or "latency-only")')
        if self.kind != "models":
            if self.models:
                fail('models = [...] needs kind = "models"')
            return
        if not self.models:
            fail('a "models" study needs models = ["DIR/*.tflite", ...] (globs, relative to the plan file)')
        if self.dataset not in MODEL_DATASETS:
            fail(f"dataset must be one of {', '.join(MODEL_DATASETS)}, got {self.dataset!r}")
        if self.dataset != "fashion-mnist" and not self.data_dir:
            fail(f'dataset {self.dataset} needs data_dir = "..." (the labelled images)')
        if self.balanced and self.limit is None:
            fail("balanced = true needs a limit")

    def _check_measured(self, fail: Callable[[str], NoReturn]) -> None:
        """Kind "measured": built files, their accuracy on ``data_dir`` (a class-balanced subset of ``limit``)."""
        if self.kind != "measured":
            return
        if self.dataset not in MEASURED_DATASETS or not self.data_dir:
            fail(f"kind 'measured' needs dataset = one of {', '.join(MEASURED_DATASETS)} and data_dir = the images")

    def _check_dataset(self, fail: Callable[[str], NoReturn]) -> None:
        """The built kinds name the one set their accuracy is about (or none): any other name was a mistake."""
        allowed = _DATASETS_OF_KIND.get(str(self.kind))
        if allowed is None or self.dataset is None or self.dataset in allowed:
            return
        if self.kind == "latency-only" and self.data_dir:  # built files with weights, evaluated on data_dir
            return
        if not allowed:
            fail(f"kind {self.kind!r} measures no accuracy, so dataset = {self.dataset!r} does not apply; remove it")
        fail(
            f"kind {self.kind!r} reports accuracy on {allowed[0]}; dataset = {self.dataset!r} is none of "
            f"{', '.join(allowed)}: remove it or set one of them"
        )

    @property
    def preprocessing(self) -> str:
        """The preset this study's artifacts name in their sidecar (the ImageNet default unless set)."""
        from edgepareto.data.presets import DEFAULT_PRESET

        return str(self.options.get("preprocessing", DEFAULT_PRESET))

    def configs(self) -> list[ModelConfig]:
        if self.kind == "fashion-mnist":
            return []  # the training study decides its own resolution and class count
        if self.families:
            return [
                ModelConfig(name, a, r)
                for name, grid in self.families.items()
                for r in grid["resolutions"]
                for a in grid["alphas"]
            ]
        return [ModelConfig(self.family, a, r) for r in self.resolutions for a in self.alphas]


@dataclass(frozen=True)
class Plan:
    name: str
    studies: tuple[StudyPlan, ...]
    source: str = "(built in)"
    recommend: dict[str, float] = field(default_factory=dict)  # the report's budget: max_latency_ms, ...
    # where compute runs (top-level keys): executor = "local" | "ray", ray_address = "HOST:PORT",
    # shared_paths = true when every Ray node sees the driver's data and artifact paths (read in place),
    # ray_devices = ["rpi5"]: boards that joined as Ray nodes with the resource device:rpi5
    executor: ExecutorChoice = field(default_factory=ExecutorChoice)

    def __post_init__(self) -> None:
        from edgepareto.analysis import Budget

        unknown = sorted(set(self.recommend) - set(Budget.__dataclass_fields__))
        if unknown:
            raise ConfigError(
                f"plan {self.name!r}: [recommend] takes {', '.join(Budget.__dataclass_fields__)}, "
                f"got {', '.join(unknown)}"
            )
        for key, value in self.recommend.items():  # a number, finite (as every flag's): "fast" or inf is refused
            validation.finite(value, f"plan {self.name!r}: [recommend] {key}")
        try:
            Budget(**self.recommend)  # the bounds' own checks
        except ConfigError as exc:
            raise ConfigError(f"plan {self.name!r}: [recommend] {exc}") from None
        if not self.studies:
            raise ConfigError(f"plan {self.name!r} has no [[study]] tables; add at least one")
        names = [s.name for s in self.studies]
        if len(set(names)) != len(names):
            raise ConfigError(f"plan {self.name!r}: study names must be unique, got {names}")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "studies": [asdict(s) for s in self.studies],
            "recommend": dict(self.recommend),
            "executor": asdict(self.executor),
        }

    def to_toml(self) -> str:
        """The plan as a TOML file that loads back to the same plan (fields at their defaults left out)."""
        from edgepareto.sweep._plan_toml import plan_toml

        return plan_toml(self.name, self.executor, self.recommend, self.studies)


_FIELDS = set(StudyPlan.__dataclass_fields__)


_PATHS = ("data_dir", "ground_truth", "synset_order", "labels", "hosted_dir")  # not calibration_dir: in recipe keys
_TEXT_KEYS = ("kind", "family", "protocol", "dataset", "calibration_dir", *_PATHS, "weights")


def _relative_to(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    """Paths and globs of a study, relative to the plan file's folder (absolute ones stay)."""
    out = dict(raw)
    for key in _PATHS:
        if isinstance(out.get(key), str):
            out[key] = str(base / Path(out[key]).expanduser())
    if isinstance(out.get("weights"), str) and out["weights"] != "imagenet":
        out["weights"] = str(base / Path(out["weights"]).expanduser())
    options = out.get("options")
    if isinstance(options, dict) and isinstance(options.get("end_to_end"), str):
        out["options"] = {**options, "end_to_end": str(base / Path(options["end_to_end"]).expanduser())}
    models = out.get("models")
    if isinstance(models, (list, tuple)):
        out["models"] = [str(base / Path(m).expanduser()) if isinstance(m, str) else m for m in models]
    return out


def parse_plan(doc: dict[str, Any], source: str, base: Path | None = None) -> Plan:
    """``base``: the folder relative paths in the plan start from (the plan file's; None: as written)."""
    _check_top_level(doc, source)
    studies = []
    for i, raw in enumerate(doc.get("study", [])):
        if not isinstance(raw, dict):
            raise ConfigError(f"{source}: study #{i + 1} must be a [[study]] table, got {raw!r}")
        unknown = sorted(set(raw) - _FIELDS)
        if unknown:
            raise ConfigError(
                f"{source}: study #{i + 1} has unknown keys {', '.join(unknown)}; known: {', '.join(sorted(_FIELDS))}"
            )
        try:
            studies.append(StudyPlan(**(_relative_to(raw, base) if base is not None else raw)))
        except TypeError as exc:
            raise ConfigError(f"{source}: study #{i + 1}: {exc}") from exc
    table = doc.get("recommend", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [recommend] must be a table (max_latency_ms, max_size_mb, min_top1)")
    return Plan(doc.get("name", Path(source).stem), tuple(studies), source, dict(table), _executor(doc, source))


def _executor(doc: dict[str, Any], source: str) -> ExecutorChoice:
    address, shared, devices = doc.get("ray_address"), doc.get("shared_paths", False), doc.get("ray_devices", [])
    if not isinstance(doc.get("executor", "local"), str):
        raise ConfigError(f'{source}: executor must be a string ("local" or "ray"), got {doc["executor"]!r}')
    if not isinstance(shared, bool) or not (address is None or isinstance(address, str)):
        raise ConfigError(f"{source}: ray_address must be a string (HOST:PORT) and shared_paths true or false")
    if not isinstance(devices, list) or not all(isinstance(d, str) and d for d in devices):
        raise ConfigError(f'{source}: ray_devices must be a list of device names, e.g. ["rpi5"]')
    try:
        return ExecutorChoice(str(doc.get("executor", "local")), address, shared, tuple(devices))
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _check_top_level(doc: dict[str, Any], source: str) -> None:
    unknown = sorted(set(doc) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise ConfigError(
            f'{source}: unknown top-level key(s) {", ".join(unknown)}; a plan has name = "..." and [[study]] tables'
        )
    if not isinstance(doc.get("name", ""), str):
        raise ConfigError(f"{source}: name must be a string, got {doc['name']!r}")
    if not isinstance(doc.get("study", []), list):
        raise ConfigError(f"{source}: study must be [[study]] tables, got {doc['study']!r}")


def load_plan(path: str | Path | None = None) -> Plan:
    """Read a plan file, or the shipped default plan when ``path`` is None."""
    if path is None:
        text = resources.files("edgepareto.sweep").joinpath("default.toml").read_text(encoding="utf-8")
        source = "edgepareto/sweep/default.toml"
    else:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{p}: plan file not found; pass a TOML plan (see edgepareto/sweep/default.toml)")
        text, source = validation.read_text(p, "plan"), str(p)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from exc
    except RecursionError:  # arrays or inline tables nested thousands deep
        raise ConfigError(f"{source}: nested too deeply to be a plan; see edgepareto/sweep/default.toml") from None
    return parse_plan(doc, source, None if path is None else Path(path).resolve().parent)
