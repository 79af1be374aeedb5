"""What the browser's frame player receives: one JSON-ready payload per result.

The player (``ui/player/``) draws every panel on canvases in the browser, so a
frame step, playback, an opacity, colour-map or scale change never asks the
server. Everything it needs is sent once:

* ``frames``: each sampled frame as a base64 JPEG at display resolution.
* ``maps``: one entry per saliency result (Explore: one; Compare: one per method);
  each frame's map as a base64 8-bit grey PNG at the model's resolution, scaled to
  that frame's own maximum (``frame_max``), so a value reads back as
  ``grey / 255 * frame_max[t]``; ``clip_vmax`` and ``frame_vmax`` are the colour
  scales "whole clip" and "each frame" (:func:`engine.viz.colour.clip_scale`).
* ``flow``: each frame's (dx, dy) as a base64 RGB PNG, ``128 + 127 * d / scale`` in
  red and green, for the colour wheel, the speed view and the hover read-out.
* ``colormaps``: 256 RGB entries per colour map of :data:`engine.viz.colour.COLORMAPS`,
  taken from OpenCV, so the browser colours exactly as the server does.
* ``series``: the per-frame curves of the time-step chart.

No Streamlit here: the app caches it (``ui/cache.py``) and mounts it (``ui/player/``).
"""

from __future__ import annotations

import base64
import hashlib
import json

import cv2
import numpy as np

from engine.viz.colour import COLORMAPS, clip_scale, flow_speed_scale
from engine.viz.export import encode_png
from engine.viz.panels import PANEL_TITLES, outline_mask

