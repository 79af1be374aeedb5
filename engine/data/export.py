"""Writing a data set in the UCF101-style layout (annotation JSON + JPEG frame folders)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from engine.data.reading import record_frame_range
from engine.data.records import ClipRecord, DatasetIndex
from engine.data.ucf import FRAME_NAME, folder_fps, frame_path
from engine.errors import UserError
from engine.io.video import VideoError, probe_video
from engine.io.sampling import uniform_indices

UCF_SUBSET_NAMES = {"train": "training", "val": "validation", "test": "testing"}
JPEG_QUALITY = 95
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def export_keys(records: list[ClipRecord]) -> list[str]:
    """Folder-safe keys that cannot collide: ``<class>__<key with / as __>``.

    Characters outside ``[A-Za-z0-9_.-]`` become ``_``; a key that would then
    clash with another (also ignoring case) gets a short hash of the original.
    """
    plain = [_UNSAFE.sub("_", f"{r.label}__{r.key.replace('/', '__')}").strip("._") or "clip" for r in records]
    clashes = Counter(k.casefold() for k in plain)
    keys = []
    for record, key in zip(records, plain):
        if clashes[key.casefold()] > 1:
            digest = hashlib.sha1(f"{record.label}\0{record.key}\0{record.source}".encode()).hexdigest()[:8]
            key = f"{key}_{digest}"
        keys.append(key)
    if len(set(k.casefold() for k in keys)) < len(keys):
        raise UserError("Two clips are identical (same source, class and key); remove the duplicate.")
    return keys


def iter_bgr_frames(source: str, indices: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """Yields (index, BGR frame) for increasing ``indices`` of a video or frame folder.

    A video is decoded in one sequential pass; it may end early (containers
    sometimes over-count frames): the caller sees fewer frames.
    """
    if Path(source).is_dir():
        for index in indices.tolist():
            image = cv2.imread(str(frame_path(source, index)), cv2.IMREAD_COLOR)
            if image is None:
                raise UserError(f"Frame {frame_path(source, index)} is missing or unreadable.")
            yield index, image
        return
    probe_video(source)  # clear errors for missing, empty or non-video files
    cap = cv2.VideoCapture(source)
    try:
        position = 0
        for index in indices.tolist():
            while position < index and cap.grab():
                position += 1
            ok, frame = cap.read() if position == index else (False, None)
            if not ok or frame is None:
                return
            position += 1
            yield index, frame
    finally:
        cap.release()


def _resize_bgr(frame: np.ndarray, max_side: int | None) -> np.ndarray:
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    height, width = frame.shape[:2]
    if not max_side or max(height, width) <= max_side:
        return frame
    scale = max_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def export_record(record: ClipRecord, folder: Path, frames_per_clip: int | None, max_side: int | None) -> dict:
    """Writes one record's frames as ``folder/image_00001.jpg ...`` plus n_frames and fps.

    Args:
        record: the clip to export.
        folder: its frame folder (created).
        frames_per_clip: keep this many frames spread uniformly; None keeps all.
        max_side: shrink frames so the longer side is at most this; None keeps size.

    Returns:
        The clip's fields for the annotation JSON (source range and frame count).
    """
    start, stop = record_frame_range(record)
    if frames_per_clip is None:
        indices = np.arange(start, stop, dtype=np.int64)
    else:
        indices = uniform_indices(stop, frames_per_clip, start, stop)
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for written, (_, frame) in enumerate(iter_bgr_frames(record.source, indices), start=1):
        path = folder / FRAME_NAME.format(written)
        if not cv2.imwrite(str(path), _resize_bgr(frame, max_side), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
            raise UserError(f"Cannot write {path}.")
    if written == 0 or (frames_per_clip is not None and written < len(indices)):
        raise VideoError(f"{record.source}: only {written} of {len(indices)} frames could be decoded.")
    fps = folder_fps(record.source) if Path(record.source).is_dir() else probe_video(record.source).fps
    (folder / "n_frames").write_text(f"{written}\n")
    (folder / "fps").write_text(f"{fps:g}\n")
    return {"n_frames": written, "source_frames": [start, int(indices[written - 1]) + 1], "fps": fps}


def export_ucf101(
    index: DatasetIndex,
    out: Path,
    frames_per_clip: int | None = None,
    max_side: int | None = None,
    skip_bad: bool = False,
) -> tuple[Path, list[str]]:
    """Writes ``out/annotation.json`` and ``out/frames/<label>/<key>/image_00001.jpg``.

    Labels in the JSON are ``index.classes`` sorted (their order is the class index).

    Returns:
        (path of annotation.json, messages about skipped clips).

    Raises:
        UserError: a clip cannot be read (unless skip_bad), or out already holds a data set.
    """
    annotation_path = out / "annotation.json"
    if annotation_path.exists():
        raise UserError(f"{annotation_path} exists; choose an empty --out folder.")
    database, skipped = {}, []
    keys = export_keys(index.records)
    for record, key in tqdm(list(zip(index.records, keys)), desc="prepare", unit="clip", file=sys.stderr):
        folder = out / "frames" / record.label / key
        try:
            fields = export_record(record, folder, frames_per_clip, max_side)
        except UserError as exc:
            if not skip_bad:
                raise
            shutil.rmtree(folder, ignore_errors=True)
            skipped.append(f"skipped {record.source}: {exc}")
            continue
        database[key] = {
            "subset": UCF_SUBSET_NAMES[record.subset],
            "annotations": {"label": record.label},
            "source": record.source,
            **fields,
        }
    if not database:
        raise UserError("No clip could be prepared.")
    payload = {"labels": sorted(index.classes), "database": database}
    annotation_path.write_text(json.dumps(payload, indent=1))
    return annotation_path, skipped
