"""The import graph of ``engine/`` and ``ui/`` has no cycle: between modules, or between the engine's packages.

Every ``import`` statement counts, wherever it sits: at the top, inside a function, under
``if TYPE_CHECKING``. An import placed inside a function hides a cycle from Python at
import time, not from this test. ``from package import name`` counts as an import of
``package.name`` when that is a module, else of ``package`` (its ``__init__``).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("engine", "ui")


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Module name -> file of every module under ``engine/`` and ``ui/`` (a package is its ``__init__``)."""
    files = {}
    for top in TOP_LEVEL:
        for path in sorted((root / top).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return files


def _absolute(node: ast.ImportFrom, package: str) -> str:
    """The module a ``from ... import`` statement names, relative dots resolved against ``package``."""
    if not node.level:
        return node.module or ""
    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join(anchor + ([node.module] if node.module else []))


def imported_modules(path: Path, package: str, files: dict[str, Path]) -> list[tuple[str, int]]:
    """(project module, line) of every import in a file, wherever it sits (``package``: the file's package).

    ``from pkg import name`` imports the module ``pkg.name`` when there is one, else ``pkg``;
    ``import a.b.c`` imports the longest of ``a.b.c``, ``a.b``, ``a`` that is a project module.
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                name = next((".".join(parts[:k]) for k in range(len(parts), 0, -1) if ".".join(parts[:k]) in files),
                            None)
                found += [(name, node.lineno)] if name else []
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                name = f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
                found += [(name, node.lineno)] if name in files else []
    return found


def import_graph(root: Path = ROOT) -> dict[str, dict[str, str]]:
    """Module -> {project module it imports: "file:line" of the first such import}."""
    files = module_files(root)
    graph: dict[str, dict[str, str]] = {name: {} for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for target, line in imported_modules(path, package, files):
            if target != name:
                graph[name].setdefault(target, f"{path.relative_to(root)}:{line}")
    return graph


def find_cycle(graph: dict[str, dict[str, str]]) -> list[str] | None:
    """One cycle as a path [a, b, ..., a], or None (depth-first search, nodes in sorted order)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, {})):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def all_cycles(graph: dict[str, dict[str, str]], limit: int = 20) -> list[list[str]]:
    """Cycles to report at once: each found cycle's closing import is set aside before looking again."""
    remaining = {node: dict(targets) for node, targets in graph.items()}
    cycles = []
    while len(cycles) < limit and (cycle := find_cycle(remaining)):
        cycles.append(cycle)
        del remaining[cycle[-2]][cycle[-1]]
    return cycles


def package_of(module: str) -> str:
    """The unit a module belongs to at the package level: ``engine.evaluation.stats`` -> ``engine.evaluation``."""
    return ".".join(module.split(".")[:2])


def package_graph(graph: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The module graph collapsed to the engine's packages and top-level modules (and ``ui``'s modules)."""
    collapsed: dict[str, dict[str, str]] = {}
    for source, targets in graph.items():
        for target, where in targets.items():
            if package_of(source) != package_of(target):
                collapsed.setdefault(package_of(source), {}).setdefault(package_of(target), where)
    return collapsed


def describe(cycle: list[str], graph: dict[str, dict[str, str]]) -> str:
    """``a (engine/a.py:12) -> b (engine/b.py:3) -> a``: each arrow with the import that makes it."""
    return " ".join(f"{source} ({graph[source][target]}) ->" for source, target in zip(cycle, cycle[1:])) + f" {cycle[-1]}"


def test_the_graph_sees_every_import_including_those_inside_functions():
    graph = import_graph()
    assert len(graph) > 100
    assert "engine.saliency.registry" in graph["engine.saliency.methods.gradient"]
    assert "engine.errors" in graph["engine.registry"]


def test_no_import_cycle_between_modules():
    graph = import_graph()
    cycles = all_cycles(graph)
    assert cycles == [], "import cycles:\n" + "\n".join(describe(cycle, graph) for cycle in cycles)


def test_no_import_cycle_between_packages():
    """No back-arrow: when ``engine.evaluation`` imports ``engine.flow``, nothing in ``engine.flow`` imports it."""
    graph = package_graph(import_graph())
    cycles = all_cycles(graph)
    assert cycles == [], "packages import each other:\n" + "\n".join(describe(cycle, graph) for cycle in cycles)


def test_a_cycle_hidden_inside_a_function_is_found(tmp_path):
    (tmp_path / "engine" / "pkg").mkdir(parents=True)
    (tmp_path / "ui").mkdir()
    (tmp_path / "engine" / "__init__.py").write_text("")
    (tmp_path / "engine" / "pkg" / "__init__.py").write_text("")
    (tmp_path / "engine" / "pkg" / "a.py").write_text("from engine.pkg.b import g\n")
    (tmp_path / "engine" / "pkg" / "b.py").write_text("def g():\n    from . import a\n    return a\n")
    (tmp_path / "engine" / "pkg" / "c.py").write_text("import engine.pkg.d\n")
    (tmp_path / "engine" / "pkg" / "d.py").write_text("from engine.pkg import c\n")
    graph = import_graph(tmp_path)
    assert find_cycle(graph) == ["engine.pkg.a", "engine.pkg.b", "engine.pkg.a"]
    assert all_cycles(graph) == [["engine.pkg.a", "engine.pkg.b", "engine.pkg.a"],
                                 ["engine.pkg.c", "engine.pkg.d", "engine.pkg.c"]]
    assert "engine.pkg.b (engine/pkg/b.py:2) -> engine.pkg.a" in describe(find_cycle(graph), graph)
    assert find_cycle(package_graph(graph)) is None  # one package: no package-level cycle


def test_test_modules_never_import_one_another():
    """Shared helpers live in ``tests/conftest.py`` or ``tests/helpers/``."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                found += [(path.name, _absolute(node, "tests"), alias.name) for alias in node.names]
            elif isinstance(node, ast.Import):
                found += [(path.name, alias.name, "") for alias in node.names]
    assert len(found) > 100
    assert [f for f in found if any(part.startswith("test_") for part in (*f[1].split("."), f[2]))] == []
