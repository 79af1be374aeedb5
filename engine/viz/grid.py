"""Headless pictures of one analysis: the frame grid and the side-by-side video frames.

Both draw the panels of :func:`engine.viz.panels.render_panels`, so a grid cell is
the app's panel at the cell's size, pixel for pixel. Frames are labelled with their
source frame index and time stamp.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np
from matplotlib.figure import Figure

from engine.viz.charts import DPI, to_image
from engine.viz.colour import clip_scale, color_wheel, colorize
from engine.viz.panels import PanelSettings, render_panels

GRID_ROWS = ("frame", "overlay", "flow")


@dataclass(frozen=True)
class GridLayout:
    """Pixel layout of :func:`render_grid`: bands of up to ``columns`` frames, three rows each."""

    num_frames: int
    cell_height: int
    cell_width: int = 128
    columns: int = 16
    left: int = 120
    top: int = 44
    header: int = 34
    gap: int = 4
    bottom: int = 56

    @property
    def bands(self) -> int:
        return math.ceil(self.num_frames / self.columns)

    @property
    def band_height(self) -> int:
        return self.header + len(GRID_ROWS) * (self.cell_height + self.gap)

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of the image in pixels."""
        width = self.left + min(self.num_frames, self.columns) * (self.cell_width + self.gap) + 16
        return self.top + self.bands * self.band_height + self.bottom, width

    def cell(self, row: int, t: int) -> tuple[int, int, int, int]:
        """(y0, y1, x0, x1) pixel box of frame ``t`` in ``row`` (0 frame, 1 saliency, 2 flow)."""
        band, column = divmod(t, self.columns)
        y0 = self.top + band * self.band_height + self.header + row * (self.cell_height + self.gap)
        x0 = self.left + column * (self.cell_width + self.gap)
        return y0, y0 + self.cell_height, x0, x0 + self.cell_width


def grid_layout(num_frames: int, frame_height: int, frame_width: int, cell_width: int = 128) -> GridLayout:
    """The layout for T frames of the given size (cells keep the frames' aspect ratio)."""
    cell_height = max(16, min(3 * cell_width, round(cell_width * frame_height / frame_width)))
    return GridLayout(num_frames, cell_height, cell_width)


def _axes_at(fig: Figure, box: tuple[int, int, int, int], size: tuple[int, int]):
    """Axes covering pixel box (y0, y1, x0, x1) of a figure of size (height, width), axis lines off."""
    (y0, y1, x0, x1), (height, width) = box, size
    ax = fig.add_axes((x0 / width, 1 - y1 / height, (x1 - x0) / width, (y1 - y0) / height))
    ax.set_axis_off()
    return ax


