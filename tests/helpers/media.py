"""Small media writers shared by the tests (files under pytest's tmp_path)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def moving_blob_frames(n: int, height: int = 48, width: int = 64, step: int = 2) -> np.ndarray:
    """(n, H, W, 3) uint8: a bright square moving right on a dark background; frame k has value k in pixel (0,0)."""
    frames = np.zeros((n, height, width, 3), dtype=np.uint8)
    for k in range(n):
        x = (4 + k * step) % (width - 12)
        frames[k, 16:28, x : x + 12] = 220
    return frames


def write_video(path: Path, frames: np.ndarray, fps: float = 25.0, fourcc: str = "MJPG") -> Path:
    """Writes RGB frames with OpenCV; returns the path."""
    h, w = frames.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
    assert writer.isOpened(), f"cannot write {path}"
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path
