"""One live camera's explanation loop: frames in, the newest window explained off the media thread.

The media thread calls :meth:`LiveSession.push` (store a frame; maybe queue a job) and
:meth:`LiveSession.blend` (draw the newest overlay); neither waits for the model. A job
runs in the server's shared :class:`~engine.live.pool.LivePool`; each session has at
most one job queued or running. A job takes the newest window when it *starts*, so time
spent queued behind other sessions never makes it explain old frames, and its result is
dropped when the settings changed or the session stopped meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from engine.errors import Cancelled, UserError
from engine.motion import Motion, window_motion
from engine.io.tensors import frames_to_tensor
from engine.io.video import Clip
from engine.live.overlay import Overlay
from engine.live.pool import LivePool
from engine.live.ring import FrameRing, Window, measured_fps, nearest_indices
from engine.models.checkpoint import LoadedModel
from engine.saliency import SaliencyResult, explain, get_method
from engine.viz.colour import clip_scale

HISTORY_S = 30.0  # the probability strip's span


@dataclass(frozen=True)
class LiveSettings:
    """What a live session computes and draws.

    Attributes:
        method: a registered saliency method (the page offers the one-pass ones).
        params: the method's parameters (its defaults fill the rest).
        target: class name to explain; None: the prediction.
        cmap: colour map of the overlay.
        opacity: overlay opacity at full saliency, 0..1.
        fps: the frame rate ``frame_step`` counts at; None: the camera's measured rate.
        min_interval_s: the least time between two updates' starts (0: as fast as the pool allows).
    """

    method: str = "gradient"
    params: dict = field(default_factory=dict)
    target: str | None = None
    cmap: str = "inferno"
    opacity: float = 0.5
    fps: float | None = None
    min_interval_s: float = 0.0


@dataclass(frozen=True)
class LiveUpdate:
    """One explained window.

    Attributes:
        window: the frames the model saw.
        result: the saliency result of that window.
        overlay: the newest frame's heatmap, ready to blend.
        importance: (T,) share of the saliency mass in each frame.
        finished: when the result was ready (monotonic seconds).
        latency_s: from the newest frame's arrival to the result.
        motion: how much of the window moves (:func:`engine.motion.window_motion`); below its
            threshold nobody moves and the page says so instead of a label.
    """

    window: Window
    result: SaliencyResult
    overlay: Overlay
    importance: np.ndarray
    finished: float
    latency_s: float
    motion: Motion | None = None

    @property
    def nobody_moving(self) -> bool:
        """True when the motion measure says no one moves enough for a verdict."""
        return bool(self.motion is not None and self.motion.abstained)


class LiveSession:
    """The live loop of one browser session.

    Args:
        loaded: the checkpoint's model (shared read-only).
        pool: the server's shared pool.
        settings: the first settings.
        ring_seconds: how much the ring keeps (at least one window; more for recording).
    """

    def __init__(self, loaded: LoadedModel, pool: LivePool, settings: LiveSettings = LiveSettings(),
                 ring_seconds: float = 10.0):
        get_method(settings.method)  # UserError for an unknown method, before any frame
        self.loaded = loaded
        self.pool = pool
        self.ring = FrameRing(ring_seconds, max_frames=int(ring_seconds * 60) + 1)
        self._settings = settings
        self._generation = 0
        self._lock = threading.Lock()
        self._in_flight = False
        self._idle = threading.Event()
        self._idle.set()
        self._cancel = threading.Event()
        self._stopped = False
        self._last_submit = -1e9
        self._latest: LiveUpdate | None = None
        self._history: deque = deque()
        self.counts = {"updates": 0, "dropped": 0, "skipped": 0, "failed": 0}
        self.error: str | None = None
        self.ended = False  # the camera's track ended (set by the media side)

    @property
    def stopped(self) -> bool:
        with self._lock:
            return self._stopped

    @property
    def settings(self) -> LiveSettings:
        with self._lock:
            return self._settings

    def update_settings(self, settings: LiveSettings) -> None:
        """New settings for the next job; a job running under the old ones has its result dropped."""
        get_method(settings.method)
        with self._lock:
            if settings != self._settings:
                self._settings = settings
                self._generation += 1
                latest = self._latest
            else:
                latest = None
        opacity = 0.0 if latest is not None and latest.nobody_moving else settings.opacity
        if latest is not None and (latest.overlay.cmap, latest.overlay.opacity) != (settings.cmap, opacity):
            self._publish(replace(latest, overlay=Overlay(latest.overlay.heat, latest.overlay.vmax, settings.cmap,
                                                          opacity)))

    # --- the media thread ---------------------------------------------------------------------
    def push(self, frame: np.ndarray, time_s: float) -> None:
        """Stores a (H, W, 3) uint8 RGB frame captured at ``time_s`` and queues a job when none is pending."""
        self.ring.push(frame, time_s)
        self._submit_if_due()

    def _submit_if_due(self) -> None:
        """Queues a job unless one is pending, the session stopped, or the last one started too recently."""
        with self._lock:
            now = time.monotonic()
            if self._stopped or self._in_flight or now - self._last_submit < self._settings.min_interval_s:
                return
            self._in_flight, self._last_submit = True, now
            self._idle.clear()
        if not self.pool.submit(self._job):
            self._job_done()

    def blend(self, frame: np.ndarray) -> np.ndarray:
        """The frame under the newest overlay (unchanged before the first update)."""
        latest = self.latest()
        return frame if latest is None else latest.overlay.blend(frame)

    # --- the worker ---------------------------------------------------------------------------
    def _job_done(self) -> None:
        with self._lock:
            self._in_flight = False
            self._idle.set()

    def _job(self) -> None:
        """Explains the newest window; then, when newer frames came meanwhile, queues the next job at once.

        The media thread hands frames over in bursts (all that queued while it was busy), so waiting for
        the next :meth:`push` would tie the update rate to the bursts.
        """
        seen = self.ring.newest_time()
        try:
            with self._lock:
                if self._stopped:
                    return
                settings, generation, latest = self._settings, self._generation, self._latest
            update = self._explain_newest(settings, latest)
            if update is None:
                return
            with self._lock:
                stale = self._stopped or generation != self._generation
            if stale:
                self.counts["dropped"] += 1
                return
            self._publish(update)
        except Cancelled:
            self.counts["dropped"] += 1
        except UserError as exc:
            self.error = str(exc)
            self.counts["failed"] += 1
        finally:
            self._job_done()
        if seen is not None and (self.ring.newest_time() or seen) > seen:
            self._submit_if_due()

    def _explain_newest(self, settings: LiveSettings, latest: LiveUpdate | None) -> LiveUpdate | None:
        """The newest window explained, or None when there is no new whole window yet."""
        spec = self.loaded.meta.input_spec
        window = self.ring.window(spec.num_frames, spec.frame_step, settings.fps)
        if window is None or (latest is not None and window.newest_time <= latest.window.newest_time):
            self.counts["skipped"] += 1
            return None
        x = frames_to_tensor(window.frames, spec)
        result = explain(self.loaded.model, x, settings.method, spec=spec, classes=list(self.loaded.meta.classes),
                         params=settings.params, target=settings.target, cancel=self._cancel)
        display = result.display()
        motion = window_motion(window.frames, frame_step=spec.frame_step)
        finished = time.monotonic()
        opacity = 0.0 if motion.abstained else settings.opacity  # no verdict: no heatmap explaining one
        overlay = Overlay(display[-1], clip_scale(display), settings.cmap, opacity)
        return LiveUpdate(window, result, overlay, result.timestep_importance(), finished,
                          finished - float(window.arrived[-1]), motion)

    def _publish(self, update: LiveUpdate) -> None:
        with self._lock:
            fresh = self._latest is None or update.finished > self._latest.finished
            self._latest = update
            if fresh:
                self.counts["updates"] += 1
                self._history.append((update.finished, update.result.probabilities))
                while self._history and self._history[0][0] < update.finished - HISTORY_S:
                    self._history.popleft()
        self.error = None

    # --- the page -----------------------------------------------------------------------------
    def latest(self) -> LiveUpdate | None:
        with self._lock:
            return self._latest

    def history(self) -> tuple[np.ndarray, np.ndarray]:
        """The last :data:`HISTORY_S` seconds of updates: ((N,) seconds before now (<= 0), (N, K) probabilities)."""
        with self._lock:
            items = list(self._history)
        if not items:
            return np.zeros(0), np.zeros((0, len(self.loaded.meta.classes)))
        now = time.monotonic()
        return np.array([t - now for t, _ in items]), np.stack([p for _, p in items])

    def rates(self, span_s: float = 5.0) -> dict:
        """Updates per second over the last ``span_s`` seconds and the newest update's latency and compute time."""
        with self._lock:
            recent = [t for t, _ in self._history if t >= time.monotonic() - span_s]
            latest = self._latest
        per_s = (len(recent) - 1) / (recent[-1] - recent[0]) if len(recent) > 1 and recent[-1] > recent[0] else 0.0
        return {"updates_per_s": per_s, "latency_s": latest.latency_s if latest else None,
                "compute_s": latest.result.diagnostics.get("seconds") if latest else None,
                "camera_fps": self.ring.fps(default=0.0)}

    def frozen_clip(self) -> Clip | None:
        """The newest explained window as a Clip (the exact frames the model saw), or None before the first.

        Its indices count camera frames from the window's first, at the rate the window was sampled at
        (0, 2, ..., 30 for 16 frames every 2nd); the capture times are in ``meta["times"]``.
        """
        latest = self.latest()
        if latest is None:
            return None
        window = latest.window
        height, width = window.frames.shape[1:3]
        stamp = time.strftime("%H-%M-%S")
        indices = np.round((window.times - window.times[0]) * window.fps).astype(np.int64)  # camera frames
        return Clip(window.frames.copy(), indices, window.fps, (int(width), int(height)), path=f"live-window-{stamp}",
                    meta={"live": True, "times": window.times.tolist(), "numbers": window.numbers.tolist()})

    def recent_frames(self, seconds: float) -> tuple[np.ndarray, float] | None:
        """The last ``seconds`` of the camera at a constant frame rate: ((N, H, W, 3) uint8, fps), or None.

        A camera's frames come unevenly; each output frame is the stored one nearest its time, at the
        camera's measured rate, so the recording plays back at the speed it happened.
        """
        recent = self.ring.recent(seconds)
        if recent is None or len(recent[0]) < 2:
            return None
        frames, times = recent
        fps = measured_fps(times)
        targets = times[0] + np.arange(round((times[-1] - times[0]) * fps) + 1) / fps
        return frames[nearest_indices(times, targets)], fps

    def stop(self, timeout: float = 10.0) -> bool:
        """Stops queuing jobs, cancels the running one and waits for it; True when none is left."""
        with self._lock:
            self._stopped = True
        self._cancel.set()
        return self._idle.wait(timeout)
