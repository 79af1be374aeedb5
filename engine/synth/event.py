"""The event task: the class ("up" or "down") is decided only by a short event.

After the box experiment of Ismail et al. (NeurIPS 2019), used to measure
vanishing saliency: a white square appears in a chosen third of the clip
(early, middle or late) and moves up or down for 3-4 frames, while grey
distractor discs wander the whole time over a noisy background. Outside the
event the square is absent, so frames outside the window do not depend on the
class: the same seed with the other label gives identical frames there.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from engine.errors import UserError
from engine.synth.clipfile import class_clip_seed, write_clip
from engine.synth.scene import sensor_effects, smooth_noise

EVENT_CLASSES = ("up", "down")
POSITIONS = ("early", "middle", "late")
TARGET_GREY = 255
STEP_PX = 3


def event_window(position: str, num_frames: int) -> tuple[int, int]:
    """[start, stop) frames of the early, middle or late third."""
    if position not in POSITIONS:
        raise UserError(f"Unknown position {position!r}; choose from {', '.join(POSITIONS)}.")
    bounds = np.linspace(0, num_frames, 4).round().astype(int)
    index = POSITIONS.index(position)
    return int(bounds[index]), int(bounds[index + 1])


def _distractor_paths(rng: np.random.Generator, num_frames: int, size: int, count: int) -> np.ndarray:
    """(count, N, 2) centres of discs in a bounded random walk."""
    position = rng.uniform(0.15 * size, 0.85 * size, (count, 2))
    velocity = rng.uniform(-2.0, 2.0, (count, 2))
    paths = np.empty((count, num_frames, 2))
    for t in range(num_frames):
        paths[:, t] = position
        velocity = np.clip(velocity + rng.normal(0.0, 0.7, (count, 2)), -3.0, 3.0)
        position = position + velocity
        low, high = 0.1 * size, 0.9 * size
        velocity = np.where((position < low) | (position > high), -velocity, velocity)
        position = np.clip(position, low, high)
    return paths


def render_event_clip(
    label: str,
    position: str,
    rng: np.random.Generator | int,
    num_frames: int = 16,
    size: int = 64,
    *,
    event: bool = True,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Renders one event clip in memory.

    Args:
        label: "up" or "down".
        position: "early", "middle" or "late": the third of the clip holding the event.
        rng: a Generator, or an int seed (then stored in the metadata).
        num_frames: N, at least 9.
        size: height and width in pixels, at least 24.
        event: False renders the same clip without the moving square.

    Returns:
        frames (N, size, size) uint8, masks (N, size, size) bool (the square's
        pixels in the event frames), metadata dict.
    """
    if label not in EVENT_CLASSES:
        raise UserError(f"Unknown class {label!r}; choose from {', '.join(EVENT_CLASSES)}.")
    if num_frames < 9 or size < 24:
        raise UserError(f"The event task needs at least 9 frames and 24 pixels (got {num_frames}, {size}).")
    seed = None if isinstance(rng, np.random.Generator) else int(rng)
    rng = rng if seed is None else np.random.default_rng(seed)
    start, stop = event_window(position, num_frames)
    length = int(rng.integers(3, 5))
    first = int(rng.integers(start, max(start, stop - length) + 1))
    event_frames = list(range(first, min(first + length, stop)))
    half = max(2, size // 24)
    travel = STEP_PX * (len(event_frames) - 1)
    centre = rng.uniform([half + 2, half + 2 + travel], [size - half - 3, size - half - 3 - travel])
    background = 90 + 25 * smooth_noise(rng, size, size, (4, 4)) + 10 * smooth_noise(rng, size, size, (16, 16))
    frames = np.repeat(np.clip(background, 0, 255).astype(np.uint8)[None], num_frames, axis=0)
    paths = _distractor_paths(rng, num_frames, size, int(rng.integers(3, 6)))
    greys = rng.integers(120, 200, len(paths))
    for disc, grey in zip(paths, greys):
        for t in range(num_frames):
            cv2.circle(frames[t], tuple(np.round(disc[t] * 16).astype(int)), 16 * half, int(grey), -1, cv2.LINE_AA, 4)
    masks = np.zeros_like(frames)
    sign = -1 if label == "up" else 1
    for k, t in enumerate(event_frames if event else []):
        x, y = centre[0], centre[1] + sign * (STEP_PX * k - travel / 2)
        corners = (round(x - half), round(y - half)), (round(x + half), round(y + half))
        cv2.rectangle(frames[t], *corners, TARGET_GREY, -1)
        cv2.rectangle(masks[t], *corners, 1, -1)
    frames = sensor_effects(frames, rng, blur_sigma=0.0, noise_sigma=8.0)
    meta = {"label": label, "position": position, "event_frames": event_frames, "seed": seed,
            "num_frames": num_frames, "size": size}
    return frames, masks.astype(bool), meta


def event_clip_seed(seed: int, label: str, index: int) -> int:
    """The int seed of event clip ``index`` of a class (``render_event_clip(..., event_clip_seed(...))`` redoes it)."""
    return class_clip_seed(seed, EVENT_CLASSES, label, index)


def generate_event_clips(
    out_dir: str | Path,
    per_class: int,
    seed: int,
    position: str,
    num_frames: int = 16,
    size: int = 64,
    progress: bool = True,
) -> list[Path]:
    """Writes ``DIR/up/eventNNNN.avi`` and ``DIR/down/eventNNNN.avi`` with mask sidecars."""
    if per_class < 1:
        raise UserError(f"--per-class must be at least 1, not {per_class}.")
    event_window(position, num_frames)
    jobs = [(label, i) for label in EVENT_CLASSES for i in range(per_class)]
    paths = []
    for label, i in tqdm(jobs, desc="event clips", unit="clip", disable=not progress):
        frames, masks, meta = render_event_clip(label, position, event_clip_seed(seed, label, i), num_frames, size)
        paths.append(write_clip(Path(out_dir) / label / f"event{i:04d}.avi", frames, masks, meta))
    return paths
