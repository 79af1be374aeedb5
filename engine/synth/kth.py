"""KTH-like walking and running clips: in memory (:func:`render_clip`) or on disk.

On disk the layout and names are KTH's own: ``DIR/<action>/personNN_<action>_dK_uncomp.avi``
(160x120 grayscale, 25 fps), with a ``_sM`` suffix only when more than 100 clips
per class make names collide, and a ``<stem>.masks.npz`` person-mask sidecar.

Shortcut control: a runner crosses the frame in a second or two, so empty
frames would give the class away. Every clip therefore draws how many frames
show the person from one class-independent distribution (that of a runner's
crossing), and walkers enter or leave the view accordingly.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from engine.errors import UserError
from engine.synth.clipfile import FPS, class_clip_seed, write_clip
from engine.synth.figure import Appearance, draw_figure, pose_to_pixels, sample_appearance
from engine.synth.gait import Gait, sample_gait
from engine.synth.pose import body_pose
from engine.synth.scene import SCENARIOS, apply_zoom, scenario_background, sensor_effects, zoom_schedule

FRAME_WIDTH = 160
FRAME_HEIGHT = 120
DEFAULT_NUM_FRAMES = 40  # 1.6 s at 25 fps: the length the bundled models were trained on
CLASSES = ("walking", "running")
NUM_PERSONS = 25
CLIPS_PER_NAME = NUM_PERSONS * len(SCENARIOS)
HALF_WIDTH_LEGS = 0.8  # the figure's half extent, in leg lengths


def clip_stem(person: int, label: str, scenario: str, sequence: int = 0) -> str:
    """KTH file stem, e.g. ``person07_walking_d2_uncomp``; ``_s2`` etc. for sequence >= 1."""
    stem = f"person{person:02d}_{label}_{scenario}_uncomp"
    return f"{stem}_s{sequence + 1}" if sequence else stem


def _speed_px(gait: Gait, look: Appearance) -> float:
    return gait.speed * look.leg_px / FPS


def _crossing_frames(speed_px: float, look: Appearance) -> float:
    return (FRAME_WIDTH + 2 * HALF_WIDTH_LEGS * look.leg_px) / speed_px


def plan_entry(rng: np.random.Generator, num_frames: int, own_frames: float, reference_frames: float) -> tuple[float, str]:
    """When the person enters the view, so visible-frame counts do not depend on the class.

    Args:
        rng: randomness.
        num_frames: clip length N.
        own_frames: frames this person needs to cross the view.
        reference_frames: crossing frames of a runner (this one, or a virtual one for walkers).

    Returns:
        (entry frame, possibly negative; visibility mode: throughout, crosses, enters, leaves).
    """
    target = min(reference_frames * rng.uniform(0.5, 1.25), reference_frames, own_frames)
    u, coin = rng.uniform(), rng.uniform()
    if target >= num_frames:
        return -u * (own_frames - num_frames), "throughout"
    if target >= own_frames - 1e-6:
        return u * (num_frames - own_frames), "crosses"
    if coin < 0.5:
        return num_frames - target, "enters"
    return target - own_frames, "leaves"


def _clip_appearance(rng: np.random.Generator, scenario: str, appearance: Appearance | None) -> Appearance:
    look = appearance or sample_appearance(rng, coat_probability=0.6 if scenario == "d3" else 0.1)
    distance = rng.uniform(0.9, 1.1)
    return replace(look, height_px=float(np.clip(look.height_px * distance, 50.0, 80.0)))


def _track(rng, label, look, gait, num_frames) -> tuple[np.ndarray, int, str]:
    """(N,) hip x in pixels, facing (+1 right, -1 left) and visibility mode."""
    speed = _speed_px(gait, look)
    own = _crossing_frames(speed, look)
    if label == "running":
        reference = own
    else:
        virtual = sample_gait(True, rng)
        virtual_look = replace(look, height_px=float(rng.uniform(50.0, 80.0)))
        reference = _crossing_frames(_speed_px(virtual, virtual_look), virtual_look)
    entry, mode = plan_entry(rng, num_frames, own, reference)
    facing = 1 if rng.uniform() < 0.5 else -1
    half = HALF_WIDTH_LEGS * look.leg_px
    travelled = speed * (np.arange(num_frames) - entry)
    hip_x = -half + travelled if facing > 0 else FRAME_WIDTH + half - travelled
    return hip_x, facing, mode


def _as_rng(rng: np.random.Generator | int) -> tuple[np.random.Generator, int | None]:
    if isinstance(rng, np.random.Generator):
        return rng, None
    return np.random.default_rng(int(rng)), int(rng)


def render_clip(
    label: str,
    rng: np.random.Generator | int,
    num_frames: int = DEFAULT_NUM_FRAMES,
    *,
    scenario: str | None = None,
    person: int | None = None,
    appearance: Appearance | None = None,
    figure: bool = True,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Renders one KTH-like clip in memory.

    Args:
        label: "walking" or "running".
        rng: a Generator, or an int seed (then stored in the metadata).
        num_frames: N.
        scenario: "d1".."d4" (KTH's scenarios; d2 zooms, d3 changes clothes,
            d4 is indoors); random when None.
        person: person id for the metadata.
        appearance: the person's look; drawn from ``rng`` when None.
        figure: False renders the same clip without the person (same background,
            zoom and noise), for tests and baselines.

    Returns:
        frames (N, 120, 160) uint8, masks (N, 120, 160) bool, metadata dict.
    """
    if label not in CLASSES:
        raise UserError(f"Unknown class {label!r}; choose from {', '.join(CLASSES)}.")
    if num_frames < 2:
        raise UserError(f"A clip needs at least 2 frames, not {num_frames}.")
    rng, seed = _as_rng(rng)
    scenario = scenario or SCENARIOS[int(rng.integers(len(SCENARIOS)))]
    look = _clip_appearance(rng, scenario, appearance)
    gait = sample_gait(label == "running", rng)
    hip_x, facing, mode = _track(rng, label, look, gait, num_frames)
    ground_y = rng.uniform(max(0.74 * FRAME_HEIGHT, look.height_px * 1.1 + 3), FRAME_HEIGHT - 3)
    background = scenario_background(scenario, rng, FRAME_HEIGHT, FRAME_WIDTH, ground_y)
    pose = body_pose(gait, np.arange(num_frames) / FPS, start_phase=rng.uniform())
    points = pose_to_pixels(pose, look, hip_x, ground_y, facing)
    frames = np.repeat(background[None], num_frames, axis=0)
    masks = np.zeros_like(frames)
    if figure:
        for t in range(num_frames):
            draw_figure(frames[t], masks[t], look, {name: xy[t] for name, xy in points.items()})
    zoom = zoom_schedule(rng, num_frames) if scenario == "d2" else np.ones(num_frames)
    centre = (rng.uniform(0.4, 0.6) * FRAME_WIDTH, rng.uniform(0.4, 0.6) * FRAME_HEIGHT)
    apply_zoom(frames, masks, zoom, centre)
    frames = sensor_effects(frames, rng, blur_sigma=rng.uniform(0.3, 0.8), noise_sigma=rng.uniform(2.0, 5.0))
    masks = masks.astype(bool)
    meta = {
        "label": label, "scenario": scenario, "direction": "right" if facing > 0 else "left",
        "speed_px_per_frame": round(_speed_px(gait, look), 4), "cadence_hz": round(gait.cadence_hz, 4),
        "person": person, "zoom": [round(float(z), 4) for z in zoom], "seed": seed,
        "visibility": mode, "visible_frames": int(masks.reshape(num_frames, -1).any(axis=1).sum()),
        "num_frames": num_frames, "fps": FPS, "height_px": round(look.height_px, 2),
        "stance_fraction": round(gait.stance_fraction, 4), "ground_y": round(float(ground_y), 2),
    }
    return frames, masks, meta


