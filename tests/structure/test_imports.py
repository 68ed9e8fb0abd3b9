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


def _imports(module: str, path: Path) -> set[str]:
    """Every edgepareto module ``module`` imports, at the top or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
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
        for n in names:
            if n == ROOT or n.startswith(ROOT + "."):
                target = _resolve(n)
                if target and target != module:
                    found.add(target)
    return found


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


@pytest.mark.parametrize("module", ["edgepareto.sweep.tasks", "edgepareto.sweep.runner"])
def test_the_sweep_reads_top_to_bottom(module: str) -> None:
    path = MODULES[module]
    assert len(path.read_text(encoding="utf-8").splitlines()) < 300


def test_the_checker_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


FOUNDATION = ("errors", "version", "native_output", "validation", "faults")  # root modules any package may use


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
