"""What the app's pages share that is not Streamlit: where files are, upload limits,
reading uploads through a temporary folder, and the per-frame images of a result.

Folders (environment variables, read on every call so tests can point elsewhere):

* ``VSE_ASSETS``: the bundled assets root (``models/*.pt``, ``clips/*.webm``);
  default the repository's ``assets/``.
* ``VSE_MODELS_DIR``: an extra folder of checkpoints (searched recursively).
* ``VSE_DATA_DIR``: a data folder (KTH, class folders or UCF101-style) for the
  clip picker, the evaluation and the browser.
* ``VSE_MAX_UPLOAD_MB``: the upload limit in MB (default 200). One number for the
  browser and the server: a MB is 10^6 bytes, as Streamlit's uploader counts it.

Nothing here imports Streamlit; the result images are computed once per result and
the app only picks them while scrubbing.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np

from engine.checkpoint import CheckpointError, ForeignSettings, LoadedModel, load_checkpoint, save_checkpoint
from engine.errors import UserError
from engine.flow import flow_to_rgb, magnitude_to_rgb
from engine.metrics import AGREEMENT_METRICS, REFERENCES
from engine.overlay import clip_scale, colorize, overlay, resize_map
from engine.video import VIDEO_EXTENSIONS, Clip, VideoError, read_clip

CHECKPOINT_EXTENSIONS = (".pt", ".pth", ".ckpt")
UPLOAD_VIDEO_TYPES = ("mp4", "avi", "mov", "mkv", "webm", "gif")
DEFAULT_MAX_UPLOAD_MB = 200
CHECKPOINT_UPLOAD_MB = 300  # a ResNet-152 reference cnn-lstm is about 240 MB; equal to server.maxUploadSize
MB = 10**6  # bytes: Streamlit's uploader counts a MB this way, and so does check_upload
PANELS = ("frame", "overlay", "flow", "saliency")
PANEL_TITLES = {"frame": "Frame", "overlay": "Saliency over frame", "flow": "Optical flow", "saliency": "Raw saliency"}
FLOW_VIEWS = {"wheel": "Colour wheel (direction)", "magnitude": "Magnitude (speed)"}
PANEL_SIDE = 320


def assets_dir() -> Path:
    """The bundled assets root (``VSE_ASSETS`` or the repository's ``assets/``)."""
    env = os.environ.get("VSE_ASSETS")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "assets"


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
    from engine.data.folder import find_videos

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


def checkpoint_bytes(loaded: LoadedModel) -> bytes:
    """A loaded model as a project checkpoint file's bytes (for "Save as project checkpoint")."""
    with tempfile.TemporaryDirectory(prefix="vse-convert-") as folder:
        return save_checkpoint(Path(folder) / "model.pt", loaded.model, loaded.meta).read_bytes()


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


def _fit(image: np.ndarray, side: int) -> np.ndarray:
    height, width = image.shape[:2]
    scale = side / max(height, width)
    if abs(scale - 1) < 1e-6:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA)


