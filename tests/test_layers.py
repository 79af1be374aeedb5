"""The layers stay apart: the engine never imports the app (``ui``, ``streamlit``) nor reads ``VSE_*`` at import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """Every module name a Python file imports (absolute imports; any depth in the file)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_engine_never_imports_ui_or_streamlit():
    files = sorted((ROOT / "engine").rglob("*.py"))
    assert len(files) > 50
    offending = {str(f.relative_to(ROOT)): sorted(n for n in imported_modules(f)
                                                  if n.split(".")[0] in ("ui", "streamlit"))
                 for f in files}
    assert {f: names for f, names in offending.items() if names} == {}


SPY = """
import importlib, os, pkgutil, sys, traceback
read = []
class Spy(type(os.environ)):
    def __getitem__(self, key):
        frames = [f.filename for f in traceback.extract_stack()[:-1]
                  if not f.filename.startswith("<frozen") and not f.filename.endswith("os.py")]
        if str(key).startswith("VSE_") and "/engine/" in frames[-1]:  # engine code reads it (not a library)
            read.append(key)
        return super().__getitem__(key)
os.environ.__class__ = Spy
import engine
for info in pkgutil.walk_packages(engine.__path__, "engine."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
print(len(sys.modules), sorted(set(read)))
"""


def test_no_engine_module_reads_a_vse_variable_at_import():
    env = {"VSE_ASSETS": "/nowhere", "VSE_MEMORY_BUDGET": "1G", "VSE_DATA_DIR": "/nowhere", "PATH": "/usr/bin"}
    done = subprocess.run([sys.executable, "-c", SPY], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    count, read = done.stdout.split(" ", 1)
    assert int(count) > 100 and read.strip() == "[]"


def engine_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every ``from engine... import name`` in a file."""
    tree = ast.parse(path.read_text(), str(path))
    return [(node.module, alias.name) for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "engine"
            for alias in node.names]


def exported(module: str) -> set[str]:
    import importlib

    return set(getattr(importlib.import_module(module), "__all__", ()))


def test_pages_import_only_front_door_names():
    """Pages take names from ``engine`` or from a package root's ``__all__``, never from inside a package."""
    packages = {p.name for p in (ROOT / "engine").iterdir() if (p / "__init__.py").is_file()}
    found = [(page.name, module, name) for page in sorted((ROOT / "pages").glob("*.py"))
             for module, name in engine_imports(page)]
    assert len(found) > 10
    wrong = [(page, module, name) for page, module, name in found
             if not (module == "engine" or (module.count(".") == 1 and module.split(".")[1] in packages))
             or name not in exported(module)]
    assert wrong == []


def test_ui_imports_only_the_front_door_and_package_roots():
    wrong = [(f.name, module) for f in sorted((ROOT / "ui").rglob("*.py")) for module, _ in engine_imports(f)
             if module.count(".") > 1]
    assert wrong == []
