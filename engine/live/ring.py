"""The newest camera frames, with their times, and the model's window sampled from them.

A model sees T frames ``frame_step`` source frames apart. A file has a frame rate; a
camera has one too, but frames arrive late, early or not at all. So the ring keeps
each frame with its capture time, and a window is sampled by time: T frames
``frame_step / fps`` seconds apart, ending at the newest frame, each the stored frame
nearest its target time. ``fps`` is the camera's real frame rate (the median interval
between stored frames) unless one is given, e.g. the frame rate the model was trained at.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Window:
    """T frames sampled from the ring: the exact frames a live job hands to the model.

    Attributes:
        frames: (T, H, W, 3) uint8 RGB.
        times: (T,) capture time of each frame in seconds (the camera's clock).
        numbers: (T,) running number of each frame since the ring started (0, 1, ...).
        fps: the frame rate the window was sampled at.
        arrived: (T,) when each frame reached the ring, on the server's monotonic clock.
    """

    frames: np.ndarray
    times: np.ndarray
    numbers: np.ndarray
    fps: float
    arrived: np.ndarray

    @property
    def newest_time(self) -> float:
        return float(self.times[-1])


def measured_fps(times: np.ndarray, default: float = 25.0) -> float:
    """Frames per second from capture times: one over the median interval (``default`` without two frames)."""
    if len(times) < 2:
        return default
    interval = float(np.median(np.diff(np.asarray(times, dtype=np.float64))))
    return 1.0 / interval if interval > 0 else default


def nearest_indices(times: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """For each target time, the index of the stored time nearest it (times ascending)."""
    right = np.clip(np.searchsorted(times, targets), 1, len(times) - 1)
    left = right - 1
    take_left = np.abs(targets - times[left]) <= np.abs(times[right] - targets)
    return np.where(take_left, left, right)


class FrameRing:
    """A thread-safe ring of the newest frames (capacity by time and by count).

    The media thread :meth:`push` es; workers read a :meth:`window` or the :meth:`recent` seconds.

    Args:
        seconds: how much time the ring keeps (older frames are dropped).
        max_frames: a bound on the count, whatever the frame rate.
    """

    def __init__(self, seconds: float, max_frames: int = 1000):
        self.seconds = float(seconds)
        self._items: deque = deque(maxlen=max_frames)
        self._lock = threading.Lock()
        self._count = 0

    def push(self, frame: np.ndarray, time_s: float, arrived: float | None = None) -> None:
        """Stores (H, W, 3) uint8 ``frame`` captured at ``time_s``; a time that goes back restarts the ring.

        ``arrived``: when it reached the server (monotonic seconds; default now).
        """
        arrived = time.monotonic() if arrived is None else float(arrived)
        with self._lock:
            if self._items and time_s <= self._items[-1][0]:
                if time_s < self._items[-1][0] - 1.0:  # the clock restarted (a new stream)
                    self._items.clear()
                else:
                    return  # a repeated or out-of-order frame
            self._items.append((float(time_s), self._count, frame, arrived))
            self._count += 1
            while self._items and self._items[0][0] < time_s - self.seconds:
                self._items.popleft()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def _snapshot(self) -> list:
        with self._lock:
            return list(self._items)

    def newest_time(self) -> float | None:
        """Capture time of the newest frame, or None when empty."""
        with self._lock:
            return self._items[-1][0] if self._items else None

    def newest_arrival(self) -> float | None:
        """When the newest frame reached the ring (monotonic seconds), or None when empty."""
        with self._lock:
            return self._items[-1][3] if self._items else None

    def fps(self, default: float = 25.0) -> float:
        """The camera's real frame rate over the stored frames."""
        return measured_fps(np.array([item[0] for item in self._snapshot()]), default)

    def window(self, num_frames: int, frame_step: int, fps: float | None = None) -> Window | None:
        """T frames ``frame_step / fps`` seconds apart ending at the newest frame; None until the ring spans it.

        Args:
            num_frames: T.
            frame_step: source frames between two sampled frames (0 or 1: consecutive frames).
            fps: the frame rate ``frame_step`` counts at; None: the camera's measured rate.
        """
        items = self._snapshot()
        if len(items) < num_frames:
            return None
        times = np.array([item[0] for item in items])
        rate = float(fps) if fps else measured_fps(times)
        spacing = max(1, int(frame_step)) / rate
        targets = times[-1] - spacing * np.arange(num_frames - 1, -1, -1)
        if targets[0] < times[0] - 0.5 / rate:
            return None  # not yet a whole window
        picked = nearest_indices(times, targets)
        shape = items[-1][2].shape  # a camera that changed resolution: every frame at the newest size
        frames = [items[i][2] if items[i][2].shape == shape else
                  cv2.resize(items[i][2], (shape[1], shape[0]), interpolation=cv2.INTER_AREA) for i in picked]
        return Window(np.stack(frames), times[picked],
                      np.array([items[i][1] for i in picked]), rate, np.array([items[i][3] for i in picked]))

    def recent(self, seconds: float) -> tuple[np.ndarray, np.ndarray] | None:
        """The stored frames of the last ``seconds``: ((N, H, W, 3) uint8, (N,) times), or None when empty.

        Frames of another size than the newest one (the camera changed resolution) are left out.
        """
        items = self._snapshot()
        if not items:
            return None
        newest, shape = items[-1][0], items[-1][2].shape
        kept = [(t, f) for t, _, f, _ in items if t >= newest - seconds and f.shape == shape]
        return np.stack([f for _, f in kept]), np.array([t for t, _ in kept])