def person_appearances(seed: int) -> dict[tuple[int, bool], Appearance]:
    """Each person's look, shared by all actions: (person, in d3) -> appearance.

    As in KTH, a person wears other clothes in d3 but keeps their height.
    """
    looks = {}
    for person in range(1, NUM_PERSONS + 1):
        usual = sample_appearance(np.random.default_rng([seed, 1000 + person]))
        other = sample_appearance(np.random.default_rng([seed, 2000 + person]), coat_probability=0.6)
        looks[(person, False)] = usual
        looks[(person, True)] = replace(other, height_px=usual.height_px)
    return looks


def clip_seed(seed: int, label: str, index: int) -> int:
    """The int seed of clip ``index`` of a class (``render_clip(label, clip_seed(...))`` redoes it)."""
    return class_clip_seed(seed, CLASSES, label, index)


def generate_kth_like(
    out_dir: str | Path,
    per_class: int,
    seed: int,
    classes: tuple[str, ...] = CLASSES,
    num_frames: int | None = None,
    progress: bool = True,
) -> list[Path]:
    """Writes ``per_class`` clips per class in KTH's layout; returns the video paths.

    Clip i of a class shows person i % 25 + 1 in scenario d((i // 25) % 4 + 1), so
    every person appears in every class once ``per_class`` >= 25.
    """
    if per_class < 1:
        raise UserError(f"--per-class must be at least 1, not {per_class}.")
    unknown = [c for c in classes if c not in CLASSES]
    if unknown or not classes:
        raise UserError(f"Unknown class(es) {unknown}; choose from {', '.join(CLASSES)}.")
    num_frames = DEFAULT_NUM_FRAMES if num_frames is None else num_frames
    looks = person_appearances(seed)
    jobs = [(label, i) for label in classes for i in range(per_class)]
    paths = []
    for label, i in tqdm(jobs, desc="synth clips", unit="clip", disable=not progress):
        person, scenario = i % NUM_PERSONS + 1, SCENARIOS[(i // NUM_PERSONS) % len(SCENARIOS)]
        look = looks[(person, scenario == "d3")]
        frames, masks, meta = render_clip(label, clip_seed(seed, label, i), num_frames,
                                          scenario=scenario, person=person, appearance=look)
        stem = clip_stem(person, label, scenario, i // CLIPS_PER_NAME)
        paths.append(write_clip(Path(out_dir) / label / f"{stem}.avi", frames, masks, meta))
    return paths
