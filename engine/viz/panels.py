"""The one drawing path of an analysis: frame, saliency overlay, flow and raw saliency per frame.

:func:`render_panels` is what the app's downloads, the CLI's grid and video and the
study's strips draw from, so the same analysis looks the same everywhere: one
saliency colour scale per clip (or per frame, when asked), flow brightness from
:func:`engine.viz.colour.flow_speed_scale` over the valid frames, and black flow
panels where a frame has no flow of its own (frame 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from engine.flow import flow_magnitude
from engine.viz.colour import clip_scale, colorize, flow_speed_scale, flow_to_rgb, magnitude_to_rgb, overlay, resize_map

PANELS = ("frame", "overlay", "flow", "saliency")
PANEL_TITLES = {"frame": "Frame", "overlay": "Saliency over frame", "flow": "Optical flow", "saliency": "Raw saliency"}
FLOW_VIEWS = {"wheel": "Colour wheel (direction)", "magnitude": "Magnitude (speed)"}
PANEL_SIDE = 320


@dataclass(frozen=True)
class PanelSettings:
    """How to draw the panels.

    Attributes:
        reduction: channel reduction of the saliency ("abs", "positive", "negative").
        cmap: a key of :data:`engine.viz.colour.COLORMAPS`.
        opacity: heatmap opacity at full saliency, 0..1.
        flow_view: "wheel" (direction as hue) or "magnitude".
        outline: draw the ground-truth mask outline on the frame (when the clip has masks).
        per_frame: scale each frame's saliency to its own maximum instead of one clip-wide scale.
        side: longer side of each panel in pixels; None keeps the frames' size (the app uses
            :data:`PANEL_SIDE`).
        size: exact (height, width) of each panel; overrides ``side``.
    """

    reduction: str = "abs"
    cmap: str = "inferno"
    opacity: float = 0.6
    flow_view: str = "wheel"
    outline: bool = False
    per_frame: bool = False
    side: int | None = None
    size: tuple[int, int] | None = None

    def panel_size(self, height: int, width: int) -> tuple[int, int]:
        """(height, width) of a panel of an (height, width) frame."""
        if self.size is not None:
            return self.size
        if self.side is None:
            return height, width
        scale = self.side / max(height, width)
        return max(1, round(height * scale)), max(1, round(width * scale))


def fit(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resizes an image to (height, width): bilinear when growing, area when shrinking."""
    height, width = size
    if image.shape[:2] == (height, width):
        return image
    grow = height * width > image.shape[0] * image.shape[1]
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR if grow else cv2.INTER_AREA)


def outline_mask(frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A copy of an (H, W, 3) frame with the outline of an (H, W) bool mask drawn in green."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = np.ascontiguousarray(frame.copy())
    cv2.drawContours(out, contours, -1, (0, 255, 120), 1)
    return out


def flow_pictures(fields: np.ndarray, valid: np.ndarray | None, view: str = "wheel") -> np.ndarray:
    """(T, h, w, 3) uint8 flow pictures on one clip-wide scale; black where the flow is not valid."""
    fields = np.asarray(fields, np.float32)
    valid = np.ones(len(fields), bool) if valid is None else np.asarray(valid, bool)
    speed = flow_speed_scale(fields, valid)
    if view == "wheel":
        pictures = flow_to_rgb(fields, speed)
    else:
        pictures = magnitude_to_rgb(flow_magnitude(fields), speed)
    pictures[~valid] = 0
    return pictures


def draw_panels(frames: np.ndarray, display: np.ndarray, fields: np.ndarray, valid: np.ndarray | None = None,
                masks: np.ndarray | None = None, settings: PanelSettings = PanelSettings()) -> dict[str, np.ndarray]:
    """The panels of every frame from plain arrays (:func:`render_panels` for an analysis).

    Args:
        frames: (T, H, W, 3) uint8 RGB.
        display: (T, h, w) non-negative saliency (any resolution; resized to the frames).
        fields: (T, h', w', 2) flow, ``fields[t]`` = motion from frame t-1 to t.
        valid: (T,) bool, False where a frame has no flow of its own; default all valid.
        masks: (T, H, W) bool ground-truth masks, outlined when ``settings.outline``.
        settings: how to draw.

    Returns:
        {panel name: (T, h'', w'', 3) uint8 RGB} for the names in :data:`PANELS`.
    """
    frames = np.asarray(frames)
    height, width = frames.shape[1:3]
    size = settings.panel_size(height, width)
    flow = flow_pictures(fields, valid, settings.flow_view)
    vmax = clip_scale(display)
    out: dict[str, list[np.ndarray]] = {name: [] for name in PANELS}
    for t, frame in enumerate(frames):
        scale = clip_scale(display[t]) if settings.per_frame else vmax
        shown = outline_mask(frame, masks[t]) if settings.outline and masks is not None else frame
        out["frame"].append(fit(shown, size))
        out["overlay"].append(fit(overlay(shown, display[t], alpha=settings.opacity, cmap=settings.cmap,
                                          vmax=scale), size))
        out["flow"].append(fit(cv2.resize(flow[t], (width, height), interpolation=cv2.INTER_LINEAR), size))
        out["saliency"].append(fit(colorize(resize_map(display[t], height, width), settings.cmap, scale), size))
    return {name: np.stack(images) for name, images in out.items()}


def render_panels(analysis, settings: PanelSettings = PanelSettings()) -> dict[str, np.ndarray]:
    """The panels of every frame of an :class:`engine.pipeline.Analysis` (see :func:`draw_panels`)."""
    return draw_panels(analysis.clip.frames, analysis.result.display(settings.reduction), analysis.flow.fields,
                       analysis.flow.valid, analysis.clip.masks, settings)


def view_image(panels: dict[str, np.ndarray], t: int, gap: int = 4) -> np.ndarray:
    """The four panels of frame ``t`` side by side on white: (H, 4W + 3 gap, 3) uint8."""
    images = [panels[name][t] for name in PANELS]
    spacer = np.full((images[0].shape[0], gap, 3), 255, np.uint8)
    row = []
    for image in images:
        row += [image, spacer]
    return np.concatenate(row[:-1], axis=1)
