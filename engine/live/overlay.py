"""The saliency heatmap blended over live frames of whatever size arrives.

A camera's resolution changes under a connection that loses bandwidth (640x480 to
320x240 and back), so the overlay keeps the map at the model's size and resizes it
to each new frame size once; blending a frame is then two OpenCV calls on uint8.
Opacity grows with saliency, as in :func:`engine.viz.colour.overlay`.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from engine.viz.colour import COLORMAPS, colorize

__all__ = ["COLORMAPS", "Overlay"]  # COLORMAPS: the colour maps an overlay takes


class Overlay:
    """One heatmap, ready to blend over frames.

    Args:
        heat: (h, w) non-negative saliency of one frame.
        vmax: the value shown at full colour (> 0).
        cmap: a colour map name of :data:`engine.viz.colour.COLORMAPS`.
        opacity: 0..1, the opacity at full saliency.
    """

    def __init__(self, heat: np.ndarray, vmax: float, cmap: str = "inferno", opacity: float = 0.5):
        self.heat = np.asarray(heat, dtype=np.float32)
        self.vmax = max(float(vmax), 1e-12)
        self.cmap = cmap
        self.opacity = float(min(max(opacity, 0.0), 1.0))
        self._sized: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def _layers(self, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """(premultiplied colour (H, W, 3) uint8, frame weight (H, W, 3) uint8 of 255) at one size."""
        with self._lock:
            hit = self._sized.get((height, width))
        if hit is not None:
            return hit
        heat = cv2.resize(self.heat, (width, height), interpolation=cv2.INTER_LINEAR)
        weight = self.opacity * np.clip(heat / self.vmax, 0.0, 1.0)[..., None]
        coloured = colorize(heat, self.cmap, self.vmax).astype(np.float32)
        layers = ((coloured * weight).round().astype(np.uint8),
                  np.repeat(((1.0 - weight) * 255).round().astype(np.uint8), 3, axis=2))
        with self._lock:
            if len(self._sized) > 4:
                self._sized.clear()
            self._sized[(height, width)] = layers
        return layers

    def blend(self, frame: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 frame -> the frame under the heatmap, same size."""
        colour, keep = self._layers(*frame.shape[:2])
        return cv2.add(cv2.multiply(frame, keep, scale=1.0 / 255), colour)
