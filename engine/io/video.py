"""Reading and writing video clips (sampling: :mod:`engine.io.sampling`; masks: :mod:`engine.io.masks`).

Layout used everywhere in the engine:

* ``Clip.frames``: ``(T, H, W, 3)`` uint8 RGB, the sampled frames at display
  resolution (the source size, capped at ``max_side``).
* model input: ``(T, C, H, W)`` float32, resized to the checkpoint's input size,
  scaled to [0, 1] and normalised with the checkpoint's mean and std
  (:func:`clip_to_tensor`). A batch adds a leading ``B``.

Frames are decoded in one sequential pass that keeps only the requested indices,
so a long high-resolution video never sits in memory whole.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from engine.errors import UserError, VideoError
from engine.io.decode import MAX_VIDEO_BYTES, VideoInfo, _open, probe_video, to_rgb  # noqa: F401  (their old home)
from engine.io.masks import load_sidecar, resize_masks
from engine.io.sampling import clip_indices, source_step
from engine.io.timed import iter_timed_windows

VIDEO_EXTENSIONS = (".avi", ".mp4", ".mov", ".mkv", ".webm", ".gif", ".m4v", ".mpg", ".mpeg")
VIDEO_FOURCC = {".webm": "VP80", ".avi": "MJPG", ".mp4": "mp4v"}


@dataclass
class Clip:
    """T frames sampled from a video, with what maps them back to the source.

    Attributes:
        frames: (T, H, W, 3) uint8 RGB at display resolution.
        indices: (T,) int source frame index of each sampled frame.
        fps: source frames per second.
        source_size: (width, height) of the source video.
        path: where the frames came from ("" for in-memory clips).
        masks: optional (T, H, W) bool ground-truth masks (synthetic clips).
        label: optional class name known for the clip.
        meta: free-form metadata (sidecar contents, dataset fields).
    """

    frames: np.ndarray
    indices: np.ndarray
    fps: float
    source_size: tuple[int, int]
    path: str = ""
    masks: np.ndarray | None = None
    label: str | None = None
    meta: dict = field(default_factory=dict)

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def timestamps(self) -> np.ndarray:
        """(T,) seconds of each sampled frame in the source."""
        return self.indices / (self.fps if self.fps > 0 else 25.0)


def read_frames(path: str | os.PathLike, indices: np.ndarray, max_side: int | None = 480) -> np.ndarray:
    """Decodes only the frames at ``indices`` (any order, repeats allowed) in one pass.

    Returns:
        (len(indices), H, W, 3) uint8 RGB, resized so the longer side is at most max_side.
    """
    indices = np.asarray(indices, dtype=np.int64)
    wanted = sorted(set(indices.tolist()))
    if not wanted:
        raise VideoError("No frames requested.")
    cap = _open(path)
    found: dict[int, np.ndarray] = {}
    try:
        pos = 0
        for target in wanted:
            if target - pos > 64:  # long gap: seek, then verify where we are
                cap.set(cv2.CAP_PROP_POS_FRAMES, target)
                pos = int(cap.get(cv2.CAP_PROP_POS_FRAMES))
                if pos > target:
                    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                    pos = 0
            while pos < target:
                if not cap.grab():
                    break
                pos += 1
            ok, frame = cap.read()
            if not ok or frame is None:
                raise VideoError(f"{os.path.basename(str(path))}: frame {target} cannot be decoded (file truncated or corrupt?).")
            pos += 1
            found[target] = to_rgb(frame, max_side)
    finally:
        cap.release()
    return np.stack([found[i] for i in indices.tolist()])


def read_clip(
    path: str | os.PathLike,
    num_frames: int = 16,
    indices: np.ndarray | None = None,
    max_side: int | None = 480,
    frame_step: int = 0,
) -> Clip:
    """Samples ``num_frames`` frames (see :func:`clip_indices`), or the given indices, from a video.

    A ``frame_step`` carrying a rate (:class:`~engine.io.sampling.FrameStep`) samples by time:
    every ``fps / sample_fps`` source frames of this video. Ground-truth masks from a synthetic sidecar are attached when present.

    Raises:
        VideoError: the file is unreadable, empty, too short or not a video.
    """
    info = probe_video(path)
    if indices is None:
        if info.frame_count == 1 and num_frames > 1:
            raise VideoError(f"{os.path.basename(str(path))} holds a single frame: it is a still image, not a "
                             f"video. Give a video of at least {num_frames} frames.")
        indices = clip_indices(info.frame_count, num_frames, source_step(frame_step, info.fps))
    indices = np.asarray(indices, dtype=np.int64)
    frames = read_frames(path, indices, max_side)
    masks, meta = load_sidecar(path)
    clip_masks = None
    if masks is not None and masks.shape[0] > int(indices.max()):
        clip_masks = resize_masks(masks[indices], *frames.shape[1:3])
    return Clip(
        frames=frames,
        indices=indices,
        fps=info.fps,
        source_size=(info.width, info.height),
        path=str(path),
        masks=clip_masks,
        label=meta.get("label"),
        meta=meta,
    )


def iter_windows(
    path: str | os.PathLike, num_frames: int, frame_step: int = 1, stride: int | None = None, max_side: int | None = 480
):
    """Sliding windows over a video, decoded in one sequential pass with bounded memory.

    Window k holds source frames ``k*stride + j*frame_step`` for j < num_frames; only
    the last ``num_frames`` sampled frames are kept, so memory does not grow with length.
    A ``frame_step`` carrying a rate (:class:`~engine.io.sampling.FrameStep`) samples by time
    (:func:`engine.io.timed.iter_timed_windows`).

    Args:
        path: the video.
        num_frames: T frames per window.
        frame_step: source frames between two sampled frames.
        stride: source frames between window starts; rounded up to a multiple of frame_step.

    Yields:
        (indices (T,), frames (T, H, W, 3) uint8 RGB).
    """
    from collections import deque

    if getattr(frame_step, "sample_fps", 0) > 0:
        yield from iter_timed_windows(path, num_frames, frame_step, stride, max_side)
        return
    frame_step = max(1, int(frame_step))
    stride = max(frame_step, int(stride or frame_step))
    stride = -(-stride // frame_step) * frame_step
    cap = _open(path)
    recent: deque = deque(maxlen=num_frames)
    index = 0
    try:
        while cap.grab():
            if index % frame_step == 0:
                ok, frame = cap.retrieve()
                if not ok or frame is None:
                    raise VideoError(f"{os.path.basename(str(path))}: frame {index} cannot be decoded.")
                recent.append((index, to_rgb(frame, max_side)))
                start = recent[0][0]
                if len(recent) == num_frames and start % stride == 0:
                    yield np.array([i for i, _ in recent]), np.stack([f for _, f in recent])
            index += 1
    finally:
        cap.release()
    if index == 0:
        raise VideoError(f"{os.path.basename(str(path))} has no readable frame.")


def write_video(path: str | os.PathLike, frames: np.ndarray, fps: float = 25.0) -> Path:
    """Writes (T, H, W, 3) uint8 RGB or (T, H, W) grayscale frames: VP8 for .webm (plays in Chromium), MJPG .avi, mp4v .mp4.

    Raises:
        UserError: unknown extension, or OpenCV cannot open a writer.
    """
    path = Path(path)
    fourcc = VIDEO_FOURCC.get(path.suffix.lower())
    if fourcc is None:
        raise UserError(f"Cannot write {path.name}: use one of {', '.join(VIDEO_FOURCC)}.")
    height, width = frames.shape[1:3]
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), float(fps), (width, height))
    if not writer.isOpened():
        raise UserError(f"OpenCV cannot write {fourcc} video to {path}.")
    try:
        for frame in frames:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR if frame.ndim == 2 else cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    return path
