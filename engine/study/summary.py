"""Aggregating per-clip study rows: means with bootstrap intervals, per group, best and worst clips.

A row is one (clip, model, method) with numeric columns such as "flow.spearman",
"mask.auc", "deletion_auc", "seconds"; NaN means "not defined for this clip"
and is left out of that column's mean (the count says how many clips were used).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from engine.evaluation.catalog import lower_is_better, shown_metrics
from engine.evaluation.stats import bootstrap_ci

RANKING_METRICS = ("mask.auc", "flow.auc", "flow.spearman")


def _number(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def group_rows(rows: Sequence[dict], keys: Sequence[str]) -> dict[tuple, list[dict]]:
    """Rows grouped by the values of ``keys``, groups in first-seen order."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row.get(k, "") for k in keys), []).append(row)
    return groups


def summarise(rows: Sequence[dict], keys: Sequence[str] = ("model", "method"),
              metrics: Sequence[str] | None = None, n_boot: int = 2000, seed: int = 0) -> list[dict]:
    """One row per group: for each metric its mean, 95% bootstrap interval and clip count.

    Args:
        rows: per-clip rows.
        keys: columns that define a group.
        metrics: numeric columns to summarise (default: the catalog's "summary" view); a metric missing
            from every row of a group is left out.
        n_boot: bootstrap resamples.
        seed: bootstrap seed (same rows, same intervals).

    Returns:
        dicts with the key columns, "clips", and for each metric m: m, m + ".low", m + ".high", m + ".n".
    """
    metrics = shown_metrics("summary") if metrics is None else metrics
    table = []
    for group_key, members in group_rows(rows, keys).items():
        out = dict(zip(keys, group_key))
        out["clips"] = len(members)
        for metric in metrics:
            values = np.array([_number(r.get(metric)) for r in members], dtype=np.float64)
            finite = values[np.isfinite(values)]
            if finite.size == 0:
                continue
            mean, low, high = bootstrap_ci(finite, n_boot=n_boot, seed=seed)
            out.update({metric: mean, f"{metric}.low": low, f"{metric}.high": high, f"{metric}.n": int(finite.size)})
        table.append(out)
    return table


def ranking_metric(rows: Sequence[dict]) -> str | None:
    """The metric that ranks clips: mask AUC where masks exist, else flow agreement."""
    for metric in RANKING_METRICS:
        if any(math.isfinite(_number(r.get(metric))) for r in rows):
            return metric
    return None


def best_and_worst(rows: Sequence[dict], metric: str, count: int = 2) -> tuple[list[dict], list[dict]]:
    """The ``count`` rows with the highest and the lowest finite ``metric`` (best first, worst first).

    Lower-is-better metrics (:func:`engine.evaluation.catalog.lower_is_better`) are ranked the other way.
    """
    scored = [r for r in rows if math.isfinite(_number(r.get(metric)))]
    sign = 1.0 if lower_is_better(metric) else -1.0
    ordered = sorted(scored, key=lambda r: (sign * _number(r[metric]), str(r.get("clip", ""))))
    best = ordered[:count]
    worst = [r for r in reversed(ordered) if r not in best][:count]
    return best, worst


def mean_curve(curves: Sequence[Sequence[float]]) -> list[float]:
    """Element-wise mean of equal-length curves (e.g. timestep importance over clips)."""
    if not curves:
        return []
    return np.mean(np.asarray(curves, dtype=np.float64), axis=0).tolist()


def format_interval(row: dict, metric: str, digits: int = 3) -> str:
    """"0.712 [0.650, 0.771]" for a summary row, "" when the metric is absent."""
    if metric not in row or not math.isfinite(_number(row[metric])):
        return ""
    return f"{row[metric]:.{digits}f} [{row[metric + '.low']:.{digits}f}, {row[metric + '.high']:.{digits}f}]"
