"""Small frame | overlay strips of a result file, as PNG bytes or a base64 ``<img>`` tag."""

from __future__ import annotations

import base64
from pathlib import Path

import cv2
import numpy as np

from engine.overlay import clip_scale, overlay


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
    vmax = clip_scale(display)
    top, bottom = [], []
    for t in picks:
        frame = cv2.resize(frames[t], (width, height), interpolation=cv2.INTER_AREA)
        top.append(frame)
        bottom.append(overlay(frame, display[t], alpha=0.7, vmax=vmax))
    return np.concatenate([np.concatenate(top, axis=1), np.concatenate(bottom, axis=1)], axis=0)


def png_bytes(image: np.ndarray) -> bytes:
    """(H, W, 3) uint8 RGB -> PNG file bytes."""
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("PNG encoding failed")
    return encoded.tobytes()


def result_strip_tag(result_path: str | Path, alt: str, count: int = 8) -> str:
    """An ``<img>`` tag with the result file's strip embedded as base64 PNG."""
    with np.load(result_path, allow_pickle=False) as z:
        image = strip_image(z["frames"], z["display_abs"], count)
    data = base64.b64encode(png_bytes(image)).decode("ascii")
    return f'<img class="strip" alt="{alt}" src="data:image/png;base64,{data}">'
