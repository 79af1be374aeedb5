"""Small frame | overlay strips of a result file, as PNG bytes or a base64 ``<img>`` tag."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np

from engine.saliency import load_result
from engine.viz.export import encode_png
from engine.viz.panels import PanelSettings, draw_panels


def strip_image(frames: np.ndarray, display: np.ndarray, count: int = 8, width: int = 80) -> np.ndarray:
    """Two rows of ``count`` evenly spaced frames: the frames, then saliency over them.

    Args:
        frames: (T, H, W, 3) uint8 RGB at display resolution.
        display: (T, h, w) non-negative saliency (one colour scale for the whole clip).
        count: frames shown.
        width: width of each shown frame in pixels.

    Returns:
        (2 * h', count * width, 3) uint8 RGB.
    """
    picks = np.linspace(0, len(frames) - 1, min(count, len(frames))).round().astype(int)
    height = max(1, round(frames.shape[1] * width / frames.shape[2]))
    no_flow = np.zeros((len(frames), 1, 1, 2), np.float32)
    settings = PanelSettings(opacity=0.7, size=(height, width))
    panels = draw_panels(frames, display, no_flow, settings=settings)
    rows = [np.concatenate(list(panels[name][picks]), axis=1) for name in ("frame", "overlay")]
    return np.concatenate(rows, axis=0)


def result_strip_tag(result_path: str | Path, alt: str, count: int = 8) -> str:
    """An ``<img>`` tag with the result file's strip embedded as base64 PNG."""
    result, arrays, _ = load_result(result_path)
    image = strip_image(arrays["frames"], result.display("abs"), count)
    data = base64.b64encode(encode_png(image)).decode("ascii")
    return f'<img class="strip" alt="{alt}" src="data:image/png;base64,{data}">'