def _outline(frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = np.ascontiguousarray(frame.copy())
    cv2.drawContours(out, contours, -1, (0, 255, 120), 1)
    return out


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


def outlined_frames(clip) -> np.ndarray:
    """(T, H, W, 3) uint8: the clip's frames with the ground-truth mask outline drawn (the clip has masks)."""
    return np.stack([_outline(frame, mask) for frame, mask in zip(clip.frames, clip.masks)])


def render_panels(analysis, reduction: str = "abs", cmap: str = "inferno", opacity: float = 0.6,
                  flow_view: str = "wheel", outline: bool = False, per_frame: bool = False,
                  side: int = PANEL_SIDE) -> dict[str, np.ndarray]:
    """The four synchronised views of every frame, computed once per result and display setting.

    Args:
        analysis: an :class:`engine.analysis.Analysis`.
        reduction: channel reduction of the saliency ("abs", "positive", "negative").
        cmap: a key of ``engine.overlay.COLORMAPS``.
        opacity: heatmap opacity at full saliency, 0..1.
        flow_view: "wheel" (direction as hue) or "magnitude".
        outline: draw the ground-truth mask outline on the frame (when the clip has masks).
        per_frame: scale each frame's saliency to its own maximum instead of one clip-wide scale
            (shows where early frames look even when the last frames hold most of the mass).
        side: longer side of each panel in pixels.

    Returns:
        {panel name: (T, H, W, 3) uint8 RGB} for the names in :data:`PANELS`.
    """
    frames = np.asarray(analysis.clip.frames)
    height, width = frames.shape[1:3]
    sal = analysis.result.display(reduction)
    vmax = clip_scale(sal)
    flow_rgb = flow_to_rgb(analysis.flow.fields) if flow_view == "wheel" else magnitude_to_rgb(analysis.flow.magnitude)
    masks = analysis.clip.masks if outline else None
    out: dict[str, list[np.ndarray]] = {name: [] for name in PANELS}
    for t, frame in enumerate(frames):
        if per_frame:
            vmax = clip_scale(sal[t])
        shown = _outline(frame, masks[t]) if masks is not None else frame
        out["frame"].append(_fit(shown, side))
        out["overlay"].append(_fit(overlay(shown, sal[t], alpha=opacity, cmap=cmap, vmax=vmax), side))
        out["flow"].append(_fit(cv2.resize(flow_rgb[t], (width, height), interpolation=cv2.INTER_LINEAR), side))
        out["saliency"].append(_fit(colorize(resize_map(sal[t], height, width), cmap, vmax), side))
    return {name: np.stack(images) for name, images in out.items()}


def encode_png(image: np.ndarray) -> bytes:
    """(H, W, 3) uint8 RGB -> PNG bytes."""
    ok, buffer = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR),
                              [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise ValueError("PNG encoding failed")
    return buffer.tobytes()


def view_image(panels: dict[str, np.ndarray], t: int, gap: int = 4) -> np.ndarray:
    """The four panels of frame ``t`` side by side on white: (H, 4W + 3 gap, 3) uint8."""
    images = [panels[name][t] for name in PANELS]
    spacer = np.full((images[0].shape[0], gap, 3), 255, np.uint8)
    row = []
    for image in images:
        row += [image, spacer]
    return np.concatenate(row[:-1], axis=1)


def overlay_video_bytes(panels: dict[str, np.ndarray], fps: float = 4.0) -> bytes:
    """The overlay panel of every frame as a VP8 ``.webm`` (plays in browsers), via a temporary file."""
    from engine.video import write_video

    with tempfile.TemporaryDirectory(prefix="vse-video-") as folder:
        return write_video(Path(folder) / "overlay.webm", panels["overlay"], fps=fps).read_bytes()


def metric_label(key: str) -> str:
    """"flow.pearson" -> "Pearson r vs optical flow"."""
    reference, _, name = key.partition(".")
    info = AGREEMENT_METRICS.get(name)
    label = info.label if info else name.replace("_", " ")
    return f"{label} vs {REFERENCES.get(reference, reference).lower()}"


def clip_metric_rows(analysis) -> list[dict]:
    """Per-clip agreement as rows {metric, optical flow, ground-truth mask}."""
    values = analysis.clip_metrics()
    rows: dict[str, dict] = {}
    for key, value in values.items():
        reference, _, name = key.partition(".")
        info = AGREEMENT_METRICS.get(name)
        row = rows.setdefault(name, {"metric": info.label if info else name.replace("_", " ")})
        row[REFERENCES.get(reference, reference)] = round(float(value), 4)
    return list(rows.values())


def metrics_csv(analysis) -> str:
    """Per-frame agreement (one row per frame, source index included) and a last "clip" row."""
    frame_metrics = analysis.frame_metrics()
    clip_values = analysis.clip_metrics()
    names = sorted(frame_metrics)
    importance = analysis.result.timestep_importance()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["frame", "source_index", "timestep_importance", *names])
    for t in range(analysis.clip.num_frames):
        writer.writerow([t, int(analysis.clip.indices[t]), f"{importance[t]:.6g}",
                         *(f"{frame_metrics[n][t]:.6g}" for n in names)])
    writer.writerow(["clip", "", "", *(f"{clip_values.get(n, float('nan')):.6g}" for n in names)])
    extra = sorted(set(clip_values) - set(names))
    for name in extra:
        writer.writerow([f"clip:{name}", "", "", f"{clip_values[name]:.6g}"])
    return buffer.getvalue()
