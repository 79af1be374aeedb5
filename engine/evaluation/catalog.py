"""The one table of metrics: each registered once with its computation, label, reference kind and direction.

Every list of metrics shown anywhere (the CLI summary, the Compare page, the study's
tables and summaries) and every label and ranking direction derive from :data:`METRICS`.

Kinds of entry (``Metric.reference``):

* ``"map"``: per frame, against a continuous reference (flow magnitude);
* ``"mask"``: per frame, against a binary reference (the motion mask of the flow, or a
  ground-truth mask);
* ``"clip"``: one value per clip (computed by the agreement table, the study or a faithfulness test).

Keys: per-frame metrics are stored as ``"<reference>.<name>"`` (:func:`metric_key`), with
reference ``flow`` (map and mask kinds) or ``mask`` (mask kind only); clip scores keep their
own name, or ``"flow.<name>"`` when they compare with the flow.

Adding a metric: one :func:`register_metric` call beside its function, plus its test; a new module of
metrics is imported at the top of this one. The table type lives in :mod:`engine.evaluation.registry`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import engine.evaluation.agreement  # noqa: F401  (registers the agreement metrics beside their functions)
from engine.evaluation.registry import (METRICS, VIEWS, Metric, agreement_metrics, metric_key, per_frame_metrics,
                                        register_metric)

__all__ = ["METRICS", "REFERENCES", "VIEWS", "Metric", "agreement_metrics", "clip_metric_rows", "lower_is_better",
           "metric_key", "metric_label", "per_frame_metrics", "reference_label", "register_metric", "shown_metrics"]

REFERENCES = MappingProxyType({"flow": "Optical flow", "mask": "Ground-truth mask"})


def _split(key: str) -> tuple[str, Metric | None]:
    prefix, _, name = key.partition(".")
    if name and name in METRICS:
        return prefix, METRICS.get(name)
    return "", METRICS.get(key) if key in METRICS else None


def metric_label(key: str) -> str:
    """What users read for a key: "flow.pearson" -> "Pearson r vs optical flow", "flow.auc" -> "AUC vs motion
    mask (optical flow)", "deletion_auc" -> "Deletion AUC (lower is better)"."""
    prefix, metric = _split(key)
    label = metric.label if metric else key.partition(".")[2 if prefix else 0].replace("_", " ") or key
    if metric is not None and not metric.higher_is_better:
        label += " (lower is better)"
    if prefix == "flow" and metric is not None and metric.reference == "mask":
        return f"{label} vs motion mask (optical flow)"
    return f"{label} vs {REFERENCES[prefix].lower()}" if prefix in REFERENCES else label


def reference_label(key: str) -> str:
    """The reference a key compares with: "Optical flow", "Ground-truth mask", or "" for a clip score."""
    return REFERENCES.get(key.partition(".")[0], "")


def lower_is_better(key: str) -> bool:
    """Whether a smaller value of the metric under ``key`` is better."""
    metric = _split(key)[1]
    return metric is not None and not metric.higher_is_better


def clip_metric_rows(values: Mapping[str, float]) -> list[dict]:
    """Per-clip values (key -> value) as table rows {"metric": label, reference label: value, ...}."""
    rows: dict[str, dict] = {}
    for key, value in values.items():
        prefix, metric = _split(key)
        name = metric.name if metric else key
        row = rows.setdefault(name, {"metric": metric.label if metric else key.replace("_", " ")})
        row[REFERENCES.get(prefix, "value")] = round(float(value), 4)
    return list(rows.values())


def shown_metrics(view: str) -> tuple[str, ...]:
    """The keys one view shows, in table order (see :data:`VIEWS`)."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}")
    return tuple(f"{prefix}.{m.name}" if prefix else m.name
                 for m in METRICS.values() for prefix, views in m.shown.items() if view in views)


STUDY = ("study", "summary")
register_metric("correct", "Accuracy", "clip", shown={"": (*STUDY, "per_class")}, order=0)
register_metric("confidence", "Confidence", "clip", shown={"": ("summary",)}, order=0)
register_metric("deletion_auc", "Deletion AUC", "clip", higher_is_better=False,
                shown={"": (*STUDY, "per_class")}, order=100)
register_metric("insertion_auc", "Insertion AUC", "clip", shown={"": (*STUDY, "per_class")}, order=100)
register_metric("randomisation_spearman", "Rank correlation after weight randomisation", "clip",
                higher_is_better=False, shown={"": STUDY}, order=100)
register_metric("seconds", "Seconds per clip", "clip", higher_is_better=False, shown={"": STUDY}, order=100)