PANEL_KINDS = ("frame", "overlay", "flow", "saliency")
JPEG_QUALITY = 90


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encode_image(image: np.ndarray, fmt: str = ".png") -> str:
    """(H, W) grey or (H, W, 3) RGB uint8 -> base64 PNG (lossless) or JPEG."""
    if fmt == ".png":
        return _b64(encode_png(image, compression=6))
    ok, buffer = cv2.imencode(fmt, cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR),
                              [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError(f"{fmt} encoding failed")
    return _b64(buffer.tobytes())


def colormap_tables() -> dict[str, list[int]]:
    """Colour map name -> 768 ints (R, G, B of levels 0..255), as :func:`engine.viz.colour.colorize` colours."""
    levels = np.arange(256, dtype=np.uint8)[:, None]
    tables = {}
    for name, code in COLORMAPS.items():
        rgb = cv2.cvtColor(cv2.applyColorMap(levels, code), cv2.COLOR_BGR2RGB)
        tables[name] = rgb.reshape(-1).astype(int).tolist()
    return tables


def quantise_maps(display: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, h, w) non-negative maps -> ((T, h, w) uint8 each scaled to its frame's maximum, (T,) maxima)."""
    display = np.asarray(display, np.float32)
    maxima = display.reshape(len(display), -1).max(axis=1)
    safe = np.where(maxima > 0, maxima, 1.0)
    grey = np.round(np.clip(display / safe[:, None, None], 0, 1) * 255).astype(np.uint8)
    return grey, maxima.astype(np.float64)


def saliency_entry(display: np.ndarray, name: str) -> dict:
    """One map of the payload (see the module docstring) from a (T, h, w) display map."""
    grey, maxima = quantise_maps(display)
    return {
        "name": name,
        "grey": [encode_image(g) for g in grey],
        "frame_max": [float(v) for v in maxima],
        "clip_vmax": float(clip_scale(display)),
        "frame_vmax": [float(clip_scale(d)) for d in display],
        "size": [int(display.shape[2]), int(display.shape[1])],
    }


def flow_entry(fields: np.ndarray, valid: np.ndarray) -> dict:
    """The flow of the payload: quantised (dx, dy) PNGs, their scale and the wheel's full speed."""
    fields = np.asarray(fields, np.float32)
    valid = np.asarray(valid, bool)
    scale = float(np.abs(fields[valid]).max()) if valid.any() else 0.0
    scale = scale if scale > 0 else 1.0
    quantised = np.clip(np.round(128 + 127 * fields / scale), 1, 255).astype(np.uint8)
    planes = np.concatenate([quantised, np.zeros(fields.shape[:3] + (1,), np.uint8)], axis=-1)
    return {
        "png": [encode_image(p) for p in planes],
        "scale": scale,
        "speed": flow_speed_scale(fields, valid),
        "valid": [bool(v) for v in valid],
        "size": [int(fields.shape[2]), int(fields.shape[1])],
    }


def decode_flow(entry: dict, t: int) -> np.ndarray:
    """The (h, w, 2) flow of frame ``t`` as the browser reads it back (for tests)."""
    data = np.frombuffer(base64.b64decode(entry["png"][t]), np.uint8)
    rgb = cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return (rgb[..., :2].astype(np.float32) - 128) / 127 * entry["scale"]


def frame_labels(clip) -> list[str]:
    """"source frame 12 · 0.48 s" for each sampled frame."""
    return [f"source frame {int(i)} · {s:.2f} s" for i, s in zip(clip.indices, clip.timestamps)]


def flow_share(flow) -> list[float]:
    """(T,) share of the clip's flow mass (:meth:`engine.flow.Flow.mass`) in each frame.

    A frame without flow of its own has NaN mass; JSON has no NaN, so it is sent as 0 (drawn at the axis).
    """
    mass = flow.mass()
    share = mass / max(float(np.nansum(mass)), 1e-9)
    return [float(v) for v in np.nan_to_num(share, nan=0.0)]


def build_payload(clip, maps: list[dict], flow, panels: list[dict], series: list[dict], *,
                  frames: np.ndarray | None = None, settings: dict | None = None) -> dict:
    """The player's data.

    Args:
        clip: the :class:`engine.io.video.Clip` (frames, indices, fps).
        maps: :func:`saliency_entry` dicts.
        flow: an :class:`engine.flow.Flow`.
        panels: what to draw, in order: ``{"kind": one of PANEL_KINDS, "map": index, "title": str}``.
        series: chart curves ``{"name", "values" (T,), "style": "bar" | "line" | "line2"}``
            ("line2" has its own axis); the first bar's bars are the clickable ones.
        frames: (T, H, W, 3) uint8 to show instead of ``clip.frames`` (with a mask outline drawn).
        settings: initial ``cmap``, ``opacity``, ``scale`` ("clip" or "frame"), ``flow_view``.

    Returns:
        a JSON-ready dict; ``id`` is a digest of its content (the browser keeps its place while it is equal).
    """
    shown = np.asarray(clip.frames if frames is None else frames)
    payload = {
        "frames": [encode_image(f, ".jpg") for f in shown],
        "frame_size": [int(shown.shape[2]), int(shown.shape[1])],
        "labels": frame_labels(clip),
        "fps": float(clip.fps if clip.fps > 0 else 25.0),
        "maps": maps,
        "flow": flow_entry(flow.fields, flow.valid),
        "panels": panels,
        "series": series,
        "colormaps": colormap_tables(),
        "settings": {"cmap": "inferno", "opacity": 0.6, "scale": "clip", "flow_view": "wheel", **(settings or {})},
    }
    digest = hashlib.sha256()
    for part in (payload["frames"], [m["grey"] for m in maps], payload["flow"]["png"], repr(panels), repr(series)):
        digest.update(repr(part).encode())
    payload["id"] = digest.hexdigest()[:16]
    return payload


def explore_payload(analysis, reduction: str = "abs", outline: bool = False, settings: dict | None = None) -> dict:
    """Frame, overlay, flow and raw saliency of one :class:`engine.pipeline.Analysis`, with its time-step chart."""
    result = analysis.result
    display = result.display(reduction)
    series = [{"name": "saliency mass share", "values": [float(v) for v in result.timestep_importance(reduction)],
               "style": "bar"},
              {"name": "flow share", "values": flow_share(analysis.flow), "style": "line"}]
    if result.temporal_occlusion is not None:
        series.append({"name": "temporal occlusion (probability drop)",
                       "values": [float(v) for v in result.temporal_occlusion], "style": "line2"})
    panels = [{"kind": kind, "map": 0, "title": PANEL_TITLES[kind]} for kind in PANEL_KINDS]
    frames = (np.stack([outline_mask(f, m) for f, m in zip(analysis.clip.frames, analysis.clip.masks)])
              if outline and analysis.clip.masks is not None else None)
    return build_payload(analysis.clip, [saliency_entry(display, result.method)], analysis.flow, panels, series,
                         frames=frames, settings=settings)


def compare_payload(analyses: dict[str, object], reduction: str = "abs", settings: dict | None = None) -> dict:
    """One overlay panel per result (label -> Analysis of one clip); the chart has each one's mass per frame."""
    first = next(iter(analyses.values()))
    maps = [saliency_entry(a.result.display(reduction), label) for label, a in analyses.items()]
    panels = [{"kind": "overlay", "map": k, "title": label} for k, label in enumerate(analyses)]
    series = [{"name": label, "values": [float(v) for v in a.result.timestep_importance(reduction)],
               "style": "bar" if k == 0 else "line"} for k, (label, a) in enumerate(analyses.items())]
    return build_payload(first.clip, maps, first.flow, panels, series, settings=settings)


def payload_bytes(payload: dict) -> int:
    """Bytes of the payload as JSON (what one result costs on the wire before compression)."""
    return len(json.dumps(payload))
