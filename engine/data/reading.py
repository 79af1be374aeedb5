"""Reading a record's frames: uniform sampling, or a random temporal window."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from engine.data.records import ClipRecord
from engine.data.ucf import count_frames, folder_fps, read_frame_folder
from engine.errors import UserError
from engine.io.video import Clip, VideoError, probe_video, read_clip
from engine.io.sampling import clip_indices, frames_text, source_step, uniform_indices


def record_frame_range(record: ClipRecord) -> tuple[int, int]:
    """(start, stop) source frames of a record, clamped to what its source holds.

    Raises:
        UserError: the source is missing, unreadable or the range is empty.
    """
    return record_frames_and_rate(record)[:2]


def record_frames_and_rate(record: ClipRecord) -> tuple[int, int, float]:
    """(start, stop, fps) of a record: its frame range (see :func:`record_frame_range`) and its source's
    frame rate (a frame folder's ``fps`` file, else 25).

    Raises:
        UserError: the source is missing, unreadable or the range is empty.
    """
    source = Path(record.source)
    if source.is_dir():
        frame_count, fps = count_frames(source), folder_fps(source)
    else:
        info = probe_video(source)
        frame_count, fps = info.frame_count, info.fps
    stop = frame_count if record.stop is None else min(record.stop, frame_count)
    if record.start >= stop:
        raise VideoError(
            f"{record.key}: frames {record.start}-{record.stop} lie outside its {frame_count} frames ({record.source})."
        )
    return record.start, stop, fps


def random_window_indices(
    start: int,
    stop: int,
    num_frames: int,
    rng: np.random.Generator,
    min_fraction: float = 0.6,
) -> np.ndarray:
    """T indices sampled uniformly over a random sub-window of [start, stop).

    The window covers between ``min_fraction`` of the range (at least T frames)
    and all of it, at a random position: a temporal crop for augmentation.

    Returns:
        (num_frames,) int64 increasing source indices.
    """
    available = stop - start
    if available < num_frames:
        raise VideoError(f"The clip has {frames_text(available)}; at least {num_frames} are needed.")
    shortest = min(available, max(num_frames, math.ceil(available * min_fraction)))
    length = int(rng.integers(shortest, available + 1))
    offset = int(rng.integers(0, available - length + 1))
    return uniform_indices(stop, num_frames, start + offset, start + offset + length)


def read_record(
    record: ClipRecord,
    num_frames: int,
    max_side: int | None = 480,
    random_window: bool = False,
    rng: np.random.Generator | None = None,
    frame_step: int = 0,
) -> Clip:
    """Reads T frames of a record (video file or frame folder).

    Args:
        record: the clip to read.
        num_frames: T.
        max_side: longer side of the returned frames at most this (None: source size).
        random_window: sample over a random temporal window instead of the whole range.
        rng: generator for the window; required when random_window is True.
        frame_step: source frames between sampled frames (0: spread over the range; a
            :class:`~engine.io.sampling.FrameStep` samples by time at the source's fps);
            see :func:`engine.io.sampling.clip_indices`.

    Returns:
        Clip with frames (T, H, W, 3) uint8 RGB, source indices, label and
        ``meta`` holding the record's key and subset.

    Raises:
        UserError: the source is missing, corrupt or too short (VideoError for videos).
    """
    start, stop, fps = record_frames_and_rate(record)
    if random_window and rng is None:
        raise ValueError("random_window needs an rng")
    if frame_step > 0:
        step = source_step(frame_step, fps)
        indices = clip_indices(stop, num_frames, step, start, stop, rng if random_window else None)
    elif random_window:
        indices = random_window_indices(start, stop, num_frames, rng)
    else:
        indices = uniform_indices(stop, num_frames, start, stop)
    if Path(record.source).is_dir():
        clip = read_frame_folder(record.source, indices, max_side)
    else:
        clip = read_clip(record.source, indices=indices, max_side=max_side)
    clip.label = record.label
    clip.meta = {**clip.meta, "key": record.key, "subset": record.subset}
    return clip


def read_record_pool(record: ClipRecord, pool_size: int, max_side: int | None = 480) -> Clip:
    """Up to ``pool_size`` frames spread uniformly over a record: every frame if fewer.

    Used to cache a clip once and crop it in time many times.
    """
    start, stop = record_frame_range(record)
    available = stop - start
    if available <= 0:
        raise UserError(f"{record.key} has no frames.")
    if available <= pool_size:
        indices = np.arange(start, stop, dtype=np.int64)
    else:
        indices = uniform_indices(stop, pool_size, start, stop)
    if Path(record.source).is_dir():
        return read_frame_folder(record.source, indices, max_side)
    return read_clip(record.source, indices=indices, max_side=max_side)
