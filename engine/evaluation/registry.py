"""The metric registry: the :class:`Metric` type, the table :data:`METRICS` and :func:`register_metric`.

The table's entries and every view of it are in :mod:`engine.evaluation.catalog`; a module that
registers metrics (:mod:`engine.evaluation.agreement`) imports this module, never the catalog, so
the catalog can import its registrants at the top.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from engine.registry import Registry

VIEWS = ("cli", "compare", "study", "per_class", "summary")


@dataclass(frozen=True)
class Metric:
    """One registered metric.

    Attributes:
        name: the identifier ("pearson", "deletion_auc").
        label: what users read.
        reference: "map", "mask" or "clip" (see :mod:`engine.evaluation.catalog`).
        higher_is_better: the direction of "better" (rankings, labels).
        fn: per-frame computation ``fn(saliency (H, W), reference (H, W), top_k) -> float`` for the
            "map" and "mask" kinds; None for values computed elsewhere.
        shown: key prefix ("flow", "mask", or "" for a bare name) -> the views that show that key
            (names from :data:`VIEWS`).
        order: sorts the table (ties keep registration order).
    """

    name: str
    label: str
    reference: str
    higher_is_better: bool = True
    fn: Callable[..., float] | None = None
    shown: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    order: int = 50


METRICS: Registry[Metric] = Registry("metric", order=lambda m: m.order)


def register_metric(name: str, label: str, reference: str, fn: Callable[..., float] | None = None, *,
                    higher_is_better: bool = True, shown: Mapping[str, tuple[str, ...]] | None = None,
                    order: int = 50) -> Metric:
    """Registers a metric (see :class:`Metric`); a name registered twice raises."""
    unknown = {v for views in (shown or {}).values() for v in views} - set(VIEWS)
    if unknown or reference not in ("map", "mask", "clip"):
        raise ValueError(f"metric {name!r}: unknown view {sorted(unknown)} or reference kind {reference!r}")
    return METRICS.add(name, Metric(name, label, reference, higher_is_better, fn, dict(shown or {}), order))


def metric_key(reference: str, metric: str, clip: bool = False) -> str:
    """Key of a metric in the agreement table: "flow.pearson", "mask.auc.clip"."""
    return f"{reference}.{metric}" + (".clip" if clip else "")


def per_frame_metrics(reference: str) -> dict[str, Metric]:
    """Name -> metric of the per-frame metrics of one kind ("map" or "mask"), in table order."""
    return {m.name: m for m in METRICS.values() if m.reference == reference}


def agreement_metrics() -> dict[str, Metric]:
    """Name -> metric of every per-frame agreement metric (map and mask kinds), in table order."""
    return {m.name: m for m in METRICS.values() if m.reference in ("map", "mask")}
