"""The bundled sample clips: walking and running, both directions, one zoom (KTH's d2).

Written as VP8 ``.webm`` (plays in Chromium) with the usual mask sidecar. Each
sample is the first seed (from ``seed`` upwards) whose clip matches the wanted
class, direction and scenario and shows the person in most frames.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.errors import UserError
from engine.synth.clipfile import write_clip
from engine.synth.kth import render_clip

SAMPLES = (
    ("walking_right", "walking", "right", "d1"),
    ("walking_left", "walking", "left", "d4"),
    ("running_right", "running", "right", "d3"),
    ("running_left", "running", "left", "d1"),
    ("walking_zoom", "walking", "right", "d2"),
    ("running_zoom", "running", "left", "d2"),
)


def find_sample(label: str, direction: str, scenario: str, seed: int, num_frames: int, min_visible: float = 0.85,
                tries: int = 500) -> tuple[np.ndarray, np.ndarray, dict]:
    """The first clip from ``seed`` upwards with the wanted class, direction and scenario."""
    for offset in range(tries):
        frames, masks, meta = render_clip(label, seed + offset, num_frames, scenario=scenario)
        if meta["direction"] == direction and meta["visible_frames"] >= min_visible * num_frames:
            return frames, masks, meta
    raise UserError(f"No {label} {direction} clip found in {tries} seeds from {seed}.")


def write_sample_clips(out_dir: str | Path, seed: int = 100, num_frames: int = 48) -> list[Path]:
    """Writes the sample clips (see ``SAMPLES``) and their mask sidecars to ``out_dir``."""
    paths = []
    for index, (name, label, direction, scenario) in enumerate(SAMPLES):
        frames, masks, meta = find_sample(label, direction, scenario, seed + 1000 * index, num_frames)
        paths.append(write_clip(Path(out_dir) / f"{name}.webm", frames, masks, meta))
    return paths
