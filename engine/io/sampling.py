"""Which source frames a clip takes: T indices spread over a video, or every k-th frame from a start."""

from __future__ import annotations

import numpy as np

from engine.errors import VideoError


def frames_text(count: int) -> str:
    """"1 frame", "16 frames"."""
    return f"{count} frame" if count == 1 else f"{count} frames"


def uniform_indices(frame_count: int, num_frames: int, start: int = 0, stop: int | None = None) -> np.ndarray:
    """T indices spread evenly over [start, stop), centre of each segment.

    Raises:
        VideoError: fewer than ``num_frames`` frames are available.
    """
    stop = frame_count if stop is None else min(stop, frame_count)
    available = stop - start
    if available < num_frames:
        raise VideoError(f"The clip has {frames_text(available)}; at least {num_frames} are needed.")
    edges = np.linspace(start, stop, num_frames + 1)
    return np.floor((edges[:-1] + edges[1:]) / 2).astype(np.int64)


def clip_indices(frame_count: int, num_frames: int, frame_step: int = 0, start: int = 0,
                 stop: int | None = None, rng: np.random.Generator | None = None) -> np.ndarray:
    """The T source frames a model sees.

    With ``frame_step`` 0, T frames spread evenly over [start, stop). Otherwise T frames
    every ``frame_step`` frames, in a window centred in the range (or at a random offset
    when ``rng`` is given: a temporal crop); a range too short for that window uses the
    largest step that fits.

    Raises:
        VideoError: fewer than ``num_frames`` frames are available.
    """
    stop = frame_count if stop is None else min(stop, frame_count)
    if frame_step <= 0:
        return uniform_indices(frame_count, num_frames, start, stop)
    available = stop - start
    if available < num_frames:
        raise VideoError(f"The clip has {frames_text(available)}; at least {num_frames} are needed.")
    step = min(frame_step, max(1, (available - 1) // max(num_frames - 1, 1)))
    slack = available - ((num_frames - 1) * step + 1)
    offset = slack // 2 if rng is None else int(rng.integers(0, slack + 1))
    return start + offset + step * np.arange(num_frames, dtype=np.int64)
