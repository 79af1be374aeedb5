"""Sliding windows of a time-sampled video (a model input spec with ``sample_fps``).

Each window holds T frames every ``fps / sample_fps`` source frames (the nearest source
frame of each model time), so a 10 fps and a 30 fps clip show the model the same motion per
frame. :func:`engine.io.video.iter_windows` hands a time-sampled ``frame_step`` over to
:func:`iter_timed_windows`.
"""

from __future__ import annotations

import os

import numpy as np

from engine.errors import VideoError
from engine.io.sampling import NOMINAL_FPS, source_step, stepped_indices
from engine.io.decode import _open, probe_video, to_rgb


def timed_window_indices(frame_count: int, fps: float, num_frames: int, frame_step: int,
                         stride: int | None = None) -> list[np.ndarray]:
    """Every window of a time-sampled video: T frames every ``fps / sample_fps`` source frames.

    Args:
        frame_count: source frames.
        fps: the video's frame rate.
        num_frames: T.
        frame_step: a :class:`~engine.io.sampling.FrameStep` (its int value is the step at 25 fps).
        stride: window starts apart, in frames at 25 fps (default one step), scaled to this video's rate.

    Returns:
        one (T,) int64 array of source indices per window, in order; [] when no window fits.
    """
    step = source_step(frame_step, fps)
    span = (num_frames - 1) * step + 1
    stride_s = max(int(frame_step), int(stride or frame_step)) / NOMINAL_FPS
    stride_frames = max(step, stride_s * fps)
    count = int(np.floor((frame_count - span) / stride_frames + 1e-9)) + 1 if frame_count >= span else 0
    return [stepped_indices(k * stride_frames, step, num_frames) for k in range(count)]


def iter_timed_windows(path: str | os.PathLike, num_frames: int, frame_step: int, stride: int | None = None,
                       max_side: int | None = 480):
    """:func:`iter_windows` for a time-sampled ``frame_step``: one sequential pass; only frames of unfinished
    windows are held.

    Yields:
        (indices (T,), frames (T, H, W, 3) uint8 RGB).
    """
    info = probe_video(path)
    windows = timed_window_indices(info.frame_count, info.fps, num_frames, frame_step, stride)
    if not windows:
        return
    cap = _open(path)
    held: dict[int, np.ndarray] = {}
    wanted, next_window, index = {int(i) for w in windows for i in w}, 0, 0
    try:
        while next_window < len(windows) and cap.grab():
            if index in wanted:
                ok, frame = cap.retrieve()
                if not ok or frame is None:
                    raise VideoError(f"{os.path.basename(str(path))}: frame {index} cannot be decoded.")
                held[index] = to_rgb(frame, max_side)
            while next_window < len(windows) and int(windows[next_window][-1]) <= index:
                window = windows[next_window]
                yield window, np.stack([held[int(i)] for i in window])
                next_window += 1
                first = int(windows[next_window][0]) if next_window < len(windows) else index + 1
                held = {i: f for i, f in held.items() if i >= first}
            index += 1
    finally:
        cap.release()
