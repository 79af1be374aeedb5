"""Which source frames a clip takes: T indices spread over a video, every k-th frame from a start, or
frames at a fixed rate in seconds (time-based sampling).

Time-based sampling: a model trained at ``sample_fps`` model frames a second sees the same
motion per frame whatever the clip's frame rate. Its input spec's ``frame_step`` is then a
:class:`FrameStep`, an int (the step at 25 fps, for code that needs a nominal one) that also
carries the rate; the readers turn it into ``fps / sample_fps`` source frames for each video
(:func:`source_step`), picking the nearest source frame of each model time. A plain int step
behaves exactly as before.
"""

from __future__ import annotations

import numpy as np

from engine.errors import VideoError


def frames_text(count: int) -> str:
    """"1 frame", "16 frames"."""
    return f"{count} frame" if count == 1 else f"{count} frames"


NOMINAL_FPS = 25.0  # the rate a FrameStep's int value is the step at


class FrameStep(int):
    """A frame step that also carries a sampling rate: ``int(step)`` is the step at 25 fps.

    Attributes:
        sample_fps: model frames per second; the step in a video at ``fps`` is ``fps / sample_fps``.
    """

    sample_fps: float

    def __new__(cls, sample_fps: float) -> FrameStep:
        if not sample_fps > 0:
            raise ValueError(f"sample_fps must be positive, got {sample_fps}")
        step = super().__new__(cls, max(1, round(NOMINAL_FPS / sample_fps)))
        step.sample_fps = float(sample_fps)
        return step

    def __repr__(self) -> str:
        return f"FrameStep(sample_fps={self.sample_fps:g})"

    def __str__(self) -> str:  # printed as the number it stands for, as a plain step is
        return str(int(self))

    def __format__(self, spec: str) -> str:
        return format(int(self), spec)

    def __reduce__(self):
        return FrameStep, (self.sample_fps,)


def source_step(frame_step: int, fps: float) -> float:
    """Source frames between two sampled frames of a video at ``fps``.

    ``fps / sample_fps`` for a :class:`FrameStep` (a fraction: the nearest source frame of each
    model time is taken); ``frame_step`` itself for a plain int (0: spread over the clip).
    """
    rate = getattr(frame_step, "sample_fps", 0.0)
    if rate > 0:
        return (fps if fps > 0 else NOMINAL_FPS) / rate
    return int(frame_step)


def stepped_indices(start: float, step: float, num_frames: int) -> np.ndarray:
    """(T,) int64 source frames ``start + j * step``: exact for an int step, the nearest frame for a fraction."""
    if float(step).is_integer() and float(start).is_integer():
        return int(start) + int(step) * np.arange(num_frames, dtype=np.int64)
    return np.floor(start + step * np.arange(num_frames) + 0.5).astype(np.int64)


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


def clip_indices(frame_count: int, num_frames: int, frame_step: float = 0, start: int = 0,
                 stop: int | None = None, rng: np.random.Generator | None = None) -> np.ndarray:
    """The T source frames a model sees.

    With ``frame_step`` 0, T frames spread evenly over [start, stop). Otherwise T frames
    every ``frame_step`` frames, in a window centred in the range (or at a random offset
    when ``rng`` is given: a temporal crop); a range too short for that window uses the
    largest step that fits. A fractional step (time-based sampling, :func:`source_step`)
    takes the nearest source frame of each step (a step under 1 repeats frames).

    Raises:
        VideoError: fewer than ``num_frames`` frames are available.
    """
    stop = frame_count if stop is None else min(stop, frame_count)
    if frame_step <= 0:
        return uniform_indices(frame_count, num_frames, start, stop)
    available = stop - start
    if not isinstance(frame_step, int) and not float(frame_step).is_integer():
        return _fractional_indices(available, num_frames, float(frame_step), start, rng)
    if available < num_frames:
        raise VideoError(f"The clip has {frames_text(available)}; at least {num_frames} are needed.")
    frame_step = int(frame_step)
    step = min(frame_step, max(1, (available - 1) // max(num_frames - 1, 1)))
    slack = available - ((num_frames - 1) * step + 1)
    offset = slack // 2 if rng is None else int(rng.integers(0, slack + 1))
    return start + offset + step * np.arange(num_frames, dtype=np.int64)


def _fractional_indices(available: int, num_frames: int, step: float, start: int,
                        rng: np.random.Generator | None) -> np.ndarray:
    """T frames every ``step`` (a fraction) source frames inside ``available`` frames from ``start``."""
    if available < 1 or (step >= 1 and available < num_frames):
        raise VideoError(f"The clip has {frames_text(max(available, 0))}; at least {num_frames} are needed.")
    step = min(step, (available - 1) / max(num_frames - 1, 1))
    slack = max(0.0, available - 1 - (num_frames - 1) * step)
    offset = slack / 2 if rng is None else float(rng.uniform(0, slack))
    return np.clip(stepped_indices(start + offset, step, num_frames), start, start + available - 1)
