"""Saliency-versus-mask scores exactly as Ismail et al. (NeurIPS 2019) define them.

"Input-Cell Attention Reduces Vanishing Saliency of Recurrent Neural Networks"
scores a saliency map against a binary reference (the box, or a mask):

* ``ref``: the binary reference, N = its number of cells (N >= 1);
* ``s``: the saliency min-max scaled over the whole map, s = (a - min a) / (max a - min a);
* top-N(s): the N cells with the largest s (ties broken by position, first wins).

Scores (all arrays flattened; any shape):

* Jac  = |top-N(s) ∩ ref| / |top-N(s) ∪ ref|
* WJac = Σ min(ref, s) / Σ max(ref, s)
* Euc  = ||ref - s||₂ / ||ref||₂                      (lower is better)
* AUC  = ROC AUC of s as a score for ref (Mann-Whitney U, ties count half)
* Es   = (Σ_{ref ∩ top-N} s - Σ_{ref \\ top-N} s) / N   (the enrichment score)

Every score is NaN for an empty reference, a reference that covers every cell
(AUC only), or a constant saliency map (min-max scaling is undefined).

These differ from the sum-normalised :func:`engine.evaluation.agreement.mass_jaccard` and the
unit-max RMS :func:`engine.evaluation.agreement.rms_distance`, which compare two continuous maps.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from engine.evaluation.agreement import auc as _rank_auc

PAPER_METRICS = MappingProxyType({
    "jac": ("Jac (top-N Jaccard)", True),
    "wjac": ("WJac (weighted Jaccard)", True),
    "euc": ("Euc (Euclidean distance)", False),
    "auc": ("AUC", True),
    "es": ("Es (enrichment score)", True),
})
"""Key -> (label, higher is better) of each score in :func:`paper_scores`."""


def minmax(saliency: np.ndarray) -> np.ndarray | None:
    """(a - min a) / (max a - min a) over the whole array, float64; None for a constant array."""
    a = np.asarray(saliency, dtype=np.float64)
    low, high = a.min(), a.max()
    return (a - low) / (high - low) if high > low else None


def top_n_cells(saliency: np.ndarray, n: int) -> np.ndarray:
    """Flat boolean mask of the ``n`` largest cells (ties by position: the earlier cell wins)."""
    flat = np.ravel(saliency)
    keep = np.zeros(flat.size, dtype=bool)
    keep[np.argsort(-flat, kind="stable")[:n]] = True
    return keep


def _prepare(saliency: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(scaled saliency, bool reference), both flat; None when a score is undefined."""
    ref = np.asarray(ref, dtype=bool)
    if np.shape(saliency) != ref.shape:
        raise ValueError(f"saliency {np.shape(saliency)} and reference {ref.shape} differ in shape")
    scaled = minmax(saliency)
    if scaled is None or not ref.any():
        return None
    return scaled.ravel(), ref.ravel()


def jaccard(saliency: np.ndarray, ref: np.ndarray) -> float:
    """Jac = |top-N(s) ∩ ref| / |top-N(s) ∪ ref|, N = |ref|."""
    prepared = _prepare(saliency, ref)
    if prepared is None:
        return float("nan")
    s, r = prepared
    top = top_n_cells(s, int(r.sum()))
    return float((top & r).sum() / (top | r).sum())


def weighted_jaccard(saliency: np.ndarray, ref: np.ndarray) -> float:
    """WJac = Σ min(ref, s) / Σ max(ref, s), s min-max scaled, ref binary."""
    prepared = _prepare(saliency, ref)
    if prepared is None:
        return float("nan")
    s, r = prepared
    r = r.astype(np.float64)
    return float(np.minimum(r, s).sum() / np.maximum(r, s).sum())


def euclidean(saliency: np.ndarray, ref: np.ndarray) -> float:
    """Euc = ||ref - s||₂ / ||ref||₂ = ||ref - s||₂ / sqrt(N), s min-max scaled; lower is better."""
    prepared = _prepare(saliency, ref)
    if prepared is None:
        return float("nan")
    s, r = prepared
    r = r.astype(np.float64)
    return float(np.linalg.norm(r - s) / np.linalg.norm(r))


def auc(saliency: np.ndarray, ref: np.ndarray) -> float:
    """AUC = P(s_i > s_j) + P(s_i = s_j) / 2 over ref cells i and other cells j (ROC AUC).

    Min-max scaling keeps the order of cells, so this is the AUC of the raw map too.
    """
    prepared = _prepare(saliency, ref)
    if prepared is None:
        return float("nan")
    s, r = prepared
    return _rank_auc(s, r)


def enrichment_score(saliency: np.ndarray, ref: np.ndarray) -> float:
    """Es = (Σ s over ref cells inside top-N(s) - Σ s over ref cells outside it) / N, s min-max scaled."""
    prepared = _prepare(saliency, ref)
    if prepared is None:
        return float("nan")
    s, r = prepared
    n = int(r.sum())
    top = top_n_cells(s, n)
    return float((s[r & top].sum() - s[r & ~top].sum()) / n)


def paper_scores(saliency: np.ndarray, ref: np.ndarray) -> dict[str, float]:
    """All five scores of one map: {"jac", "wjac", "euc", "auc", "es"} (keys of :data:`PAPER_METRICS`).

    Args:
        saliency: saliency map, any shape (e.g. (T, D) time steps x features, or (T, H, W)).
        ref: binary reference of the same shape.
    """
    return {"jac": jaccard(saliency, ref), "wjac": weighted_jaccard(saliency, ref),
            "euc": euclidean(saliency, ref), "auc": auc(saliency, ref), "es": enrichment_score(saliency, ref)}
