"""The app's own state that is not Streamlit: where files are, upload limits,
reading uploads through a temporary folder, captions.

Folders (environment variables, read on every call so tests can point elsewhere):

* ``VSE_ASSETS``: the bundled assets root (``models/*.pt``, ``clips/*.webm``);
  default the repository's ``assets/`` (:mod:`engine.paths`, shared with the CLI).
* ``VSE_MODELS_DIR``: an extra folder of checkpoints (searched recursively).
* ``VSE_DATA_DIR``: a data folder (KTH, class folders or UCF101-style) for the
  clip picker, the evaluation and the browser.
* ``VSE_MAX_UPLOAD_MB``: the upload limit in MB (default 200). One number for the
  browser and the server: a MB is 10^6 bytes, as Streamlit's uploader counts it.

Nothing here imports Streamlit; pictures come from :mod:`engine.viz.panels`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np

from engine import Clip, LoadedModel, UserError, load_checkpoint, read_clip
from engine.io import VIDEO_EXTENSIONS, VideoError
from engine.models import CheckpointError, ForeignSettings, converted_meta, save_checkpoint
from engine.paths import assets_dir


CHECKPOINT_EXTENSIONS = (".pt", ".pth", ".ckpt")
UPLOAD_VIDEO_TYPES = ("mp4", "avi", "mov", "mkv", "webm", "gif")
DEFAULT_MAX_UPLOAD_MB = 200
CHECKPOINT_UPLOAD_MB = 300  # a ResNet-152 reference cnn-lstm is about 240 MB; equal to server.maxUploadSize
MB = 10**6  # bytes: Streamlit's uploader counts a MB this way, and so does check_upload


def _env_dir(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value) if value else None


def models_dir() -> Path | None:
    """The configured extra checkpoint folder, or None."""
    return _env_dir("VSE_MODELS_DIR")


def model_code_dir() -> Path | None:
    """The folder of trusted model code the server was started with (``VSE_MODEL_CODE_DIR``), or None."""
    return _env_dir("VSE_MODEL_CODE_DIR")


def data_dir() -> Path | None:
    """The configured data folder, or None."""
    return _env_dir("VSE_DATA_DIR")


def max_upload_mb() -> int:
    """The upload limit in MB (``VSE_MAX_UPLOAD_MB``, default 200)."""
    try:
        return max(1, int(os.environ.get("VSE_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB)))
    except ValueError:
        return DEFAULT_MAX_UPLOAD_MB


def list_checkpoints() -> dict[str, Path]:
    """Label -> path: the bundled checkpoints (cnnlstm first), then the models folder's."""
    found: dict[str, Path] = {}
    bundled = assets_dir() / "models"
    if bundled.is_dir():
        for path in sorted(bundled.glob("*"), key=lambda p: (p.stem != "cnnlstm", p.name)):
            if path.suffix in CHECKPOINT_EXTENSIONS and path.is_file():
                found[f"{path.stem} (bundled)"] = path
    folder = models_dir()
    if folder is not None and folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.suffix in CHECKPOINT_EXTENSIONS and path.is_file():
                found.setdefault(path.relative_to(folder).as_posix(), path)
    return found


def list_sample_clips() -> dict[str, Path]:
    """Stem -> path of the bundled sample clips (walking_right first when present)."""
    folder = assets_dir() / "clips"
    if not folder.is_dir():
        return {}
    paths = [p for p in folder.iterdir() if p.suffix.lower() in VIDEO_EXTENSIONS and p.is_file()]
    paths.sort(key=lambda p: (p.stem != "walking_right", p.name))
    return {p.stem: p for p in paths}


def list_data_videos(folder: Path | None) -> dict[str, Path]:
    """Relative name -> path of every video under a data folder (empty when none)."""
    if folder is None or not folder.is_dir():
        return {}
    from engine.data import find_videos

    return {p.relative_to(folder).as_posix(): p for p in find_videos(folder)}


def check_upload(name: str, size: int, limit_mb: int | None = None) -> None:
    """Raises UserError when an upload is empty or over the limit."""
    limit_mb = max_upload_mb() if limit_mb is None else limit_mb
    if size <= 0:
        raise UserError(f"{name} is empty (0 bytes).")
    if size > limit_mb * MB:
        raise UserError(f"{name} is {size / MB:.1f} MB; the upload limit is {limit_mb} MB.")


