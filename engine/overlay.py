"""Images of saliency: colour maps, heatmaps over frames, side-by-side strips.

Pure numpy/OpenCV on (H, W) maps and (H, W, 3) uint8 RGB frames, shared by the
app (through Plotly) and the headless writers.
"""

from __future__ import annotations

from types import MappingProxyType

import cv2
import numpy as np

COLORMAPS = MappingProxyType(
    {"inferno": cv2.COLORMAP_INFERNO, "jet": cv2.COLORMAP_JET, "viridis": cv2.COLORMAP_VIRIDIS,
     "magma": cv2.COLORMAP_MAGMA, "hot": cv2.COLORMAP_HOT, "turbo": cv2.COLORMAP_TURBO}
)


def clip_scale(maps: np.ndarray, percentile: float = 99.5) -> float:
    """One robust maximum for a whole clip, so frames are comparable (> 0)."""
    value = float(np.percentile(maps, percentile)) if maps.size else 0.0
    return value if value > 0 else float(maps.max()) if maps.size and maps.max() > 0 else 1.0


def colorize(heat: np.ndarray, cmap: str = "inferno", vmax: float | None = None) -> np.ndarray:
    """(H, W) non-negative map -> (H, W, 3) uint8 RGB through a colour map, 0..vmax."""
    vmax = clip_scale(heat) if vmax is None else max(float(vmax), 1e-12)
    scaled = np.clip(heat / vmax, 0, 1)
    coloured = cv2.applyColorMap((scaled * 255).astype(np.uint8), COLORMAPS[cmap])
    return cv2.cvtColor(coloured, cv2.COLOR_BGR2RGB)


def resize_map(heat: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of an (h, w) map to (height, width)."""
    if heat.shape == (height, width):
        return heat
    return cv2.resize(heat.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)


def overlay(frame: np.ndarray, heat: np.ndarray, *, alpha: float = 0.5, cmap: str = "inferno",
            vmax: float | None = None) -> np.ndarray:
    """Heatmap over a frame: (H, W, 3) uint8 frame, (h, w) map -> (H, W, 3) uint8.

    The map is resized to the frame; opacity grows with saliency so low values leave the frame visible.
    """
    height, width = frame.shape[:2]
    heat = resize_map(heat, height, width)
    vmax = clip_scale(heat) if vmax is None else max(float(vmax), 1e-12)
    weight = (alpha * np.clip(heat / vmax, 0, 1))[..., None]
    coloured = colorize(heat, cmap, vmax).astype(np.float32)
    return (frame.astype(np.float32) * (1 - weight) + coloured * weight).round().astype(np.uint8)
