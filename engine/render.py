"""Headless pictures of one saliency result: frame grid, timestep chart, feature-by-time map, video.

Pure functions: they take arrays and return (H, W, 3) uint8 RGB images (matplotlib's
Agg canvas, never pyplot, so no process-wide figure state), or write files. The app
reuses the same images; ``python -m engine plot`` writes them.

Every picture uses one colour scale per clip (not per frame), so frames compare.
Frames are labelled with their source frame index and time stamp.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from engine.errors import UserError
from engine.flow import flow_to_rgb, robust_max
from engine.overlay import clip_scale, colorize, overlay

DPI = 100
GRID_ROWS = ("frame", "saliency", "flow")


@dataclass(frozen=True)
class Panels:
    """The three pictures of every frame, at the frames' resolution.

    Attributes:
        frames: (T, H, W, 3) uint8 RGB input frames.
        overlays: (T, H, W, 3) uint8 saliency over the frame, one scale for the clip.
        flow: (T, H, W, 3) uint8 flow colour wheel (black where the flow is invalid).
        flow_valid: (T,) bool, False for frame 0 (it has no predecessor).
        vmax: the saliency shown at full colour.
    """

    frames: np.ndarray
    overlays: np.ndarray
    flow: np.ndarray
    flow_valid: np.ndarray
    vmax: float


def make_panels(frames: np.ndarray, display: np.ndarray, flow_fields: np.ndarray,
                flow_valid: np.ndarray | None = None, *, cmap: str = "inferno", alpha: float = 0.6) -> Panels:
    """Frame, saliency overlay and flow picture of each frame.

    Args:
        frames: (T, H, W, 3) uint8 RGB.
        display: (T, h, w) non-negative saliency map (any resolution; resized to the frames).
        flow_fields: (T, h', w', 2) flow, ``fields[t]`` = motion from frame t-1 to t.
        flow_valid: (T,) bool; default all valid.
        cmap: a key of :data:`engine.overlay.COLORMAPS`.
        alpha: largest opacity of the heatmap.
    """
    count, height, width = frames.shape[:3]
    valid = np.ones(count, bool) if flow_valid is None else np.asarray(flow_valid, bool)
    vmax = clip_scale(display)
    overlays = np.stack([overlay(f, d, alpha=alpha, cmap=cmap, vmax=vmax) for f, d in zip(frames, display)])
    fields = np.asarray(flow_fields, np.float32)
    speed = robust_max(np.linalg.norm(fields[valid], axis=-1)) if valid.any() else 0.0
    coloured = flow_to_rgb(fields, speed if speed > 0 else None)
    flow = np.stack([cv2.resize(c, (width, height), interpolation=cv2.INTER_LINEAR) for c in coloured])
    flow[~valid] = 0
    return Panels(frames, overlays, flow, valid, vmax)


def color_wheel(size: int = 64) -> np.ndarray:
    """(size, size, 3) uint8 legend of :func:`engine.flow.flow_to_rgb`: colour = direction of motion."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) - (size - 1) / 2
    field = np.stack([xs, ys], axis=-1) / (size / 2)
    wheel = flow_to_rgb(field, 1.0)
    wheel[np.hypot(xs, ys) > size / 2] = 255
    return wheel


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


