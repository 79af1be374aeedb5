"""What one real-camera-domain clip shows: every random draw, made before any pixel is drawn.

:func:`plan_clip` turns (class, seed, options, size, length) into a :class:`ClipPlan`;
:mod:`engine.synth.realclip` renders it. Each part draws from its own stream
(:func:`engine.synth.domain.part_rng`), and nothing but the gait depends on the class:
looks, sizes, views, cameras, scenery, occluders and image effects have one distribution
for both classes. How long the main person is visible does not depend on the class
either (see :func:`engine.synth.kth.plan_entry`), and a tracking camera or a treadmill
removes the speed across the frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.synth.body import Look, kth_look, varied_look
from engine.synth.camera import Shake
from engine.synth.degrade import Exposure
from engine.synth.domain import MIN_FRAMES, part_rng
from engine.synth.gait import Gait, sample_gait, sample_gait_wide
from engine.synth.props import Occluder

KTH_FPS = 25.0
FPS_RANGE = (5, 30)
TRACKING_SHARE = 0.45
TREADMILL_SHARE = 0.15
CROWD_SHARE = 0.35
OCCLUSION_SHARE = 0.3
ASPECTS = (4 / 3, 16 / 9, 64 / 27, 1.0, 9 / 16)  # 4:3, 16:9, 21:9, square, portrait phone
ASPECT_WEIGHTS = (0.35, 0.4, 0.1, 0.07, 0.08)
LETTERBOX_SHARE = 0.15
HOLD_SHARE = 0.15  # with fps: files at 2-3x the camera's rate, every picture repeated
SUN_SHARE = 0.5  # with lighting: a cast shadow from a low sun, else a soft contact shadow
SMALLEST_PERSON = 0.12  # share of the frame height
MAX_SCALE_CHANGE = 1.7  # a walk towards or away from the camera grows or shrinks at most this much


@dataclass(frozen=True)
class PersonPlan:
    """One person: gait, look, heading, and where they stand at the clip's middle instant.

    Attributes:
        gait: the gait (its cadence in Hz is physical, whatever the frame rate).
        look: the look.
        heading_deg: 0 right, 180 left, +90 away from the camera, -90 towards it.
        depth: distance from the camera at the middle instant, leg lengths.
        column: the hip's image column at the middle instant, seen by a fixed camera.
        depth_rate: share of the walking speed that changes the depth (a dolly follows the rest).
        start_phase: stride phase at time 0.
        in_place: on a treadmill (no travel).
    """

    gait: Gait
    look: Look
    heading_deg: float
    depth: float
    column: float
    depth_rate: float
    start_phase: float
    in_place: bool


@dataclass(frozen=True)
class ClipPlan:
    """Everything one clip draws (see the module docstring); JSON-friendly through :func:`plan_meta`."""

    label: str
    seed: int
    options: tuple[str, ...]
    width: int
    height: int
    fps: float
    num_frames: int
    people: tuple[PersonPlan, ...]
    focal: float
    camera_height: float
    horizon: float
    camera: str  # static, tracking or treadmill
    pan_speed: float  # background pan, view pixels per second
    backdrop: str  # photo or procedural:<scenario>
    shake: Shake
    occluder: Occluder | None
    exposure: Exposure
    colour: bool
    shadow: float
    blur_sigma: float
    noise_sigma: float
    chroma_sigma: float
    exposure_seconds: float
    jpeg_quality: int | None
    jpeg_downscale: float
    visibility: str
    belt_grey: int = 60
    frame_size: tuple[int, int] = (0, 0)  # (width, height) of the written frames; (0, 0): the rendered size
    letterbox: int = 0  # black rows above and below the picture in the written frames
    hold: int = 1  # each picture is written this many times (a file whose rate exceeds the camera's)
    sun: tuple[float, float] | None = None  # (shear, squash) of cast shadows, or None for soft contact shadows


def clip_length(fps: float, seconds: float, num_frames: int | None) -> int:
    """Frames of a clip: ``num_frames`` when given, else ceil(seconds * fps), at least ``MIN_FRAMES``."""
    return int(num_frames) if num_frames else max(math.ceil(seconds * fps - 1e-9), MIN_FRAMES)


def draw_fps(options: frozenset, seed: int) -> float:
    """25 fps, or an integer rate drawn from 5-30 fps with ``fps``."""
    return float(part_rng(seed, "fps").integers(FPS_RANGE[0], FPS_RANGE[1] + 1)) if "fps" in options else KTH_FPS


def draw_gait(running: bool, options: frozenset, rng: np.random.Generator) -> Gait:
    return sample_gait_wide(running, rng) if "pace" in options else sample_gait(running, rng)


def draw_look(options: frozenset, rng: np.random.Generator) -> Look:
    return varied_look(rng) if "clothing" in options else kth_look(rng)


def draw_height_share(options: frozenset, rng: np.random.Generator) -> float:
    """Standing height / frame height: 0.12-1.0 log-uniform with ``scale`` (median 0.35; the real clips' people
    are 12-60% of the frame), else KTH's 50-80 px of 120 at 0.9-1.1 distance."""
    if "scale" in options:
        return float(np.exp(rng.uniform(np.log(SMALLEST_PERSON), 0.0)))
    return float(np.clip(rng.uniform(50.0, 80.0) * rng.uniform(0.9, 1.1), 50.0, 80.0) / 120.0)


def draw_heading(options: frozenset, rng: np.random.Generator) -> float:
    """Heading in degrees: side views only (0 or 180), or with ``view`` side, oblique and frontal."""
    right = rng.uniform() < 0.5
    if "view" not in options:
        return 0.0 if right else 180.0
    kind = rng.uniform()
    off_side = rng.uniform(0, 15) if kind < 0.35 else rng.uniform(15, 55) if kind < 0.75 else rng.uniform(55, 82)
    away = rng.uniform() < 0.5
    heading = off_side if away else -off_side
    return float(heading if right else 180.0 - heading)


def draw_camera_mode(options: frozenset, rng: np.random.Generator) -> str:
    """static, tracking (``tracking``) or treadmill (``treadmill``), each class alike."""
    u = rng.uniform()
    if "treadmill" in options and u < TREADMILL_SHARE:
        return "treadmill"
    if "tracking" in options and rng.uniform() < TRACKING_SHARE:
        return "tracking"
    return "static"