def render_grid(analysis, settings: PanelSettings = PanelSettings(), *, title: str = "") -> np.ndarray:
    """Three rows per frame (frame | saliency overlay | flow), columns = time.

    Args:
        analysis: an :class:`engine.pipeline.Analysis`.
        settings: how to draw the panels (their size is the layout's cell size).
        title: a line above the grid.

    Returns:
        (H, W, 3) uint8 RGB; :func:`grid_layout` gives H, W and each cell's box.
    """
    frames, indices, fps = analysis.clip.frames, analysis.clip.indices, analysis.clip.fps
    count, height, width = frames.shape[:3]
    layout = grid_layout(count, height, width)
    panels = render_panels(analysis, replace(settings, size=(layout.cell_height, layout.cell_width)))
    size = layout.size
    fig = Figure(figsize=(size[1] / DPI, size[0] / DPI), dpi=DPI, facecolor="white")
    fig.text(8 / size[1], 1 - 10 / size[0], title, ha="left", va="top", fontsize=11, weight="bold")
    for t in range(count):
        y0, _, x0, x1 = layout.cell(0, t)
        seconds = indices[t] / fps if fps > 0 else float("nan")
        fig.text((x0 + x1) / 2 / size[1], 1 - (y0 - 3) / size[0], f"#{int(indices[t])}\n{seconds:.2f} s",
                 ha="center", va="bottom", fontsize=8)
    _grid_legends(fig, layout, size, clip_scale(analysis.result.display(settings.reduction)), settings.cmap)
    image = to_image(fig)
    for t in range(count):
        for row, name in enumerate(GRID_ROWS):
            y0, y1, x0, x1 = layout.cell(row, t)
            image[y0:y1, x0:x1] = panels[name][t]
        if not analysis.flow.valid[t]:
            y0, y1, x0, _ = layout.cell(2, t)
            _label(image, "no flow (first frame)", origin=(x0 + 4, (y0 + y1) // 2), scale=0.3)
    return image


def _grid_legends(fig: Figure, layout: GridLayout, size: tuple[int, int], vmax: float, cmap: str) -> None:
    """Row names, the flow colour wheel and one saliency colour bar for the whole clip."""
    for band in range(layout.bands):
        for row, name in enumerate(("frame", "saliency\n(one scale\nper clip)", "flow\n(t-1 → t)")):
            y0, y1, _, _ = layout.cell(row, band * layout.columns)
            fig.text(8 / size[1], 1 - (y0 + 4) / size[0], name, ha="left", va="top", fontsize=9)
        y0, y1, _, _ = layout.cell(2, band * layout.columns)
        side = min(48, (y1 - y0) // 2)
        wheel = _axes_at(fig, (y1 - side, y1, 66, 66 + side), size)
        wheel.imshow(color_wheel(side), interpolation="bilinear")
    bar_y = size[0] - layout.bottom + 16
    bar = fig.add_axes((layout.left / size[1], 1 - (bar_y + 12) / size[0], 0.3, 12 / size[0]))
    bar.imshow(colorize(np.linspace(0, 1, 256)[None].repeat(2, 0), cmap, 1.0), aspect="auto",
               extent=(0, vmax, 0, 1))
    ticks = np.linspace(0, vmax, 5)
    bar.set_xticks(ticks, [f"{v:.2g}" for v in ticks], fontsize=8)
    bar.set_yticks([])
    bar.text(1.02, 0.5, "saliency: one colour scale for the whole clip (full colour = clip's 99.5th percentile)",
             transform=bar.transAxes, ha="left", va="center", fontsize=8)


def video_frames(analysis, settings: PanelSettings = PanelSettings(), min_height: int = 256) -> np.ndarray:
    """Side-by-side frame | overlay | flow for each frame, upscaled to at least ``min_height``.

    Returns:
        (T, H', 3 W', 3) uint8 RGB with even H' and W'.
    """
    frames, indices, fps = analysis.clip.frames, analysis.clip.indices, analysis.clip.fps
    height, width = frames.shape[1:3]
    panels = render_panels(analysis, replace(settings, size=(height, width)))
    factor = max(1, math.ceil(min_height / height))
    size = (2 * math.ceil(width * factor / 2), 2 * math.ceil(height * factor / 2))
    out = []
    for t in range(len(frames)):
        parts = [cv2.resize(panels[name][t], size, interpolation=cv2.INTER_NEAREST) for name in GRID_ROWS]
        seconds = indices[t] / fps if fps > 0 else 0.0
        _label(parts[0], f"#{int(indices[t])}  {seconds:.2f} s")
        _label(parts[1], "saliency")
        _label(parts[2], "flow" if analysis.flow.valid[t] else "no flow (first frame)")
        out.append(np.concatenate(parts, axis=1))
    return np.stack(out)


def _label(image: np.ndarray, text: str, origin: tuple[int, int] = (6, 18), scale: float = 0.5) -> None:
    """Writes white text with a dark outline at ``origin`` (x, y of the baseline), in place."""
    for colour, thickness in (((0, 0, 0), 3), ((255, 255, 255), 1)):
        cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)
