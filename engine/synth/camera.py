"""Camera motion of the real-camera domain: tracking, hand-held shake and zoom.

Tracking moves the view with the person: every person is shifted by the same per-frame
column offset and the background pans. The pan speed is drawn independently of the class
and of the person's speed, so a tracked runner and a tracked walker move the background
alike. Shake and zoom warp whole composed frames (and their masks) afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Shake:
    """Hand-held shake and zoom of one clip.

    Attributes:
        amplitude: shake amplitude in pixels (0 for a tripod).
        freqs: (2,) shake frequencies in Hz.
        phases: (4,) phases of the x and y components.
        zoom_start, zoom_end: zoom factors (>= 1) at the first and last frame.
        roll_deg: amplitude of the slow roll.
    """

    amplitude: float
    freqs: tuple[float, float]
    phases: tuple[float, float, float, float]
    zoom_start: float
    zoom_end: float
    roll_deg: float


NO_SHAKE = Shake(0.0, (1.0, 1.0), (0.0, 0.0, 0.0, 0.0), 1.0, 1.0, 0.0)


def draw_shake(rng: np.random.Generator, width: int) -> Shake:
    """A random hand-held camera: shake of 0.3-2.5% of the width, a zoom in or out half the time."""
    zooms = (1.0, 1.0) if rng.uniform() < 0.5 else tuple(rng.uniform(1.0, 1.35, 2))
    return Shake(float(rng.uniform(0.003, 0.025) * width), tuple(rng.uniform(0.7, 4.0, 2)),
                 tuple(rng.uniform(0, 2 * np.pi, 4)), float(zooms[0]), float(zooms[1]), float(rng.uniform(0, 1.2)))


def shake_matrices(shake: Shake, times: np.ndarray, height: int, width: int) -> np.ndarray:
    """(T, 2, 3) affine maps of each frame: zoom about the centre, roll, then the shake offset.

    A zoom of at least 1 + 2.2 * amplitude / width keeps the frame borders out of view.
    """
    times = np.asarray(times, dtype=np.float64)
    span = max(times[-1] - times[0], 1e-6)
    ramp = (times - times[0]) / span
    base = 1.0 + 2.2 * shake.amplitude / width + 0.012 * shake.roll_deg
    zoom = base * (shake.zoom_start + (shake.zoom_end - shake.zoom_start) * ramp)
    f0, f1 = shake.freqs
    p = shake.phases
    dx = shake.amplitude * (0.7 * np.sin(2 * np.pi * f0 * times + p[0]) + 0.3 * np.sin(2 * np.pi * f1 * times + p[1]))
    dy = shake.amplitude * (0.7 * np.sin(2 * np.pi * f1 * times + p[2]) + 0.3 * np.sin(2 * np.pi * f0 * times + p[3]))
    roll = shake.roll_deg * np.sin(2 * np.pi * 0.3 * times + p[0])
    out = np.empty((len(times), 2, 3))
    for i in range(len(times)):
        m = cv2.getRotationMatrix2D((width / 2, height / 2), float(roll[i]), float(zoom[i]))
        m[:, 2] += (dx[i], dy[i])
        out[i] = m
    return out


def warp_frames(frames: np.ndarray, masks: np.ndarray, matrices: np.ndarray) -> None:
    """Applies each frame's affine map to the frame and its mask, in place.

    Args:
        frames: (T, H, W, 3) uint8.
        masks: (T, H, W) uint8.
        matrices: (T, 2, 3).
    """
    height, width = masks.shape[1:]
    for i, m in enumerate(matrices):
        frames[i] = cv2.warpAffine(frames[i], m, (width, height), flags=cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_REFLECT)
        masks[i] = cv2.warpAffine(masks[i], m, (width, height), flags=cv2.INTER_NEAREST)


def tracking_shift(hip_column: np.ndarray, times: np.ndarray, width: int, rng: np.random.Generator) -> np.ndarray:
    """(T,) column shift that keeps a person's hip near the centre, with a slow, loose follow.

    Args:
        hip_column: (T,) the person's hip column seen by a fixed camera.
        times: (T,) seconds.
        width: frame width.
        rng: draws the follow error (up to 7% of the width).
    """
    drift = rng.uniform(0.0, 0.07) * width * np.sin(2 * np.pi * rng.uniform(0.1, 0.5) * times + rng.uniform(0, 6.3))
    return hip_column - (width / 2 + rng.uniform(-0.05, 0.05) * width + drift)
