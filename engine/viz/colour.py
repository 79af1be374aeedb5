"""Colours of saliency and flow: colour maps, heatmaps over frames, the flow colour wheel.

Pure numpy/OpenCV on (H, W) maps and (H, W, 3) uint8 RGB frames, shared by the
app's player, the panels and the headless writers.

Every picture scales a clip by one robust maximum, :func:`robust_max` at
:data:`ROBUST_PERCENTILE`, so frames compare and a few outliers do not wash out
the rest. Flow brightness comes from :func:`flow_speed_scale` over the valid
frames only (frame 0 has no flow of its own).
"""

from __future__ import annotations

from types import MappingProxyType

import cv2
import numpy as np

from engine.flow import flow_magnitude

COLORMAPS = MappingProxyType(
    {"inferno": cv2.COLORMAP_INFERNO, "jet": cv2.COLORMAP_JET, "viridis": cv2.COLORMAP_VIRIDIS,
     "magma": cv2.COLORMAP_MAGMA, "hot": cv2.COLORMAP_HOT, "turbo": cv2.COLORMAP_TURBO}
)
ROBUST_PERCENTILE = 99.5


def robust_max(values: np.ndarray, percentile: float = ROBUST_PERCENTILE) -> float:
    """A clip-wide scale that ignores a few outliers: the percentile of the values (0 when empty)."""
    values = np.asarray(values, dtype=np.float32)
    return float(np.percentile(values, percentile)) if values.size else 0.0


def clip_scale(maps: np.ndarray) -> float:
    """One robust maximum for a whole clip, so frames are comparable (> 0)."""
    value = robust_max(maps)
    return value if value > 0 else float(maps.max()) if maps.size and maps.max() > 0 else 1.0


def flow_speed_scale(fields: np.ndarray, valid: np.ndarray | None = None) -> float:
    """The speed shown at full brightness: :func:`clip_scale` of the valid frames' flow lengths.

    Args:
        fields: (T, H, W, 2) flow.
        valid: (T,) bool; default all valid.
    """
    fields = np.asarray(fields, np.float32)
    valid = np.ones(len(fields), bool) if valid is None else np.asarray(valid, bool)
    return clip_scale(flow_magnitude(fields[valid])) if valid.any() else 1.0


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


def flow_to_rgb(fields: np.ndarray, max_magnitude: float | None = None) -> np.ndarray:
    """Colour-wheel picture of flow: hue = direction, brightness = speed.

    Rightward motion is red, leftward cyan, downward yellow-green, upward
    blue-violet.

    Args:
        fields: (T, H, W, 2) or (H, W, 2) flow.
        max_magnitude: speed shown at full brightness; default :func:`robust_max` of the magnitudes.

    Returns:
        (T, H, W, 3) (or (H, W, 3)) uint8 RGB.
    """
    fields = np.asarray(fields, dtype=np.float32)
    magnitude = flow_magnitude(fields)
    scale = robust_max(magnitude) if max_magnitude is None else float(max_magnitude)
    angle = np.degrees(np.arctan2(fields[..., 1], fields[..., 0])) % 360.0
    hsv = np.empty(fields.shape[:-1] + (3,), dtype=np.uint8)
    hsv[..., 0] = np.round(angle / 2.0).astype(np.uint8) % 180
    hsv[..., 1] = 255
    value = np.clip(magnitude / scale, 0.0, 1.0) if scale > 0 else np.zeros_like(magnitude)
    hsv[..., 2] = np.round(value * 255).astype(np.uint8)
    flat = hsv.reshape(-1, hsv.shape[-2], 3)
    return cv2.cvtColor(flat, cv2.COLOR_HSV2RGB).reshape(hsv.shape)


def magnitude_to_rgb(
    magnitude: np.ndarray, max_magnitude: float | None = None, colormap: int = cv2.COLORMAP_INFERNO
) -> np.ndarray:
    """Colour-mapped speed.

    Args:
        magnitude: (T, H, W) or (H, W) non-negative flow lengths.
        max_magnitude: value shown at the top of the colormap; default :func:`robust_max`.
        colormap: an OpenCV colormap id.

    Returns:
        (T, H, W, 3) (or (H, W, 3)) uint8 RGB.
    """
    magnitude = np.asarray(magnitude, dtype=np.float32)
    scale = robust_max(magnitude) if max_magnitude is None else float(max_magnitude)
    unit = np.clip(magnitude / scale, 0.0, 1.0) if scale > 0 else np.zeros_like(magnitude)
    levels = np.round(unit * 255).astype(np.uint8)
    flat = levels.reshape(-1, levels.shape[-1])
    coloured = cv2.applyColorMap(flat, colormap)
    return cv2.cvtColor(coloured, cv2.COLOR_BGR2RGB).reshape(levels.shape + (3,))


def color_wheel(size: int = 64) -> np.ndarray:
    """(size, size, 3) uint8 legend of :func:`flow_to_rgb`: colour = direction of motion."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) - (size - 1) / 2
    field = np.stack([xs, ys], axis=-1) / (size / 2)
    wheel = flow_to_rgb(field, 1.0)
    wheel[np.hypot(xs, ys) > size / 2] = 255
    return wheel
