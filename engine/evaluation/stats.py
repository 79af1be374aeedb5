"""Small statistics: correlations, Otsu's threshold, curve areas, bootstrap and t intervals.

All functions take numpy arrays and return Python floats; NaN means "undefined"
(a constant input, too few values).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def rankdata(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing their average rank (scipy.stats.rankdata's 'average'), flattened."""
    values = np.ravel(values)
    order = np.argsort(values, kind="mergesort")
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(values))
    ordered = values[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    dense = np.cumsum(starts)[inverse]
    bounds = np.r_[np.nonzero(starts)[0], len(values)]
    return 0.5 * (bounds[dense] + bounds[dense - 1] + 1)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two same-size arrays (flattened); NaN if either is constant."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.size != b.size:
        raise ValueError(f"arrays differ in size: {a.size} vs {b.size}")
    a = a - a.mean() if a.size else a
    b = b - b.mean() if b.size else b
    denominator = np.sqrt(np.dot(a, a) * np.dot(b, b))
    if not denominator > 0:
        return float("nan")
    return float(np.clip(np.dot(a, b) / denominator, -1.0, 1.0))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties); NaN if either is constant."""
    return pearson(rankdata(np.ravel(a)), rankdata(np.ravel(b)))


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of float values: maximises the between-class variance.

    The values are binned into ``bins`` equal bins between their min and max;
    the threshold returned is the largest value of the lower class, so
    ``values > threshold`` is the upper class. NaNs are ignored.

    Args:
        values: any shape, floats.
        bins: histogram bins.

    Returns:
        The threshold; the single value itself when all values are equal,
        NaN when there are none.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan")
    low, high = values.min(), values.max()
    if high <= low:
        return float(low)
    counts, edges = np.histogram(values, bins=bins, range=(low, high))
    centres = (edges[:-1] + edges[1:]) / 2.0
    weight_low = np.cumsum(counts)[:-1].astype(np.float64)
    weight_high = values.size - weight_low
    sum_low = np.cumsum(counts * centres)[:-1]
    mean_low = sum_low / np.maximum(weight_low, 1)
    mean_high = (np.sum(counts * centres) - sum_low) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    split = edges[1 + int(np.argmax(between))]
    return float(values[values < split].max())  # the lower class's largest value


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
    """Percentile bootstrap confidence interval; NaNs are dropped first.

    Args:
        values: (N,) sample (any shape is flattened).
        n_boot: resamples.
        alpha: 1 - coverage (0.05 gives a 95% interval).
        seed: seed of the resampling generator (same seed, same interval).
        statistic: reduces an array to a number; if it accepts ``axis=`` the
            resamples are reduced in vectorised chunks.

    Returns:
        (estimate on the full sample, low, high); all NaN when no value is left.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan"), float("nan"), float("nan")
    estimate = float(statistic(values))
    rng = np.random.default_rng(seed)
    chunk = max(1, 2_000_000 // values.size)  # bounds memory to ~16 MB per chunk
    replicates = []
    for start in range(0, n_boot, chunk):
        indices = rng.integers(0, values.size, size=(min(chunk, n_boot - start), values.size))
        replicates.append(_apply_rows(statistic, values[indices]))
    replicates = np.concatenate(replicates)
    low, high = np.quantile(replicates, [alpha / 2.0, 1.0 - alpha / 2.0])
    return estimate, float(low), float(high)


def _apply_rows(statistic: Callable[..., float], samples: np.ndarray) -> np.ndarray:
    """(R, N) resamples -> (R,) statistics, vectorised when the statistic takes axis=."""
    try:
        result = np.asarray(statistic(samples, axis=1), dtype=np.float64)
        if result.shape == (samples.shape[0],):
            return result
    except TypeError:
        pass
    return np.array([statistic(row) for row in samples], dtype=np.float64)


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
