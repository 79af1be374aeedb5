"""Writing a synthetic clip: an .avi video plus its ``<stem>.masks.npz`` sidecar.

Files are byte-identical for identical content (MJPG frames, zip entries with a
fixed timestamp), so the same seed gives the same files.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from engine.errors import UserError
from engine.io.video import write_video
from engine.io.masks import mask_sidecar_path


def class_clip_seed(seed: int, classes, label: str, index: int) -> int:
    """The int seed of clip ``index`` of class ``label`` of a generator whose classes are ``classes``.

    The one rule of every generator here (KTH-like and event clips) and of the study that redraws their clips.
    """
    return int(np.random.SeedSequence([seed, list(classes).index(label), index]).generate_state(1)[0])

FPS = 25.0
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def write_sidecar(video_path: Path, masks: np.ndarray, meta: dict) -> Path:
    """Writes ``masks`` ((N, H, W) 0/1 uint8) and ``meta`` (a JSON string) beside a video."""
    path = mask_sidecar_path(video_path)
    entries = {"masks.npy": masks.astype(np.uint8), "meta.npy": np.array(json.dumps(meta, sort_keys=True))}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in entries.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, _npy_bytes(array))
    return path


def write_clip(path: str | Path, frames: np.ndarray, masks: np.ndarray, meta: dict, fps: float = FPS) -> Path:
    """Writes a clip and its sidecar; creates the folder.

    Args:
        path: the .avi path.
        frames: (N, H, W) uint8 grayscale.
        masks: (N, H, W) bool or 0/1, the ground-truth mask of every frame.
        meta: JSON-serialisable metadata.
        fps: frames per second.

    Returns:
        The video path.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Cannot create the folder {path.parent}: {exc.strerror}.") from exc
    write_video(path, frames, fps)
    write_sidecar(path, masks, meta)
    return path
