"""Small statistics: correlations, curve areas, bootstrap and t intervals (Otsu's threshold: :mod:`engine.thresholds`).

All functions take numpy arrays and return Python floats; NaN means "undefined"
(a constant input, too few values). Correlations and ranks are scipy's, imported
when first called (start-up stays fast).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.thresholds import otsu_threshold  # noqa: F401  (its home before it moved below engine.flow)


def rankdata(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing their average rank (``scipy.stats.rankdata``), flattened."""
    from scipy.stats import rankdata as scipy_rankdata

    return scipy_rankdata(np.ravel(values), method="average")


def _pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Both arrays flattened to float64, or None when either is constant or empty (correlation undefined)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.size != b.size:
        raise ValueError(f"arrays differ in size: {a.size} vs {b.size}")
    if a.size < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return a, b


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two same-size arrays (flattened, ``scipy.stats.pearsonr``); NaN if either is constant."""
    from scipy.stats import pearsonr

    pair = _pair(a, b)
    return float("nan") if pair is None else float(np.clip(pearsonr(*pair).statistic, -1.0, 1.0))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (``scipy.stats.spearmanr``, average ranks for ties); NaN if either is constant."""
    from scipy.stats import spearmanr

    pair = _pair(a, b)
    return float("nan") if pair is None else float(spearmanr(*pair).statistic)


def curve_auc(fractions: np.ndarray, scores: np.ndarray) -> float:
    """Trapezoid area under a deletion/insertion curve, x rescaled to [0, 1].

    Args:
        fractions: (S,) increasing fraction of input removed or inserted.
        scores: (S,) model score at each fraction.

    Raises:
        ValueError: fewer than two points, or fractions not increasing.
    """
    x = np.asarray(fractions, dtype=np.float64)
    y = np.asarray(scores, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or x.size < 2:
        raise ValueError("fractions and scores must be (S,) arrays with S >= 2")
    if np.any(np.diff(x) <= 0):
        raise ValueError("fractions must be strictly increasing")
    x = (x - x[0]) / (x[-1] - x[0])
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2.0)


def bootstrap_ci(
    values: np.ndarray,
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
    statistic: Callable[..., float] = np.mean,
) -> tuple[float, float, float]:
    """Percentile bootstrap confidence interval (``scipy.stats.bootstrap``); NaNs are dropped first.

    Args:
        values: (N,) sample (any shape is flattened).
        n_boot: resamples.
        alpha: 1 - coverage (0.05 gives a 95% interval).
        seed: seed of the resampling generator (same seed, same interval).
        statistic: reduces an array to a number (vectorised when it takes ``axis=``).

    Returns:
        (estimate on the full sample, low, high); all NaN when no value is left.
    """
    from scipy.stats import bootstrap

    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan"), float("nan"), float("nan")
    estimate = float(statistic(values))
    if values.size == 1 or np.ptp(values) == 0:
        return estimate, estimate, estimate
    interval = bootstrap((values,), statistic, n_resamples=n_boot, confidence_level=1.0 - alpha,
                         method="percentile", rng=np.random.default_rng(seed),
                         batch=max(1, 2_000_000 // values.size)).confidence_interval  # ~16 MB a batch
    return estimate, float(interval.low), float(interval.high)


def t_interval(values: np.ndarray, alpha: float = 0.05) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval mean ± t_{1-alpha/2, n-1} · sd / sqrt(n); NaNs dropped.

    With one value the interval is that value; with none, all NaN.

    Returns:
        (mean, low, high).
    """
    from scipy.stats import t as student_t

    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    if values.size == 1:
        return mean, mean, mean
    half = float(student_t.ppf(1.0 - alpha / 2.0, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))
    return mean, mean - half, mean + half