def to_image(fig: Figure) -> np.ndarray:
    """Draws a figure on an Agg canvas: (H, W, 3) uint8 RGB."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def render_grid(panels: Panels, frame_indices: np.ndarray, fps: float, *, title: str = "",
                cmap: str = "inferno") -> np.ndarray:
    """Three rows per frame (frame | saliency overlay | flow), columns = time.

    Args:
        panels: from :func:`make_panels`.
        frame_indices: (T,) source frame index of each frame (column labels, with time stamps).
        fps: source frames per second.
        title: a line above the grid.
        cmap: the colour map of the overlays (for the colour bar).

    Returns:
        (H, W, 3) uint8 RGB; :func:`grid_layout` gives H, W and each cell's box.
    """
    count, height, width = panels.frames.shape[:3]
    layout = grid_layout(count, height, width)
    size = layout.size
    fig = Figure(figsize=(size[1] / DPI, size[0] / DPI), dpi=DPI, facecolor="white")
    fig.text(8 / size[1], 1 - 10 / size[0], title, ha="left", va="top", fontsize=11, weight="bold")
    for t in range(count):
        y0, _, x0, x1 = layout.cell(0, t)
        seconds = frame_indices[t] / fps if fps > 0 else float("nan")
        fig.text((x0 + x1) / 2 / size[1], 1 - (y0 - 3) / size[0], f"#{int(frame_indices[t])}\n{seconds:.2f} s",
                 ha="center", va="bottom", fontsize=8)
        for row, images in enumerate((panels.frames, panels.overlays, panels.flow)):
            ax = _axes_at(fig, layout.cell(row, t), size)
            ax.imshow(images[t], aspect="auto", interpolation="bilinear")
            if row == 2 and not panels.flow_valid[t]:
                ax.text(0.5, 0.5, "no flow\n(first frame)", color="white", ha="center", va="center",
                        fontsize=7, transform=ax.transAxes)
    _grid_legends(fig, layout, size, panels.vmax, cmap)
    return to_image(fig)


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


def render_timestep_importance(importance: np.ndarray, frame_indices: np.ndarray,
                               temporal_occlusion: np.ndarray | None = None, *, title: str = "") -> np.ndarray:
    """Bar chart of the attribution mass per frame, with temporal occlusion as a line when given.

    Args:
        importance: (T,) share of the clip's saliency mass per frame (sums to 1).
        frame_indices: (T,) source frame indices (the x axis).
        temporal_occlusion: (T,) drop in the target's probability when frame t is removed.
        title: the chart title.

    Returns:
        (H, W, 3) uint8 RGB.
    """
    x = np.asarray(frame_indices, dtype=np.float64)
    step = float(np.min(np.diff(x))) if len(x) > 1 else 1.0
    fig = Figure(figsize=(9, 3.6), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.bar(x, importance, width=0.8 * step, color="#4c72b0", label="attribution mass share")
    ax.axhline(1.0 / len(x), color="grey", linestyle="--", linewidth=1, label="uniform (1/T)")
    ax.set_xticks(x, [str(int(v)) for v in x], fontsize=8)
    ax.set_xlabel("source frame index")
    ax.set_ylabel("share of saliency mass")
    handles, labels = ax.get_legend_handles_labels()
    if temporal_occlusion is not None:
        twin = ax.twinx()
        twin.plot(x, temporal_occlusion, color="#dd5500", marker="o", label="temporal occlusion")
        twin.axhline(0.0, color="#dd5500", linewidth=0.5)
        twin.set_ylabel("probability drop when frame removed", color="#dd5500")
        more = twin.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    fig.legend(handles, labels, fontsize=8, loc="outside lower center", ncols=len(labels), frameon=False)
    ax.set_title(title, fontsize=10)
    return to_image(fig)


def pool_blocks(display: np.ndarray, blocks: int = 8) -> np.ndarray:
    """(T, H, W) map -> (blocks * blocks, T): mean saliency of each spatial block (row-major) per frame."""
    pooled = [cv2.resize(d.astype(np.float32), (blocks, blocks), interpolation=cv2.INTER_AREA) for d in display]
    return np.stack(pooled).reshape(len(display), -1).T


def render_feature_time(display: np.ndarray, frame_indices: np.ndarray, *, blocks: int = 8,
                        cmap: str = "inferno", title: str = "") -> np.ndarray:
    """Heatmap of saliency by spatial block (rows) and time (columns), one scale for the clip.

    Args:
        display: (T, H, W) non-negative saliency map.
        frame_indices: (T,) source frame indices (column labels).
        blocks: the map is pooled to blocks x blocks cells; row r*blocks + c is cell (r, c).
        cmap: a matplotlib colour map name.
        title: the chart title.

    Returns:
        (H, W, 3) uint8 RGB.
    """
    table = pool_blocks(display, blocks)
    fig = Figure(figsize=(max(6.0, 2.5 + 0.45 * table.shape[1]), 7), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(table, aspect="auto", cmap=cmap, vmin=0, vmax=clip_scale(table), interpolation="nearest")
    ax.set_xticks(range(table.shape[1]), [str(int(v)) for v in frame_indices], fontsize=8)
    ax.set_yticks(np.arange(0, blocks * blocks, blocks), [f"row {r}" for r in range(blocks)], fontsize=8)
    for r in range(1, blocks):
        ax.axhline(r * blocks - 0.5, color="white", linewidth=0.4)
    ax.set_xlabel("source frame index")
    ax.set_ylabel(f"spatial block ({blocks}x{blocks} grid, row-major, left to right)")
    fig.colorbar(image, ax=ax, label="mean saliency in block")
    ax.set_title(title, fontsize=10)
    return to_image(fig)


def video_frames(panels: Panels, frame_indices: np.ndarray, fps: float, min_height: int = 256) -> np.ndarray:
    """Side-by-side frame | overlay | flow for each frame, upscaled to at least ``min_height``.

    Returns:
        (T, H', 3 W', 3) uint8 RGB with even H' and W'.
    """
    height, width = panels.frames.shape[1:3]
    factor = max(1, math.ceil(min_height / height))
    size = (2 * math.ceil(width * factor / 2), 2 * math.ceil(height * factor / 2))
    out = []
    for t in range(len(panels.frames)):
        parts = [cv2.resize(p[t], size, interpolation=cv2.INTER_NEAREST)
                 for p in (panels.frames, panels.overlays, panels.flow)]
        seconds = frame_indices[t] / fps if fps > 0 else 0.0
        _label(parts[0], f"#{int(frame_indices[t])}  {seconds:.2f} s")
        _label(parts[1], "saliency")
        _label(parts[2], "flow" if panels.flow_valid[t] else "no flow (first frame)")
        out.append(np.concatenate(parts, axis=1))
    return np.stack(out)


def _label(image: np.ndarray, text: str) -> None:
    """Writes white text with a dark outline in the top-left corner (in place)."""
    for colour, thickness in (((0, 0, 0), 3), ((255, 255, 255), 1)):
        cv2.putText(image, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, thickness, cv2.LINE_AA)


def write_png(path: str | Path, image: np.ndarray) -> Path:
    """Writes an (H, W, 3) uint8 RGB image as PNG."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
        raise UserError(f"Cannot write {path}.")
    return path


def write_rows_csv(path: str | Path, rows: list[dict]) -> Path:
    """Writes dict rows as CSV; the columns are the union of the keys, in first-seen order."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path
