"""Is anyone moving? A motion measure on the window a model sees, and the abstain rule.

A classifier of walking against running has nothing to say about a window where nobody
moves, yet it always answers with one of its classes. This module measures how much of a
window moves, so the CLI and the app can say "no one moving" instead.

The measure (:func:`moving_pixels`), on each pair of successive frames of the window:

1. both frames are converted to grey and resized to a fixed ``MOTION_GRID`` x ``MOTION_GRID``
   grid (area filter), whatever the model's input size, so one threshold serves every model;
2. **lighting**: the second frame is scaled to the first one's mean brightness (a global
   flicker or gain change), and the median of the difference is subtracted;
3. **change**: a pixel changed when the absolute difference is above ``CHANGE_LEVELS`` grey
   levels (sensor noise and compression stay under it on the grid);
4. **motion, camera removed**: Farneback flow (:mod:`engine.flow`) with a fitted similarity
   field (pan, zoom, rotation) subtracted; a pixel moves when its residual flow is above
   ``FLOW_PX`` pixels per sampled frame;
5. a pixel counts as moving when both hold: the change test keeps flat, noisy areas (where
   flow is unreliable) out; the flow test keeps a panning or zooming background out (not
   wholly: at the frame's edges a pan brings in new content that no flow field explains).

The pairs are frames at least ``MIN_SOURCE_GAP`` source frames apart: a model that samples
every frame (``frame_step`` 1) is measured on every other frame of its window, so a slow walker
moves as far between the two frames of a pair as under the bundled models' step of 2.

The window's **moving share** is the share of grid pixels that move, averaged over the most
moving quarter of its T-1 frame pairs (at least one pair): someone who moves during a quarter
of the window counts, as when a walker enters the frame late. A window **abstains** when its
moving share is below ``NO_MOTION_SHARE``.

The default threshold was chosen by measuring (windows of the bundled models: 16 frames every
2nd frame, frames read at 128 px; README, "Abstain when nothing moves"). Empty scenes (static
synthetic backgrounds with sensor noise up to 6 grey levels and lighting flicker up to 8%, a
person standing still, frozen real frames) measured 0.0004 and below. Windows with someone
moving measured 0.0018 and above: synthetic clips (but one window where the person shows only as
1-5 pixels in its last frames: 0.0002), the bundled sample clips (0.064 and above) and the real
development clips (a small runner far away: 0.0085; windows of empty ground between a runner's
passes measured 0.0000, and abstain). A camera that moves over an empty scene is not cancelled
well: a zoom (the generator's d2) measured up to 0.0067, a pan of 2 pixels a frame across a
160-pixel frame 0.0026 (1 pixel a frame: 0.0003).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from engine.flow import compute_flow

MOTION_GRID = 64
CHANGE_LEVELS = 12.0
FLOW_PX = 0.5
NO_MOTION_SHARE = 0.001
TOP_PAIRS_FRACTION = 0.25
MIN_SOURCE_GAP = 2
NO_MOTION = "no motion"


@dataclass(frozen=True)
class Motion:
    """How much of a window moves, and whether a classifier should abstain on it.

    Attributes:
        moving_share: share of grid pixels that move, over the most moving quarter of the window's frame pairs.
        threshold: the moving share below which the window abstains (0 never abstains).
    """

    moving_share: float
    threshold: float = NO_MOTION_SHARE

    @property
    def abstained(self) -> bool:
        """True when nobody moves enough for a verdict."""
        return self.moving_share < self.threshold

    def describe(self) -> str:
        """A sentence for the user: "no one moving: 0.03% of pixels move (under 0.20%)"."""
        share, limit = 100 * self.moving_share, 100 * self.threshold
        if self.abstained:
            return f"no one moving: {share:.2f}% of pixels move (under {limit:.2f}%)"
        return f"moving: {share:.2f}% of pixels move (threshold {limit:.2f}%)"

    def as_dict(self) -> dict:
        return {"moving_share": round(float(self.moving_share), 6), "motion_threshold": self.threshold,
                "abstained": bool(self.abstained)}


def motion_grid(frames: np.ndarray) -> np.ndarray:
    """(T, H, W, 3) uint8 RGB (or (T, H, W) grey) -> (T, G, G) float32 grey frames on the motion grid."""
    frames = np.asarray(frames)
    if frames.ndim not in (3, 4) or frames.shape[0] < 2:
        raise ValueError(f"A motion measure needs at least 2 frames of (T, H, W[, 3]), got {frames.shape}")
    size = (MOTION_GRID, MOTION_GRID)
    grey = [cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY) if f.ndim == 3 else f for f in frames]
    return np.stack([cv2.resize(g, size, interpolation=cv2.INTER_AREA) for g in grey]).astype(np.float32)


def lighting_residual(grey: np.ndarray) -> np.ndarray:
    """(T, G, G) grey -> (T-1, G, G) absolute frame change with global brightness changes removed."""
    previous, current = grey[:-1], grey[1:]
    gain = previous.mean(axis=(1, 2), keepdims=True) / np.maximum(current.mean(axis=(1, 2), keepdims=True), 1e-3)
    change = current * gain - previous
    return np.abs(change - np.median(change, axis=(1, 2), keepdims=True))


def moving_pixels(frames: np.ndarray) -> np.ndarray:
    """Which grid pixels move between consecutive frames (see the module docstring).

    Args:
        frames: (T, H, W, 3) uint8 RGB (or (T, H, W) grey), T >= 2, the frames the model sees.

    Returns:
        (T-1, G, G) bool, G = ``MOTION_GRID``; entry t is the move from frame t to frame t+1.
    """
    grey = motion_grid(frames)
    changed = lighting_residual(grey) > CHANGE_LEVELS
    flow = compute_flow(grey.astype(np.uint8), compensate_camera="similarity")
    return changed & (flow.magnitude[1:] > FLOW_PX)


def pair_gap(frame_step: int) -> int:
    """Sampled frames between the two frames of a pair: at least ``MIN_SOURCE_GAP`` source frames apart.

    A ``frame_step`` of 0 (frames spread over a whole clip) gives 1.
    """
    return 1 if frame_step <= 0 else max(1, -(-MIN_SOURCE_GAP // int(frame_step)))


def moving_share(frames: np.ndarray, frame_step: int = MIN_SOURCE_GAP) -> float:
    """Share of grid pixels that move, over the most moving quarter of a window's frame pairs, in [0, 1].

    Args:
        frames: (T, H, W, 3) uint8 RGB (or (T, H, W) grey), T >= 2.
        frame_step: source frames between two of ``frames`` (0: spread over a clip); sets :func:`pair_gap`.
    """
    gap = pair_gap(frame_step)
    frames = frames[::gap] if len(frames[::gap]) >= 2 else frames
    per_pair = moving_pixels(frames).mean(axis=(1, 2))
    kept = max(1, int(round(TOP_PAIRS_FRACTION * len(per_pair))))
    return float(np.sort(per_pair)[-kept:].mean())


def window_motion(frames: np.ndarray, threshold: float = NO_MOTION_SHARE, frame_step: int = MIN_SOURCE_GAP) -> Motion:
    """The :class:`Motion` of a window: its moving share, and the abstain rule at ``threshold``.

    Args:
        frames: (T, H, W, 3) uint8 RGB, the window's frames (T >= 2).
        threshold: moving share below which the window abstains; 0 never abstains.
        frame_step: source frames between two of ``frames`` (the model's ``frame_step``; 0: spread over a clip).
    """
    return Motion(moving_share(frames, frame_step), float(threshold))
