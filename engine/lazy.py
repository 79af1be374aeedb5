"""Lazy exports for package front doors: a name is imported from its module when first asked for.

``import engine`` stays cheap (no torch, OpenCV or Plotly until a name is used), and the
front door still lists every name in ``__all__``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_exports(package: str, table: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` that imports ``table[name]`` (a module path) and returns its ``name``."""

    def __getattr__(name: str) -> object:
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(table[name])
        return module if module.__name__.rpartition(".")[2] == name else getattr(module, name)

    return __getattr__
