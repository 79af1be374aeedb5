"""The ``--method``, ``--param`` and ``--baseline`` arguments of ``saliency`` (one clip, ``--all-windows``, ``--data``).

Parameters are checked against the method's registered schema before anything runs.
"""

from __future__ import annotations

from engine.errors import UserError
from engine.saliency import get_method, list_methods
from engine.saliency.baselines import BASELINES


def check_baseline(name: str) -> None:
    """UserError unless ``name`` is a known baseline."""
    if name not in BASELINES:
        raise UserError(f"Unknown baseline {name!r}; choose one of: {', '.join(BASELINES)}.")


def describe_methods() -> str:
    """Every registered method with its label, paper and parameter schema."""
    lines = []
    for name in list_methods():
        method = get_method(name)
        lines.append(f"{name}: {method.label}\n    paper: {method.paper}")
        for p in method.params:
            allowed = (f"one of {', '.join(map(str, p.options()))}" if p.kind == "choice"
                       else f"range [{_bound(p.low)}, {_bound(p.high)}]")
            lines.append(f"    --param {p.name}=<{p.kind}>  default {p.default}, {allowed}. {p.help}")
        if not method.params:
            lines.append("    (no parameters)")
    return "\n".join(lines)


def _bound(value) -> str:
    return "-" if value is None else f"{value:g}"


def parse_params(items: list[str]) -> dict[str, str]:
    """["n_steps=32", ...] -> {"n_steps": "32"}; values are parsed later by each method's schema."""
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UserError(f"--param expects NAME=VALUE, got {item!r}.")
        params[name.strip()] = value.strip()
    return params


def params_for(method: str, params: dict[str, str], strict: bool) -> dict:
    """Resolved, checked parameters of ``method``; with ``strict`` False, names it lacks are left out."""
    entry = get_method(method)
    own = {p.name for p in entry.params}
    return entry.resolve(params if strict else {k: v for k, v in params.items() if k in own})
