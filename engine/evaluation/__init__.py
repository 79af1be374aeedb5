"""Scoring saliency: the metric catalog (catalog), agreement with flow and masks (agreement),
faithfulness curves (faithfulness), the paper's scores (paper) and statistics (stats)."""

from engine.lazy import lazy_exports

_NAMES = dict.fromkeys(("METRICS", "clip_metric_rows", "metric_label", "register_metric", "shown_metrics"),
                       "engine.evaluation.catalog")
__all__ = sorted(_NAMES)
__getattr__ = lazy_exports(__name__, _NAMES)
