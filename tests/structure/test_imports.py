"""The package structure holds: no import cycles, no private module imported across packages
(ARCHITECTURE.md says which package may import which). Function size is ruff's gate (C901, PLR0912, PLR0915)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = "edgepareto"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / ROOT).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The module an import names (``edgepareto.a.b.c`` may be a name inside module ``edgepareto.a.b``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


BY_NAME = {"import_module", "import_package", "__import__"}  # importlib's, edgepareto._plugins', the builtin
# Imports by name that cannot name an edgepareto module, each with why (checked: the test fails on any other).
OPAQUE = {
    ("edgepareto.bench._child", "engine"): "a board's flat engine file (litert.py beside _child.py), not a package",
    ("edgepareto._plugins", "package"): "the discovery helper itself: its callers' literal names are read instead",
    ("edgepareto._plugins", "name"): "the discovery helper itself: its callers' literal names are read instead",
}
UNSEEN: list[str] = []  # imports by a computed name found while reading the modules


def _children(package: str) -> set[str]:
    """The public modules of ``package`` one level down: what ``_plugins.import_package`` imports."""
    return {m for m in MODULES if m.rpartition(".")[0] == package and not m.rpartition(".")[2].startswith("_")}


def _name_of(node: ast.expr, module: str, is_pkg: bool) -> tuple[str, bool] | None:
    """The module name a by-name import passes: (name, complete), or (prefix, False) for an f-string
    whose tail is computed; None when nothing of it is known (a variable)."""
    package = module if is_pkg else module.rpartition(".")[0]
    known = {"__name__": module, "__package__": package}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, True
    if isinstance(node, ast.Name) and node.id in known:
        return known[node.id], True
    if isinstance(node, ast.JoinedStr):
        text = ""
        for part in node.values:
            if isinstance(part, ast.Constant):
                text += str(part.value)
            elif isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name) and part.value.id in known:
                text += known[part.value.id]
            else:
                return (text, False) if text else None
        return text, True
    return None


def _by_name(module: str, node: ast.Call, is_pkg: bool) -> set[str]:
    """What a call such as ``importlib.import_module("edgepareto.x")`` or ``import_package("edgepareto.x")``
    imports: the named module; every public module of the package for ``import_package``; every public
    module one level down that starts with an f-string's constant prefix (``f"edgepareto.cli.{name}"``)."""
    func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if func not in BY_NAME or not node.args:
        return set()
    named = _name_of(node.args[0], module, is_pkg)
    if named is None:
        arg = ast.unparse(node.args[0])
        if (module, arg) not in OPAQUE:
            UNSEEN.append(f"{module}: {func}({arg})")
        return set()
    name, complete = named
    if not complete:
        return {m for m in _children(name.rpartition(".")[0]) if m.startswith(name) and m != module}
    if not (name == ROOT or name.startswith(ROOT + ".")):
        return set()
    return {name, *_children(name)} if func == "import_package" else {name}


def _imports_in(module: str, text: str, is_pkg: bool) -> set[str]:
    """Every edgepareto module ``module`` imports, at the top or inside functions, by statement or by name."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = module.split(".") if is_pkg else module.split(".")[:-1]
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names] or [base]
        elif isinstance(node, ast.Call):
            names = sorted(_by_name(module, node, is_pkg))
        for n in names:
            if n == ROOT or n.startswith(ROOT + "."):
                target = _resolve(n)
                if target and target != module:
                    found.add(target)
    return found


def _imports(module: str, path: Path) -> set[str]:
    return _imports_in(module, path.read_text(encoding="utf-8"), path.name == "__init__.py")


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (SRC / ROOT / parts[1]).is_dir() else module


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _without_facade(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The root package is the public facade: it may import every package, nothing may import it."""
    return {m: deps for m, deps in graph.items() if m != ROOT}


def test_nothing_imports_the_public_facade() -> None:
    offenders = sorted(m for m, deps in GRAPH.items() if ROOT in deps and m != ROOT)
    assert not offenders, f"import edgepareto.version (or the module itself) instead of the root package: {offenders}"


def test_no_import_cycle_between_modules() -> None:
    assert _cycles(_without_facade(GRAPH)) == []


def test_no_import_cycle_between_packages() -> None:
    pkgs: dict[str, set[str]] = {}
    for m, deps in _without_facade(GRAPH).items():
        pkgs.setdefault(_package(m), set()).update(_package(d) for d in deps if _package(d) != _package(m))
    assert _cycles(pkgs) == []