def safe_name(name: str, default_suffix: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).name) or "upload"
    return stem if Path(stem).suffix else stem + default_suffix


def clip_from_bytes(name: str, data: bytes, num_frames: int, limit_mb: int | None = None,
                    frame_step: int = 0) -> tuple[Clip, str]:
    """Reads an uploaded video through a temporary folder that is removed afterwards.

    Returns:
        (the clip, with ``path`` set to the upload's name, SHA-256 of the bytes).

    Raises:
        VideoError / UserError: too large, not a video, unreadable or too short.
    """
    check_upload(name, len(data), limit_mb)
    suffix = Path(name).suffix.lower()
    if suffix.lstrip(".") not in UPLOAD_VIDEO_TYPES:
        raise VideoError(f"{name}: unsupported file type; upload one of {', '.join(UPLOAD_VIDEO_TYPES)}.")
    with tempfile.TemporaryDirectory(prefix="vse-upload-") as folder:
        path = Path(folder) / safe_name(name, suffix)
        path.write_bytes(data)
        clip = read_clip(path, num_frames, frame_step=frame_step)
    clip.path = Path(name).name
    return clip, hashlib.sha256(data).hexdigest()


def checkpoint_from_bytes(name: str, data: bytes, device: str = "cpu", limit_mb: int | None = None,
                          foreign: ForeignSettings | None = None) -> LoadedModel:
    """Loads an uploaded checkpoint safely (weights only) through a temporary folder.

    Args:
        foreign: class names and input settings for a file without our metadata.

    Raises:
        NeedsSettings: a recognised reference checkpoint whose class names were not given.
        CheckpointError / UserError: too large, not a checkpoint, unsafe, unknown layout or mismatched.
    """
    check_upload(name, len(data), limit_mb or CHECKPOINT_UPLOAD_MB)
    if Path(name).suffix.lower() not in CHECKPOINT_EXTENSIONS:
        raise CheckpointError(f"{name}: a checkpoint ends in {', '.join(CHECKPOINT_EXTENSIONS)}.")
    with tempfile.TemporaryDirectory(prefix="vse-upload-") as folder:
        path = Path(folder) / safe_name(name, ".pt")
        path.write_bytes(data)
        loaded = load_checkpoint(path, device=device, foreign=foreign)
    loaded.meta.path = Path(name).name
    return loaded


def checkpoint_bytes(loaded: LoadedModel, source_name: str) -> bytes:
    """A loaded foreign checkpoint as a project checkpoint file's bytes (for "Save as project checkpoint").

    The file records ``source_name`` as what it was converted from, so it says so when loaded again.
    """
    meta = converted_meta(loaded.meta, source_name)
    with tempfile.TemporaryDirectory(prefix="vse-convert-") as folder:
        return save_checkpoint(Path(folder) / "model.pt", loaded.model, meta).read_bytes()


def freeze(value):
    """Marks every numpy array inside a (nested) dataclass/dict/list read-only; returns it."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            freeze(getattr(value, f.name))
    elif isinstance(value, dict):
        for item in value.values():
            freeze(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            freeze(item)
    return value


def window_caption(clip: Clip, frame_count: int) -> str:
    """Which source frames and times a clip holds: "Source frames 120–150 (every 2nd) · 4.80–6.00 s of 9.60 s"."""
    first, last = int(clip.indices[0]), int(clip.indices[-1])
    steps = np.diff(clip.indices)
    every = (f"every {int(steps[0])}{'nd' if steps[0] == 2 else 'rd' if steps[0] == 3 else 'th'}"
             if len(steps) and (steps == steps[0]).all() and steps[0] > 1 else "consecutive"
             if len(steps) and (steps == 1).all() else "spread over the video")
    fps = clip.fps if clip.fps > 0 else 25.0
    return (f"Source frames {first}–{last} ({every}) · {first / fps:.2f}–{last / fps:.2f} s of "
            f"{frame_count / fps:.2f} s")
