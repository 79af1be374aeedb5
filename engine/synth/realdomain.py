"""Real-camera-domain clips: in memory (:func:`render_real_clip`) or on disk (:func:`generate_real_clips`).

On disk: ``DIR/<class>/<class>_NNNNN.avi`` (MJPG, written at the clip's own frame rate)
with the usual ``<stem>.masks.npz`` sidecar, whose metadata records every drawn option.
The names are not KTH's, so the folder-of-classes layout reads them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from engine.errors import UserError
from engine.synth.clipfile import class_clip_seed, write_clip
from engine.synth.kth import CLASSES
from engine.synth.projection import heading_axes
from engine.synth.realclip import render_plan, subframe_count
from engine.synth.domain import DEFAULT_SECONDS
from engine.synth.realplan import ClipPlan
from engine.synth.staging import plan_clip


def _r(value: float, digits: int = 4) -> float:
    return round(float(value), digits)


def _person_meta(plan: ClipPlan) -> list[dict]:
    out = []
    for p in plan.people:
        look = p.look
        out.append({
            "heading_deg": _r(p.heading_deg, 2), "depth_legs": _r(p.depth, 3), "column_px": _r(p.column, 2),
            "height_px": _r(plan.focal * look.height_in_legs / p.depth, 2), "depth_rate": _r(p.depth_rate),
            "in_place": p.in_place, "cadence_hz": _r(p.gait.cadence_hz), "speed_legs_per_s": _r(p.gait.speed),
            "stance_fraction": _r(p.gait.stance_fraction), "step_length_legs": _r(p.gait.step_length),
            "lean_deg": _r(p.gait.lean_deg, 2), "elbow_deg": _r(p.gait.elbow_deg, 2),
            "look": {"leg_share": _r(look.leg_share), "width": _r(look.width), "top": list(look.top),
                     "trousers": list(look.trousers), "skin": list(look.skin), "shorts": look.shorts,
                     "long_sleeves": look.long_sleeves, "stripes": look.stripes, "coat": look.coat},
        })
    return out


def plan_meta(plan: ClipPlan, background: dict) -> dict:
    """JSON-serialisable record of every draw of a clip (what the sidecar stores)."""
    main = plan.people[0]
    occluder = plan.occluder
    exposure = plan.exposure
    return {
        "label": plan.label, "seed": plan.seed, "domain": "real", "randomise": list(plan.options),
        "fps": plan.fps, "num_frames": plan.num_frames, "width": plan.frame_size[0] or plan.width,
        "height": plan.frame_size[1] or plan.height, "picture_size": [plan.width, plan.height],
        "aspect": _r(plan.width / plan.height), "letterbox_rows": plan.letterbox, "hold_frames": plan.hold,
        "direction": "right" if heading_axes(main.heading_deg)[0][0] >= 0 else "left",
        "cadence_hz": _r(main.gait.cadence_hz), "height_px": _r(plan.focal * main.look.height_in_legs / main.depth, 2),
        "height_share": _r(plan.focal * main.look.height_in_legs / main.depth
                           / (plan.frame_size[1] or plan.height)),
        "camera": plan.camera, "pan_px_per_s": _r(plan.pan_speed, 2), "background": background,
        "focal_px": _r(plan.focal, 2), "camera_height_legs": _r(plan.camera_height),
        "horizon_row": _r(plan.horizon, 2), "people": _person_meta(plan), "persons": len(plan.people),
        "visibility": plan.visibility,
        "shake": {"amplitude_px": _r(plan.shake.amplitude, 3), "roll_deg": _r(plan.shake.roll_deg, 3),
                  "zoom": [_r(plan.shake.zoom_start), _r(plan.shake.zoom_end)]},
        "occluder": None if occluder is None else {"kind": occluder.kind, "centre": [_r(c, 2) for c in occluder.centre],
                                                    "size": [_r(s, 2) for s in occluder.size],
                                                    "speed_px_per_s": _r(occluder.speed, 2)},
        "exposure": {"gain": _r(exposure.gain), "contrast": _r(exposure.contrast), "gamma": _r(exposure.gamma),
                     "drift": _r(exposure.drift), "channel_gains": [_r(g) for g in exposure.channel_gains],
                     "saturation": _r(exposure.saturation)},
        "colour": plan.colour, "shadow": _r(plan.shadow),
        "sun_shadow": None if plan.sun is None else [_r(v) for v in plan.sun], "blur_sigma": _r(plan.blur_sigma),
        "noise_sigma": _r(plan.noise_sigma), "chroma_sigma": _r(plan.chroma_sigma),
        "exposure_seconds": _r(plan.exposure_seconds, 6), "subframes": subframe_count(plan),
        "jpeg_quality": plan.jpeg_quality, "jpeg_downscale": _r(plan.jpeg_downscale),
    }


def render_real_clip(label: str, seed: int, options=frozenset(), width: int = 160, height: int = 120,
                     num_frames: int | None = None, seconds: float = DEFAULT_SECONDS,
                     figure: bool = True) -> tuple[np.ndarray, np.ndarray, dict]:
    """Renders one real-camera-domain clip in memory.

    Args:
        label: "walking" or "running".
        seed: int seed; the same arguments give identical arrays.
        options: randomisation names (:data:`engine.synth.domain.OPTIONS`).
        width, height: frame size.
        num_frames: frames, or None for ``seconds`` at the drawn frame rate (at least 32 frames).
        seconds: duration when ``num_frames`` is None.
        figure: False renders the same clip without people.

    Returns:
        frames (N, H, W, 3) uint8 RGB with ``colour``, else (N, H, W) uint8 grey; masks
        (N, H, W) bool (every person's visible pixels); metadata dict (``plan_meta`` plus
        ``visible_frames``).
    """
    plan = plan_clip(label, seed, options, width, height, num_frames, seconds)
    frames, masks, background = render_plan(plan, figure)
    meta = plan_meta(plan, background)
    meta["visible_frames"] = int(masks.reshape(len(masks), -1).any(axis=1).sum())
    return frames, masks, meta


def generate_real_clips(out_dir: str | Path, per_class: int, seed: int, options=frozenset(),
                        classes: tuple[str, ...] = CLASSES, width: int = 160, height: int = 120,
                        num_frames: int | None = None, seconds: float = DEFAULT_SECONDS,
                        progress: bool = True) -> list[Path]:
    """Writes ``per_class`` clips per class as ``DIR/<class>/<class>_NNNNN.avi`` with mask sidecars.

    Clip i of a class uses the seed ``class_clip_seed(seed, CLASSES, label, i)``, as the KTH-like generator.
    """
    if per_class < 1:
        raise UserError(f"--per-class must be at least 1, not {per_class}.")
    unknown = [c for c in classes if c not in CLASSES]
    if unknown or not classes:
        raise UserError(f"Unknown class(es) {unknown}; choose from {', '.join(CLASSES)}.")
    paths = []
    jobs = [(label, i) for label in classes for i in range(per_class)]
    for label, i in tqdm(jobs, desc="synth clips", unit="clip", disable=not progress):
        clip_seed = class_clip_seed(seed, CLASSES, label, i)
        frames, masks, meta = render_real_clip(label, clip_seed, options, width, height, num_frames, seconds)
        meta["index"] = i
        path = Path(out_dir) / label / f"{label}_{i:05d}.avi"
        paths.append(write_clip(path, frames, masks, meta, fps=meta["fps"]))
    return paths