def test_no_private_module_imported_from_another_package() -> None:
    bad = []
    for m, deps in GRAPH.items():
        for d in deps:
            private = any(p.startswith("_") for p in d.split(".")[2:])
            if private and _package(d) != _package(m):
                bad.append(f"{m} -> {d}")
    assert bad == []


MODULE_LINES = 450


def _size_exceptions() -> dict[str, str]:
    """ARCHITECTURE.md's ``long-modules`` block: ``path: why`` for each module allowed over MODULE_LINES."""
    text = (SRC.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    block = text.split("```long-modules", 1)[1].split("```", 1)[0]
    lines = [ln for ln in block.splitlines() if ln.strip()]
    return {p.strip(): why.strip() for p, _, why in (ln.partition(":") for ln in lines)}


def test_no_module_over_450_lines_but_those_architecture_explains() -> None:
    """A reader takes a module in at one sitting; a longer one is split or ARCHITECTURE.md says why not."""
    allowed = _size_exceptions()
    long = {}
    for path in MODULES.values():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MODULE_LINES:
            long[path.relative_to(SRC / ROOT).as_posix()] = lines
    assert sorted(set(long) - set(allowed)) == []
    assert sorted(set(allowed) - set(long)) == [], "a module now short enough: drop it from ARCHITECTURE.md"
    assert all(allowed.values()), "say why each long module stays long"


@pytest.mark.parametrize("module", ["edgepareto.sweep.tasks", "edgepareto.sweep.runner"])
def test_the_sweep_reads_top_to_bottom(module: str) -> None:
    path = MODULES[module]
    assert len(path.read_text(encoding="utf-8").splitlines()) < 300


def test_the_checker_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_the_checker_sees_imports_made_by_name() -> None:
    """The circle main had (artifacts -> exporters -> convert -> tflite -> artifacts) went through a
    by-name import; read as one, it is a cycle the checker reports."""
    old_exporters = (
        "import importlib\n"
        "def _load():\n"
        "    package = importlib.import_module('edgepareto.convert')\n"
        "    importlib.import_module(f'edgepareto.convert.{package}')\n"
    )
    seen = _imports_in("edgepareto.artifacts.folder", old_exporters, is_pkg=False)
    assert {"edgepareto.convert", "edgepareto.convert.tflite", "edgepareto.convert.onnx"} <= seen
    graph = {**GRAPH, "edgepareto.artifacts.folder": GRAPH["edgepareto.artifacts.folder"] | seen}
    assert _cycles(_without_facade(graph)) != []
    plugins = _imports_in("edgepareto.convert", "import_package('edgepareto.convert')", is_pkg=True)
    assert plugins >= {"edgepareto.convert.tflite", "edgepareto.convert.registry"}
    lazy = _imports_in("edgepareto.remote", "import_module(f'{__name__}.farm')", is_pkg=True)
    assert lazy == {"edgepareto.remote.farm"}


def test_every_import_by_name_is_seen() -> None:
    """An import whose name is computed (not a literal, nor an f-string with a literal package) is an
    edge the table cannot show: name the module, or say in OPAQUE why it can be no edgepareto module."""
    assert UNSEEN == []


def test_an_import_by_a_computed_name_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.UNSEEN", [])
    _imports_in("edgepareto.models.variant", "import importlib\nimportlib.import_module(name)", is_pkg=False)
    assert UNSEEN == ["edgepareto.models.variant: import_module(name)"]


# root modules any package may use
FOUNDATION = ("errors", "version", "native_output", "validation", "faults", "_plugins")


def test_the_foundation_imports_nothing_else() -> None:
    for name in FOUNDATION:
        deps = {_package(d).removeprefix(ROOT + ".") for d in GRAPH[f"{ROOT}.{name}"]}
        assert deps <= set(FOUNDATION), f"{name} imports {deps - set(FOUNDATION)}"


def _documented() -> dict[str, set[str]]:
    text = (SRC.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    block = text.split("```imports", 1)[1].split("```", 1)[0]
    out = {}
    for line in block.strip().splitlines():
        pkg, _, deps = line.partition(":")
        out[pkg.strip()] = {d.strip() for d in deps.split(",") if d.strip()}
    return out


def test_the_package_dependencies_are_the_documented_ones() -> None:
    """ARCHITECTURE.md's table is exactly what the code imports: the map stays true."""
    actual: dict[str, set[str]] = {}
    for m, deps in _without_facade(GRAPH).items():
        a = _package(m).removeprefix(ROOT + ".")
        for d in deps:
            b = _package(d).removeprefix(ROOT + ".")
            if a != b and a not in FOUNDATION and b not in FOUNDATION:
                actual.setdefault(a, set()).add(b)
    assert actual == _documented()
