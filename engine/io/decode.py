"""Opening and probing a video file, and one decoded frame to display RGB (below :mod:`engine.io.video`)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import cv2
import numpy as np

from engine.errors import VideoError

MAX_VIDEO_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds, read without decoding it whole."""

    path: str
    frame_count: int
    fps: float
    width: int
    height: int


def _open(path: str | os.PathLike) -> cv2.VideoCapture:
    path = str(path)
    if not os.path.isfile(path):
        raise VideoError(f"No such file: {path}")
    size = os.path.getsize(path)
    if size == 0:
        raise VideoError(f"{os.path.basename(path)} is empty (0 bytes).")
    if size > MAX_VIDEO_BYTES:
        raise VideoError(f"{os.path.basename(path)} is {size / 1e9:.1f} GB; the limit is 2 GB.")
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        cap.release()
        hint = (" It looks like a checkpoint: give it with --checkpoint."
                if path.lower().endswith((".pt", ".pth", ".pth.tar", ".ckpt")) else "")
        raise VideoError(f"{os.path.basename(path)} is not a video OpenCV can read.{hint}")
    return cap


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Reads frame count, fps and size; raises VideoError if there is no frame."""
    cap = _open(path)
    try:
        ok, frame = cap.read()
        if not ok or frame is None:
            raise VideoError(f"{os.path.basename(str(path))} has no readable frame.")
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = float(cap.get(cv2.CAP_PROP_FPS)) or 25.0
        if count <= 0 or count > 10_000_000:  # some containers do not say: count
            count = 1
            while cap.grab():
                count += 1
        height, width = frame.shape[:2]
    finally:
        cap.release()
    if not np.isfinite(fps) or fps <= 0 or fps > 1000:
        fps = 25.0
    return VideoInfo(str(path), count, fps, int(width), int(height))


def _display_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def to_rgb(frame: np.ndarray, max_side: int | None) -> np.ndarray:
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    elif frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2RGB)
    else:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    w, h = _display_size(frame.shape[1], frame.shape[0], max_side)
    if (w, h) != (frame.shape[1], frame.shape[0]):
        frame = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
    return frame
