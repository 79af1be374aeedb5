"""Pairs of results on the same clip (two models, or two methods) and how much they disagree.

Two results pair when everything but the compared dimension is equal: for two models, the clip,
method, resolved parameters, target and settings; for two methods, the clip, model identity,
target and settings. Disagreement is read from the index alone (no result file is opened):
Spearman's rank correlation of the two time-step curves (T,), and of the two display maps
pooled to (T, 8, 8) blocks (:func:`engine.store.rows.pooled_map`); the lower, the more they
disagree.
"""

from __future__ import annotations

import math

from engine.store.index import Filters, Store
from engine.store.rows import decode_curve, decode_map

MATCH = {"models": ("clip_digest", "method", "params", "target", "settings"),
         "methods": ("clip_digest", "model_identity", "target", "settings")}
SIDE = {"models": "model", "methods": "method"}
PAIR_SORTS = ("curve_rho", "map_rho")


def pair_rows(store: Store, by: str, first: str, second: str, filters: Filters = Filters()) -> list[dict]:
    """The pairs of ``first`` and ``second`` (two model names or two method names), unsorted.

    Args:
        store: the store.
        by: "models" or "methods".
        first, second: the two values of the compared column.
        filters: restricts the first result of each pair (class, predicted, correct, ...).

    Returns:
        one dict per pair: ``a`` and ``b`` (the two rows, light columns plus summaries),
        ``curve_rho`` and ``map_rho`` (NaN where a correlation is undefined, e.g. a constant curve).
    """
    if by not in MATCH:
        raise ValueError(f"by must be one of {tuple(MATCH)}")
    side = SIDE[by]
    columns = ["key", "clip_name", "label", "predicted", "model", "method", "confidence", "correct", "curve",
               "small_map", *MATCH[by]]
    rows_a = store.query(_narrow(filters, side, first), columns=columns)
    rows_b = store.query(_narrow(Filters(), side, second), columns=columns)
    by_match = {tuple(r[c] for c in MATCH[by]): r for r in rows_b}
    pairs = []
    for a in rows_a:
        b = by_match.get(tuple(a[c] for c in MATCH[by]))
        if b is not None and b["key"] != a["key"]:
            pairs.append({"a": a, "b": b, **disagreement(a, b)})
    return pairs


def _narrow(filters: Filters, side: str, value: str) -> Filters:
    fields = {**filters.__dict__, "models" if side == "model" else "methods": (value,)}
    return Filters(**fields)


def disagreement(a: dict, b: dict) -> dict[str, float]:
    """Rank correlations of two rows' curves and pooled maps (NaN when their frame counts differ)."""
    from engine.evaluation.stats import spearman

    curve_a, curve_b = decode_curve(a), decode_curve(b)
    map_a, map_b = decode_map(a), decode_map(b)
    same = curve_a.shape == curve_b.shape and map_a.shape == map_b.shape
    return {"curve_rho": spearman(curve_a, curve_b) if same else math.nan,
            "map_rho": spearman(map_a, map_b) if same else math.nan}


def sort_pairs(pairs: list[dict], by: str = "map_rho") -> list[dict]:
    """Most disagreeing first (lowest rank correlation); undefined correlations last."""
    if by not in PAIR_SORTS:
        raise ValueError(f"sort pairs by one of {PAIR_SORTS}")
    return sorted(pairs, key=lambda p: (math.isnan(p[by]), p[by], p["a"]["key"]))
