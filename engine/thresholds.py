"""Otsu's threshold of float values: below both :mod:`engine.flow` (motion masks) and :mod:`engine.evaluation`."""

from __future__ import annotations

import cv2
import numpy as np


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of float values (OpenCV's, on the values binned to 256 levels between min and max).

    The threshold returned is the largest value of the lower class, so ``values > threshold``
    is the upper class. NaNs are ignored.

    Args:
        values: any shape, floats.
        bins: histogram levels (OpenCV's Otsu takes 8-bit levels: at most 256).

    Returns:
        The threshold; the single value itself when all values are equal, NaN when there are none.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan")
    low, high = values.min(), values.max()
    if high <= low:
        return float(low)
    levels = min(bins, 256)
    binned = np.minimum((values - low) / (high - low) * levels, levels - 1).astype(np.uint8)
    split, _ = cv2.threshold(binned.reshape(1, -1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return float(values[binned <= split].max())  # the lower class's largest value
