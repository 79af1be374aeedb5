"""An index row from an analysis: what a result is, how it scored, its thumbnail and its small summaries.

The thumbnail is the saliency overlay of the result's peak frame (the frame holding the most
saliency mass), drawn by the one drawing path (:func:`engine.viz.panels.draw_panels`) on that
frame alone, so its colour scale is that frame's own. It is made once, when the row is made.
Two small summaries let Browse pair results without opening their files: the time-step curve
(T,) and the display map pooled to (T, 8, 8).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

THUMB_SIDE = 128
THUMB_QUALITY = 80
POOLED_SIDE = 8


def peak_frame(analysis) -> int:
    """Index of the frame with the largest share of saliency mass."""
    return int(np.argmax(analysis.result.timestep_importance()))


def thumbnail_jpeg(analysis, side: int = THUMB_SIDE) -> bytes:
    """JPEG bytes of the saliency overlay at the peak frame, longer side ``side`` pixels."""
    import cv2

    from engine.viz.panels import PanelSettings, draw_panels

    t = peak_frame(analysis)
    flow = analysis.flow
    panels = draw_panels(analysis.clip.frames[t:t + 1], analysis.result.display()[t:t + 1], flow.fields[t:t + 1],
                         None if flow.valid is None else flow.valid[t:t + 1], settings=PanelSettings(side=side))
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(panels["overlay"][0], cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, THUMB_QUALITY])
    if not ok:  # pragma: no cover - OpenCV always encodes a uint8 image
        raise RuntimeError("could not encode the thumbnail")
    return data.tobytes()


def pooled_map(display: np.ndarray, side: int = POOLED_SIDE) -> np.ndarray:
    """(T, H, W) display map -> (T, side, side) float16 block means (area interpolation)."""
    import cv2

    # one frame at a time: OpenCV's area filter takes at most 4 channels when the scale is not a whole number
    frames = display.astype(np.float32)
    return np.stack([cv2.resize(f, (side, side), interpolation=cv2.INTER_AREA) for f in frames]).astype(np.float16)


def decode_curve(row: dict) -> np.ndarray:
    """(T,) float32 time-step curve of a row."""
    return np.frombuffer(row["curve"], np.float32)


def decode_map(row: dict) -> np.ndarray:
    """(T, 8, 8) float32 pooled map of a row."""
    return np.frombuffer(row["small_map"], np.float16).astype(np.float32).reshape(-1, POOLED_SIDE, POOLED_SIDE)


def index_row(analysis, *, key: str, result: str, clip_digest: str, model: str, target: str | None,
              settings: dict, size: int, clip_name: str = "", label: str | None = None) -> dict:
    """The index row of one result.

    Args:
        analysis: the :class:`engine.pipeline.Analysis` (computed now, or read back from its file).
        key: its :func:`engine.store.keys.result_key`.
        result: its file, as the store records it (:meth:`engine.store.Store.relative`).
        clip_digest: the clip's content digest.
        model: the model's short name (the checkpoint file's stem).
        target: the class asked for ("" or None: the prediction).
        settings: every other setting of the key (baseline, flow, camera, seed, frames).
        size: bytes of the result file.
        clip_name: a short name of the clip (a data set's record key); default the file's stem.
        label: the clip's true class; default the clip's own label.
    """
    result_obj, info = analysis.result, analysis.info
    label = label if label is not None else (analysis.clip.label or "")
    predicted = result_obj.classes[result_obj.predicted]
    display = result_obj.display()
    return {
        "key": key, "clip_path": str(analysis.clip.path or info.get("clip") or ""), "clip_digest": clip_digest,
        "clip_name": clip_name or Path(str(analysis.clip.path or "")).stem, "label": label,
        "model": model, "architecture": info.get("model", ""), "checkpoint_digest": info.get("checkpoint_sha256", ""),
        "model_identity": info.get("model_identity", ""), "method": result_obj.method,
        "params": json.dumps(result_obj.params, sort_keys=True, default=str), "target": target or "",
        "explained": result_obj.target_name, "settings": json.dumps(settings, sort_keys=True, default=str),
        "predicted": predicted, "confidence": float(np.max(result_obj.probabilities)),
        "correct": None if not label else int(predicted == label),
        "metrics": json.dumps({k: _finite(v) for k, v in analysis.clip_metrics().items()}),
        "seconds": _finite(result_obj.diagnostics.get("seconds")),
        "device": str(result_obj.diagnostics.get("device", "")),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "result": result, "bytes": int(size),
        "frames": int(display.shape[0]), "thumb": thumbnail_jpeg(analysis),
        "curve": result_obj.timestep_importance().astype(np.float32).tobytes(),
        "small_map": pooled_map(display).tobytes(),
    }


def _finite(value) -> float | None:
    """A float, or None for a missing or non-finite value (JSON has no NaN)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None
