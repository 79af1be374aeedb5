"""UCF101-style data: an annotation JSON plus one folder of JPEG frames per clip.

The layout the reference cnn-lstm code reads::

    annotation.json  {"labels": [...], "database": {key: {"subset": "training",
                                                         "annotations": {"label": ...}}}}
    VIDEO_PATH/<label>/<key>/image_00001.jpg ...   (1-based, 5 digits)
    VIDEO_PATH/<label>/<key>/n_frames              (optional: the frame count)
    VIDEO_PATH/<label>/<key>/fps                   (optional: frames per second)
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import cv2
import numpy as np

from engine.data.records import ClipRecord
from engine.errors import UserError
from engine.io.video import Clip, to_rgb

UCF_SUBSETS = {"training": "train", "validation": "val", "testing": "test"}
FRAME_NAME = "image_{:05d}.jpg"
_FRAME_FILE = re.compile(r"^image_(\d{5})\.jpg$")
DEFAULT_FPS = 25.0


def frame_path(folder: str | Path, index: int) -> Path:
    """The JPEG of 0-based frame ``index`` in a frame folder."""
    return Path(folder) / FRAME_NAME.format(index + 1)


def _read_number(path: Path, kind: type) -> float | int | None:
    if not path.is_file():
        return None
    text = path.read_text().strip()
    try:
        value = kind(float(text)) if kind is int else float(text)
    except ValueError:
        raise UserError(f"{path} should hold one number; it holds {text[:40]!r}.") from None
    if value <= 0:
        raise UserError(f"{path} holds {text!r}; it must be positive.")
    return value


def count_frames(folder: str | Path) -> int:
    """The number of frames of a frame folder, checked for gaps.

    The count is the ``n_frames`` file's number when there is one, else the
    highest ``image_NNNNN.jpg``. Every frame from 1 to the count must exist.

    Raises:
        UserError: the folder is missing or empty, or a frame is missing.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"No frame folder {folder}.")
    numbers = {int(m.group(1)) for name in os.listdir(folder) if (m := _FRAME_FILE.match(name))}
    count = _read_number(folder / "n_frames", int)
    if count is None:
        count = max(numbers, default=0)
    if count == 0:
        raise UserError(f"{folder} holds no image_NNNNN.jpg frames.")
    missing = [n for n in range(1, count + 1) if n not in numbers]
    if missing:
        raise UserError(
            f"{frame_path(folder, missing[0] - 1)} is missing ({len(missing)} of {count} frames missing in {folder})."
        )
    return count


def folder_fps(folder: str | Path) -> float:
    """Frames per second from the folder's ``fps`` file, else 25."""
    return float(_read_number(Path(folder) / "fps", float) or DEFAULT_FPS)


def read_frame_folder(folder: str | Path, indices: np.ndarray, max_side: int | None = 480) -> Clip:
    """Reads the frames at 0-based ``indices`` of a frame folder.

    Returns:
        Clip with frames (T, H, W, 3) uint8 RGB, the indices, fps and source size.

    Raises:
        UserError: a frame file is missing or cannot be decoded.
    """
    indices = np.asarray(indices, dtype=np.int64)
    decoded: dict[int, np.ndarray] = {}
    source_size = (0, 0)
    for index in sorted(set(indices.tolist())):
        path = frame_path(folder, index)
        if not path.is_file():
            raise UserError(f"Frame {path} is missing.")
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise UserError(f"Frame {path} is not a readable JPEG.")
        source_size = (int(bgr.shape[1]), int(bgr.shape[0]))
        decoded[index] = to_rgb(bgr, max_side)
    frames = np.stack([decoded[i] for i in indices.tolist()])
    return Clip(frames=frames, indices=indices, fps=folder_fps(folder), source_size=source_size, path=str(folder))


def _entry_label(key: str, entry: object, where: Path) -> tuple[str, str | None]:
    if not isinstance(entry, dict) or "subset" not in entry:
        raise UserError(f"{where}: database entry {key!r} has no 'subset'.")
    subset = UCF_SUBSETS.get(str(entry["subset"]))
    if subset is None:
        raise UserError(
            f"{where}: entry {key!r} has subset {entry['subset']!r}; expected one of {', '.join(UCF_SUBSETS)}."
        )
    annotations = entry.get("annotations") or {}
    label = annotations.get("label") if isinstance(annotations, dict) else None
    return subset, (str(label) if label is not None else None)


def read_annotation(annotation_path: Path) -> dict:
    """The annotation JSON, checked for a ``database`` mapping."""
    if not annotation_path.is_file():
        raise UserError(f"No annotation file {annotation_path}.")
    try:
        data = json.loads(annotation_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{annotation_path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("database"), dict):
        raise UserError(f"{annotation_path} has no 'database' mapping of clips.")
    return data


def load_ucf101(annotation_path: Path, video_path: Path) -> tuple[list[ClipRecord], list[str], list[str]]:
    """Records of a UCF101-style annotation JSON and frame folders.

    Entries without a label (unlabelled test clips) are skipped and reported in
    the notes. Frame folders are checked when a clip is read.

    Returns:
        (records sorted by key, the JSON's "labels" list (may be empty), notes).
    """
    data = read_annotation(annotation_path)
    records, unlabelled = [], []
    for key, entry in data["database"].items():
        subset, label = _entry_label(key, entry, annotation_path)
        if label is None:
            unlabelled.append(key)
            continue
        records.append(ClipRecord(str(video_path / label / key), label, subset, str(key)))
    notes = [f"{len(unlabelled)} unlabelled clip(s) skipped, e.g. {unlabelled[0]}."] if unlabelled else []
    labels = [str(x) for x in data.get("labels") or []]
    return sorted(records, key=lambda r: r.key), labels, notes
