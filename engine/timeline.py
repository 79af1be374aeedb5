"""The whole-video timeline: a model's prediction in sliding windows along a long video.

A model sees T frames every ``frame_step`` source frames: a window of
``(T - 1) * step + 1`` source frames. A longer video has many such windows; the
timeline classifies them all in one streamed pass (:func:`engine.io.video.iter_windows`:
only the last T sampled frames are held, so a 20-minute video never sits in memory
whole), and :func:`window_clip` reads the one window a user picks to explain.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from engine.models.checkpoint import LoadedModel
from engine.errors import Cancelled
from engine.io.tensors import frames_to_tensor
from engine.io.video import Clip, VideoError, iter_windows, probe_video, read_frames
from engine.io.masks import load_sidecar, resize_masks
from engine.motion import NO_MOTION, moving_share


@dataclass
class Timeline:
    """Class probabilities of every window of a video.

    Attributes:
        starts: (W,) first source frame of each window.
        probabilities: (W, C) softmax probabilities.
        classes: the C class names.
        fps: source frames per second.
        frame_count: source frames in the video.
        span: source frames one window covers.
        moving_share: (W,) share of pixels that move in each window
            (:mod:`engine.motion`), or None when not measured.
        motion_threshold: the moving share below which a window abstains.
    """

    starts: np.ndarray
    probabilities: np.ndarray
    classes: list[str]
    fps: float
    frame_count: int
    span: int
    moving_share: np.ndarray | None = None
    motion_threshold: float = 0.0

    @property
    def abstained(self) -> np.ndarray:
        """(W,) bool: windows where nobody moves (all False when motion was not measured)."""
        if self.moving_share is None:
            return np.zeros(len(self.starts), dtype=bool)
        return self.moving_share < self.motion_threshold

    @property
    def start_seconds(self) -> np.ndarray:
        """(W,) start time of each window in seconds."""
        return self.starts / self.fps

    def rows(self) -> list[dict]:
        """One summary row per window: start frame and time, prediction, probabilities."""
        out = []
        for k, (start, probs) in enumerate(zip(self.starts, self.probabilities)):
            row = {"start_frame": int(start), "start_s": round(float(start) / self.fps, 3),
                   "prediction": NO_MOTION if self.abstained[k] else self.classes[int(np.argmax(probs))]}
            row |= {f"p({name})": round(float(p), 4) for name, p in zip(self.classes, probs)}
            if self.moving_share is not None:
                row["moving_share"] = round(float(self.moving_share[k]), 5)
            out.append(row)
        return out


def window_step(loaded: LoadedModel) -> int:
    """Source frames between two frames the model sees (at least 1); a time-sampled spec's
    :class:`~engine.io.sampling.FrameStep` as it is (its step at 25 fps, and the rate the reader uses)."""
    step = loaded.meta.input_spec.frame_step
    return step if getattr(step, "sample_fps", 0) > 0 else max(1, int(step))


def window_span(loaded: LoadedModel) -> int:
    """Source frames one window covers."""
    return (loaded.meta.input_spec.num_frames - 1) * window_step(loaded) + 1


def needs_timeline(frame_count: int, loaded: LoadedModel) -> bool:
    """True when a video holds at least two whole windows side by side (a timeline says more than one clip)."""
    return loaded.meta.input_spec.frame_step > 0 and frame_count >= 2 * window_span(loaded)


def window_start(frame_count: int, loaded: LoadedModel, seconds: float, fps: float) -> int:
    """The first source frame of the window starting nearest ``seconds`` (clamped to the video)."""
    last = max(0, frame_count - window_span(loaded))
    return int(min(max(round(seconds * fps), 0), last))


def predict_windows(loaded: LoadedModel, path: str, stride: int | None = None, batch_size: int = 16,
                    on_progress: Callable[[str, float], None] | None = None,
                    cancel: threading.Event | None = None, motion_threshold: float | None = None,
                    segment: tuple[int, int | None] = (0, None), cover_tail: bool = False) -> Timeline:
    """Classifies every window of a video in one streamed pass.

    Args:
        loaded: the checkpoint's model.
        path: the video file.
        stride: source frames between window starts (default half a window).
        batch_size: windows per forward pass.
        on_progress: callback("timeline", fraction done).
        cancel: an Event that stops the pass (raises :class:`Cancelled`).
        motion_threshold: when given, also measure each window's moving share
            (:func:`engine.motion.moving_share`); windows below it abstain.
        segment: (first, stop) source frames: only windows wholly inside are kept (stop None: the end).
        cover_tail: also classify the window that ends at the last frame when at least half a stride
            of frames follows the last window of the grid (read by seeking; its start is off the grid).

    Raises:
        VideoError: the video is shorter than one window.
    """
    info = probe_video(path)
    spec, span = loaded.meta.input_spec, window_span(loaded)
    starts, probs, pending, shares = [], [], [], []

    def flush() -> None:
        batch = torch.stack([x for _, x in pending]).to(loaded.device)
        probs.extend(loaded.predict(batch).numpy())
        starts.extend(int(i[0]) for i, _ in pending)
        pending.clear()

    for indices, frames in _segment_windows(loaded, path, stride, segment, cancel, cover_tail):
        if motion_threshold is not None:
            shares.append(moving_share(frames, window_step(loaded)))
        pending.append((indices, frames_to_tensor(frames, spec)))
        if len(pending) == batch_size:
            flush()
            if on_progress:
                on_progress("timeline", min(1.0, (starts[-1] + span) / max(info.frame_count, 1)))
    if pending:
        flush()
    if not starts:
        raise VideoError(f"{path} is shorter than one window ({span} frames).")
    return Timeline(np.array(starts), np.stack(probs), list(loaded.meta.classes), info.fps, info.frame_count, span,
                    np.array(shares) if motion_threshold is not None else None, float(motion_threshold or 0.0))


def _segment_windows(loaded: LoadedModel, path: str, stride: int | None, segment: tuple[int, int | None],
                     cancel: threading.Event | None, cover_tail: bool = False):
    """The streamed windows (indices (T,), frames (T, H, W, 3)) wholly inside ``segment`` = (first, stop),
    then, with ``cover_tail``, the window ending at the segment's last frame (see :func:`predict_windows`)."""
    spec, step, span = loaded.meta.input_spec, window_step(loaded), window_span(loaded)
    stride = max(step, int(stride or span // 2))
    stride = -(-stride // step) * step  # as iter_windows rounds it
    first, stop = segment
    side = max(spec.height, spec.width) * 2
    last_start = None
    for indices, frames in iter_windows(path, spec.num_frames, step, stride, max_side=side):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        if stop is not None and indices[-1] >= stop:
            break  # windows come in order: every later one ends past the segment too
        if indices[0] >= first:
            last_start = int(indices[0])
            yield indices, frames
    end = probe_video(path).frame_count if stop is None else min(stop, probe_video(path).frame_count)
    if cover_tail and last_start is not None and end - (last_start + span) >= stride / 2:
        try:
            clip = window_clip(path, loaded, end - span, max_side=side)
        except VideoError:  # the header counts frames the file does not hold
            return
        yield clip.indices, clip.frames


def window_clip(path: str, loaded: LoadedModel, start: int, max_side: int | None = 480) -> Clip:
    """The window of T frames every ``frame_step`` starting at source frame ``start`` (read by seeking)."""
    info = probe_video(path)
    spec, step = loaded.meta.input_spec, window_step(loaded)
    start = min(max(int(start), 0), max(0, info.frame_count - window_span(loaded)))
    indices = start + step * np.arange(spec.num_frames, dtype=np.int64)
    if indices[-1] >= info.frame_count:
        raise VideoError(f"{path} is shorter than one window ({window_span(loaded)} frames).")
    frames = read_frames(path, indices, max_side)
    masks, meta = load_sidecar(path)
    clip_masks = None
    if masks is not None and masks.shape[0] > int(indices.max()):
        clip_masks = resize_masks(masks[indices], *frames.shape[1:3])
    return Clip(frames, indices, info.fps, (info.width, info.height), str(path), clip_masks, meta.get("label"), meta)
