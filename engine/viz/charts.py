"""Headless charts of one saliency result: the timestep chart and the feature-by-time map.

Pure functions: they take arrays and return (H, W, 3) uint8 RGB images drawn on
matplotlib's Agg canvas (never pyplot, so no process-wide figure state).
"""

from __future__ import annotations

import cv2
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from engine.viz.colour import clip_scale

DPI = 100


def to_image(fig: Figure) -> np.ndarray:
    """Draws a figure on an Agg canvas: (H, W, 3) uint8 RGB."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


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
