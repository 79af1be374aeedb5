"""A clip played as a camera: forward, then backward, in real time.

A clip looped forward jumps the walker back to its start at every loop; the model reads
the jump as speed and says "running". Played forward then backward (ping-pong: 0, 1, ...,
n-1, n-2, ..., 1, 0, 1, ...) the motion stays continuous apart from its turn.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from engine.errors import VideoError
from engine.io.video import probe_video, read_frames

MAX_SECONDS = 60.0  # a longer clip plays its first minute


def ping_pong_index(step: int, count: int) -> int:
    """The frame shown at ``step`` (0, 1, 2, ...) of a ping-pong loop over ``count`` frames."""
    if count <= 1:
        return 0
    period = 2 * (count - 1)
    phase = step % period
    return phase if phase < count else period - phase


def ping_pong_order(count: int) -> np.ndarray:
    """One period of the loop: (2 * (count - 1),) frame indices, forward then backward (the ends once each)."""
    return np.array([ping_pong_index(step, count) for step in range(max(1, 2 * (count - 1)))], dtype=np.int64)


class ClipCamera:
    """Frames of a clip at its own frame rate, looped forward and backward, as a camera would give them.

    Args:
        frames: (N, H, W, 3) uint8 RGB, N >= 1.
        fps: frames per second to play at.
        clock: seconds from a monotonic clock (tests give their own).
    """

    def __init__(self, frames: np.ndarray, fps: float, clock: Callable[[], float] = time.monotonic):
        if len(frames) == 0:
            raise VideoError("A clip played as a camera needs at least one frame.")
        self.frames = frames
        self.fps = float(fps) if fps > 0 else 25.0
        self._clock = clock
        self._start = clock()

    @classmethod
    def from_file(cls, path: str, max_side: int = 480, clock: Callable[[], float] = time.monotonic) -> ClipCamera:
        """Reads a video (its first :data:`MAX_SECONDS` at most) into memory.

        Raises:
            VideoError: unreadable, empty or not a video.
        """
        info = probe_video(path)
        count = max(1, min(info.frame_count, int(MAX_SECONDS * info.fps)))
        return cls(read_frames(path, np.arange(count), max_side), info.fps, clock)

    def step_at(self, seconds: float) -> int:
        """The frame step (0, 1, ...) due ``seconds`` after the start."""
        return int(max(seconds, 0.0) * self.fps)

    def frame(self, step: int) -> tuple[np.ndarray, int]:
        """(the (H, W, 3) frame shown at ``step``, its index in the clip)."""
        index = ping_pong_index(step, len(self.frames))
        return self.frames[index], index

    def now(self) -> tuple[np.ndarray, int, float]:
        """(the frame due now, the step it belongs to, its presentation time in seconds since the start)."""
        step = self.step_at(self._clock() - self._start)
        return self.frame(step)[0], step, step / self.fps

    def seconds_until(self, step: int) -> float:
        """How long until ``step`` is due (0 when it is already)."""
        return max(0.0, self._start + step / self.fps - self._clock())
