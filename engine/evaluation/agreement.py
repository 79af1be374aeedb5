"""Agreement of saliency maps with motion or masks (deletion and insertion curves: :mod:`engine.evaluation.faithfulness`).

Per-frame metrics take (H, W) arrays and return a float, NaN when undefined
(a constant map, an empty reference, a map with no mass). Clip values are the
NaN-skipping mean over frames.

Two kinds of reference:

* a continuous map (flow magnitude): Pearson, Spearman, SIM, mass Jaccard,
  RMS distance, top-K Jaccard;
* a binary mask (ground-truth person mask, or the motion mask = flow magnitude
  above a clip-wide Otsu threshold): AUC, NSS, energy pointing game (mass,
  area share, ratio), top-k IoU.

Normalisations: SIM and mass Jaccard compare maps scaled to sum 1; the RMS
distance compares maps scaled to maximum 1 and is divided by sqrt(pixel count)
(in [0, 1], comparable across sizes). These are this project's scores for a
continuous reference, not the paper's: the weighted Jaccard, Euclidean distance
and enrichment score of Ismail et al. (NeurIPS 2019), which compare a min-max
scaled map with a binary mask, are in :mod:`engine.evaluation.paper`.
"""

from __future__ import annotations

import numpy as np

from engine.evaluation.registry import metric_key, per_frame_metrics, register_metric
from engine.evaluation.stats import pearson, rankdata, spearman
from engine.flow import motion_masks


def rank_correlation(map_a: np.ndarray, map_b: np.ndarray, absolute: bool = False) -> float:
    """Spearman correlation of two saliency maps of any shape (randomisation sanity check).

    Args:
        map_a: saliency, any shape.
        map_b: saliency, same shape.
        absolute: compare absolute values (signed methods).
    """
    if absolute:
        map_a, map_b = np.abs(map_a), np.abs(map_b)
    return spearman(map_a, map_b)


def _unit_sum(a: np.ndarray) -> np.ndarray | None:
    """Non-negative map scaled to sum 1, or None when it has no mass."""
    a = np.clip(np.asarray(a, dtype=np.float64), 0.0, None)
    total = a.sum()
    return a / total if total > 0 else None


def sim(a: np.ndarray, b: np.ndarray) -> float:
    """Histogram intersection sum(min(p, q)) of the maps scaled to sum 1; in [0, 1]."""
    p, q = _unit_sum(a), _unit_sum(b)
    if p is None or q is None:
        return float("nan")
    return float(np.minimum(p, q).sum())


def mass_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """sum(min(p, q)) / sum(max(p, q)) with p = a / sum(a), q = b / sum(b) (negatives clipped to 0); in [0, 1].

    Not the paper's weighted Jaccard (that one compares a min-max scaled map with a binary
    mask: :func:`engine.evaluation.paper.weighted_jaccard`). NaN when either map has no mass.
    """
    p, q = _unit_sum(a), _unit_sum(b)
    if p is None or q is None:
        return float("nan")
    return float(np.minimum(p, q).sum() / np.maximum(p, q).sum())


def rms_distance(a: np.ndarray, b: np.ndarray) -> float:
    """RMS difference of the maps scaled to maximum 1: ||a/max a - b/max b||₂ / sqrt(pixel count).

    Not the paper's Euclidean distance (:func:`engine.evaluation.paper.euclidean`). NaN when
    either maximum is not positive.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.max() <= 0 or b.max() <= 0:
        return float("nan")
    return float(np.linalg.norm((a / a.max() - b / b.max()).ravel()) / np.sqrt(a.size))


def top_k_mask(a: np.ndarray, k: float) -> np.ndarray:
    """Boolean mask of the top fraction k of pixels (at least one; ties by position)."""
    flat = np.asarray(a, dtype=np.float64).ravel()
    count = int(np.clip(round(k * flat.size), 1, flat.size))
    order = np.argsort(-flat, kind="stable")
    mask = np.zeros(flat.size, dtype=bool)
    mask[order[:count]] = True
    return mask.reshape(np.shape(a))


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else float("nan")


def topk_jaccard(a: np.ndarray, b: np.ndarray, k: float = 0.05) -> float:
    """|top_k(a) ∩ top_k(b)| / |top_k(a) ∪ top_k(b)|, top_k: the top fraction k of pixels.

    NaN if either map is constant.
    """
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return _iou(top_k_mask(a, k), top_k_mask(b, k))


def topk_iou(sal: np.ndarray, mask: np.ndarray, k: float = 0.05) -> float:
    """|top_k(sal) ∩ mask| / |top_k(sal) ∪ mask|, top_k the top fraction k of pixels; NaN for an empty mask."""
    if not np.any(mask):
        return float("nan")
    return _iou(top_k_mask(sal, k), mask)


def auc(sal: np.ndarray, mask: np.ndarray) -> float:
    """ROC AUC of saliency as a score for mask pixels (Mann-Whitney U, ties count half).

    Returns NaN unless the mask has both inside and outside pixels.
    """
    mask = np.asarray(mask, dtype=bool).ravel()
    positives = int(mask.sum())
    negatives = mask.size - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(np.ravel(sal))
    u_statistic = ranks[mask].sum() - positives * (positives + 1) / 2.0
    return float(u_statistic / (positives * negatives))


def nss(sal: np.ndarray, mask: np.ndarray) -> float:
    """Normalised scanpath saliency: mean of (sal - mean) / std over mask pixels.

    std is the population std (ddof=0). NaN for a constant map or an empty mask.
    """
    sal = np.asarray(sal, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool)
    std = sal.std()
    if std <= 0 or not mask.any():
        return float("nan")
    return float(((sal - sal.mean()) / std)[mask].mean())


def pointing_game(sal: np.ndarray, mask: np.ndarray) -> tuple[float, float, float]:
    """Energy pointing game: (mass inside the mask / total mass, mask area share, their ratio).

    A ratio above 1 means the map concentrates on the mask more than a uniform map.
    NaN for an empty mask or a map with no mass.
    """
    sal = np.clip(np.asarray(sal, dtype=np.float64), 0.0, None)
    mask = np.asarray(mask, dtype=bool)
    area_share = float(mask.mean())
    total = sal.sum()
    if total <= 0 or area_share == 0:
        return float("nan"), area_share if area_share else float("nan"), float("nan")
    mass = float(sal[mask].sum() / total)
    return mass, area_share, mass / area_share


def temporal_correlation(sal_mass_per_frame: np.ndarray, flow_mass_per_frame: np.ndarray) -> float:
    """Pearson correlation over time of per-frame saliency mass and per-frame flow mass.

    Args:
        sal_mass_per_frame: (T,) saliency summed per frame.
        flow_mass_per_frame: (T,) flow magnitude summed per frame; NaN frames skipped.
    """
    a = np.asarray(sal_mass_per_frame, dtype=np.float64)
    b = np.asarray(flow_mass_per_frame, dtype=np.float64)
    keep = np.isfinite(a) & np.isfinite(b)
    return pearson(a[keep], b[keep]) if keep.sum() >= 2 else float("nan")


def _map_metrics(sal: np.ndarray, ref: np.ndarray, top_k: float) -> dict[str, float]:
    """All continuous-reference metrics of one (H, W) frame; NaN when ref has no mass."""
    metrics = per_frame_metrics("map")
    if not np.any(ref > 0):
        return dict.fromkeys(metrics, float("nan"))
    return {name: metric.fn(sal, ref, top_k) for name, metric in metrics.items()}


def _mask_metrics(sal: np.ndarray, mask: np.ndarray, top_k: float) -> dict[str, float]:
    """All binary-reference metrics of one (H, W) frame; NaN when the mask is empty."""
    metrics = per_frame_metrics("mask")
    if not np.any(mask):
        return dict.fromkeys(metrics, float("nan"))
    return {name: metric.fn(sal, mask, top_k) for name, metric in metrics.items()}


def _add_frames(table: dict, reference: str, per_frame: list[dict[str, float]]) -> None:
    """Stacks per-frame dicts into (T,) arrays and NaN-mean clip values in ``table``."""
    for name in per_frame[0]:
        values = np.array([frame[name] for frame in per_frame], dtype=np.float64)
        table[metric_key(reference, name)] = values
        finite = values[np.isfinite(values)]
        table[metric_key(reference, name, clip=True)] = float(finite.mean()) if finite.size else float("nan")


def agreement_table(
    sal: np.ndarray,
    flow_mag: np.ndarray | None = None,
    mask: np.ndarray | None = None,
    top_k: float = 0.05,
    flow_valid: np.ndarray | None = None,
) -> dict[str, np.ndarray | float]:
    """Every agreement metric, per frame and per clip.

    Keys come from :func:`metric_key`: "flow.<metric>" and "mask.<metric>" hold
    (T,) float arrays; the same keys with ".clip" hold the NaN-skipping mean. Flow
    references get both map metrics (vs magnitude) and mask metrics (vs the motion
    mask); a ground-truth mask gets mask metrics. "flow.temporal_correlation.clip"
    is the correlation over time of saliency mass and flow mass.

    Args:
        sal: (T, H, W) non-negative saliency (display map).
        flow_mag: optional (T, H, W) flow magnitude at the same size.
        mask: optional (T, H, W) bool ground-truth mask at the same size.
        top_k: fraction of pixels for the top-k metrics.
        flow_valid: optional (T,) bool; invalid flow frames (frame 0) become NaN.
    """
    sal = np.asarray(sal, dtype=np.float64)
    table: dict[str, np.ndarray | float] = {}
    if flow_mag is not None:
        flow_mag = np.asarray(flow_mag, dtype=np.float64)
        _check_shape(sal, flow_mag, "flow_mag")
        motion = motion_masks(flow_mag)
        valid = np.ones(len(sal), bool) if flow_valid is None else np.asarray(flow_valid, dtype=bool)
        empty = np.zeros_like(flow_mag[0])
        frames = [
            _map_metrics(s, f if ok else empty, top_k) | _mask_metrics(s, m & ok, top_k)
            for s, f, m, ok in zip(sal, flow_mag, motion, valid)
        ]
        _add_frames(table, "flow", frames)
        flow_mass = np.where(valid, flow_mag.sum(axis=(1, 2)), np.nan)
        table[metric_key("flow", "temporal_correlation", clip=True)] = temporal_correlation(
            sal.sum(axis=(1, 2)), flow_mass
        )
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        _check_shape(sal, mask, "mask")
        _add_frames(table, "mask", [_mask_metrics(s, m, top_k) for s, m in zip(sal, mask)])
    return table


def _check_shape(sal: np.ndarray, reference: np.ndarray, name: str) -> None:
    if sal.ndim != 3 or reference.shape != sal.shape:
        raise ValueError(f"saliency {sal.shape} and {name} {reference.shape} must both be (T, H, W)")


STUDY = ("study", "summary")
register_metric("pearson", "Pearson r", "map", lambda s, r, k: pearson(s, r), shown={"flow": ("compare",)})
register_metric("spearman", "Spearman rho", "map", lambda s, r, k: spearman(s, r),
                shown={"flow": ("cli", *STUDY, "per_class")})
register_metric("sim", "SIM (histogram intersection)", "map", lambda s, r, k: sim(s, r),
                shown={"flow": ("cli", "compare")})
register_metric("mass_jaccard", "Mass Jaccard (maps scaled to sum 1)", "map", lambda s, r, k: mass_jaccard(s, r),
                shown={"flow": STUDY})
register_metric("rms_distance", "RMS distance (maps scaled to max 1)", "map", lambda s, r, k: rms_distance(s, r),
                higher_is_better=False)
register_metric("topk_jaccard", "Top-k Jaccard", "map", topk_jaccard)
register_metric("auc", "AUC", "mask", lambda s, m, k: auc(s, m),
                shown={"flow": ("cli", *STUDY), "mask": ("cli", "compare", *STUDY, "per_class")})
register_metric("nss", "NSS", "mask", lambda s, m, k: nss(s, m))
register_metric("pointing_mass", "Energy inside mask", "mask", lambda s, m, k: pointing_game(s, m)[0],
                shown={"mask": ("compare",)})
register_metric("area_share", "Mask area share", "mask", lambda s, m, k: pointing_game(s, m)[1])
register_metric("pointing_ratio", "Energy / area share", "mask", lambda s, m, k: pointing_game(s, m)[2],
                shown={"mask": ("cli", *STUDY)})
register_metric("topk_iou", "Top-k IoU with mask", "mask", topk_iou)
register_metric("temporal_correlation", "Correlation over time of saliency and flow mass", "clip",
                shown={"flow": ("cli", "summary")}, order=60)
