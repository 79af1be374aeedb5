"""Staging a real-camera-domain clip: where people stand and walk, the camera, the scenery and the effects.

:func:`plan_clip` is the one entry point; the parts it draws are described in
:mod:`engine.synth.realplan`.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from engine.errors import UserError
from engine.synth.camera import NO_SHAKE, draw_shake
from engine.synth.degrade import Exposure, draw_lighting, draw_white_balance
from engine.synth.domain import DEFAULT_SECONDS, OPTIONS, part_rng
from engine.synth.kth import CLASSES, plan_entry
from engine.synth.projection import heading_axes
from engine.synth.props import Occluder, draw_occluder
from engine.synth.realplan import (
    ASPECT_WEIGHTS,
    ASPECTS,
    CROWD_SHARE,
    HOLD_SHARE,
    LETTERBOX_SHARE,
    MAX_SCALE_CHANGE,
    OCCLUSION_SHARE,
    SUN_SHARE,
    ClipPlan,
    PersonPlan,
    clip_length,
    draw_camera_mode,
    draw_fps,
    draw_gait,
    draw_heading,
    draw_height_share,
    draw_look,
)
from engine.synth.scene import SCENARIOS

HALF_WIDTH_LEGS = 0.8  # a figure's half extent, leg lengths (as engine.synth.kth)
GROUND_FROM = 0.55  # the main person's feet are in the lowest 45% of the frame (or lower, when tall)


def _depth_rate(speed: float, heading_deg: float, depth: float, duration: float) -> float:
    """Share of the speed that changes the depth, so the scale changes at most ``MAX_SCALE_CHANGE``-fold."""
    change = abs(speed * heading_axes(heading_deg)[0][1]) * duration / 2
    allowed = depth * (1.0 - 1.0 / MAX_SCALE_CHANGE)
    return 1.0 if change <= allowed else allowed / change


def _columns(speed_px: float, frames: int, fps: float, entry: float, half: float, width: int, right: bool):
    """(frames,) hip column of a person entering the view at frame ``entry`` (fixed camera)."""
    column = -half + speed_px * (np.arange(frames) - entry) / fps
    return column if right else width - column


def _place_main(label, gait, look, heading, share, mode, options, seed, width, height, focal, fps, frames):
    """(the main person's plan, visibility mode, a column the person passes).

    Whether a person crosses the view or stays in it is decided by a runner's image speed
    (the person's own when running, a drawn runner's when walking), and so is how long a
    crossing person is visible (:func:`engine.synth.kth.plan_entry`): neither tells the class.
    """
    rng = part_rng(seed, "place")
    depth = focal * look.height_in_legs / (share * height)
    speed = 0.0 if mode == "treadmill" else gait.speed
    duration = (frames - 1) / fps
    rate = _depth_rate(speed, heading, depth, duration)
    speed_px = abs(focal * speed * heading_axes(heading)[0][0] / depth)
    half = HALF_WIDTH_LEGS * focal / depth
    middle = (frames - 1) / 2
    start_phase = float(part_rng(seed, "phase").uniform())
    runner = gait if label == "running" else draw_gait(True, options, rng)  # the class-independent reference
    runner_px = abs(focal * runner.speed * heading_axes(heading)[0][0] / depth)
    if mode != "static" or runner_px * duration < 0.5 * width:
        column = float(rng.uniform(0.3, 0.7) * width)
        person = PersonPlan(gait, look, heading, depth, column, rate, start_phase, mode == "treadmill")
        return person, "throughout" if mode == "static" else mode, column
    own = (width + 2 * half) / speed_px * fps
    entry, visibility = plan_entry(rng, frames, own, (width + 2 * half) / runner_px * fps)
    columns = _columns(speed_px, frames, fps, entry, half, width, heading_axes(heading)[0][0] > 0)
    seen = np.flatnonzero((columns > 0) & (columns < width))
    near = float(columns[seen[int(rng.integers(len(seen)))]] if len(seen) else width / 2)
    column = float(np.interp(middle, np.arange(frames), columns))
    return PersonPlan(gait, look, heading, depth, column, rate, start_phase, False), visibility, near


def _crowd(label, main: PersonPlan, options, seed, width, duration) -> list[PersonPlan]:
    """Up to three more people of the same action, at other depths and headings."""
    rng = part_rng(seed, "crowd")
    if "crowd" not in options or rng.uniform() >= CROWD_SHARE:
        return []
    people = []
    for _ in range(int(rng.integers(1, 4))):
        gait, look = draw_gait(label == "running", options, rng), draw_look(options, rng)
        heading = main.heading_deg + rng.uniform(-25, 25) + (180.0 if rng.uniform() < 0.4 else 0.0)
        depth = main.depth * rng.uniform(0.75, 2.5)
        column = rng.uniform(-0.1, 1.1) * width
        speed = 0.0 if main.in_place else gait.speed
        people.append(PersonPlan(gait, look, float(heading), float(depth), float(column),
                                 _depth_rate(speed, heading, depth, duration), float(rng.uniform()), main.in_place))
    return people


def _image_effects(options, seed) -> dict:
    """Exposure, colour, shadow, optics, noise, motion-blur exposure time and compression of a clip."""
    fields = {}
    if "lighting" in options:
        fields.update(draw_lighting(part_rng(seed, "lighting")))
    if "colour" in options:
        fields.update(draw_white_balance(part_rng(seed, "colour")))
    noise, shadow = part_rng(seed, "noise"), part_rng(seed, "shadow")
    rough = "noise" in options
    compression = part_rng(seed, "compression")
    blur = part_rng(seed, "blur")
    return {
        "exposure": Exposure(**fields), "colour": "colour" in options,
        "shadow": float(shadow.uniform(0.2, 0.6)) if "lighting" in options else 0.0,
        "sun": (float(shadow.uniform(-1.5, 1.5)), float(shadow.uniform(0.1, 0.45)))
        if "lighting" in options and shadow.uniform() < SUN_SHARE else None,
        "blur_sigma": float(noise.uniform(0.0, 0.8) if rough else noise.uniform(0.3, 0.8)),
        "noise_sigma": float(math.exp(noise.uniform(math.log(0.5), math.log(10.0))) if rough
                             else noise.uniform(2.0, 5.0)),
        "chroma_sigma": float(noise.uniform(0.0, 4.0)) if rough and "colour" in options else 0.0,
        "exposure_seconds": float(math.exp(blur.uniform(math.log(1 / 1000), math.log(1 / 25))))
        if "blur" in options else 0.0,
        "jpeg_quality": int(round(92 - 80 * compression.uniform() ** 2)) if "compression" in options else None,
        "jpeg_downscale": float(compression.uniform(0.5, 0.9)) if "compression" in options
        and compression.uniform() < 0.4 else 1.0,
    }


def _check(label: str, options: frozenset, width: int, height: int) -> None:
    if label not in CLASSES:
        raise UserError(f"Unknown class {label!r}; choose from {', '.join(CLASSES)}.")
    if options - set(OPTIONS):
        raise UserError(f"Unknown randomisation(s) {sorted(options - set(OPTIONS))}.")
    if width < 16 or height < 16:
        raise UserError(f"Frames must be at least 16x16 pixels, not {width}x{height}.")


def _scenery(options, seed, width, height, near, ground, person_px, pan, duration) -> dict:
    """Backdrop kind, occluder and camera shake of a clip."""
    scenery = part_rng(seed, "backdrop")
    backdrop = "photo" if "backgrounds" in options else f"procedural:{SCENARIOS[(0, 2, 3)[int(scenery.integers(3))]]}"
    occluder_rng = part_rng(seed, "occluder")
    occluder = None
    if "occlusion" in options and occluder_rng.uniform() < OCCLUSION_SHARE:
        occluder = draw_occluder(occluder_rng, height, width, near, pan, ground, person_px)
        occluder = _centred_at_middle(occluder, duration)
    shake = draw_shake(part_rng(seed, "shake"), width) if "shake" in options else NO_SHAKE
    return {"backdrop": backdrop, "occluder": occluder, "shake": shake,
            "belt_grey": int(part_rng(seed, "belt").integers(25, 110))}


def _hold(options: frozenset, seed: int, fps: float) -> int:
    """How many times each picture is written: 2 or 3 in ``HOLD_SHARE`` of ``fps`` clips (camera at >= 5 fps)."""
    rng = part_rng(seed, "hold")
    if "fps" not in options or rng.uniform() >= HOLD_SHARE:
        return 1
    return int(max(1, min(int(rng.integers(2, 4)), fps // 5)))


def _canvas(options: frozenset, seed: int, width: int, height: int) -> tuple[int, int, int]:
    """(picture width, picture height, letterbox rows): with ``aspect`` the camera's own aspect ratio.

    The picture is rendered at the camera's aspect ratio and later resized into the written
    frame, as a reader resizes any video to its model's input; a letterboxed picture keeps
    black rows above and below.
    """
    if "aspect" not in options:
        return width, height, 0
    rng = part_rng(seed, "aspect")
    aspect = ASPECTS[int(rng.choice(len(ASPECTS), p=ASPECT_WEIGHTS))]
    bars = int(round(rng.uniform(0.06, 0.14) * height)) if rng.uniform() < LETTERBOX_SHARE else 0
    picture = max(16, height - 2 * bars)
    return max(16, int(round(picture * aspect))), picture, (height - picture) // 2


def plan_clip(label: str, seed: int, options=frozenset(), width: int = 160, height: int = 120,
              num_frames: int | None = None, seconds: float = DEFAULT_SECONDS) -> ClipPlan:
    """Draws every random choice of one clip.

    Args:
        label: "walking" or "running".
        seed: the clip's seed; the same (label, seed, options, size, length) give the same plan.
        options: names from :data:`engine.synth.domain.OPTIONS`.
        width, height: frame size in pixels.
        num_frames: frames; None takes ``seconds`` at the clip's frame rate (at least ``MIN_FRAMES``).
        seconds: clip duration when ``num_frames`` is None.
    """
    options = frozenset(options)
    _check(label, options, width, height)
    frame_size = (width, height)
    width, height, letterbox = _canvas(options, seed, width, height)
    fps = draw_fps(options, seed)
    frames = clip_length(fps, seconds, num_frames)
    if frames < 2:
        raise UserError(f"A clip needs at least 2 frames, not {frames}.")
    view = part_rng(seed, "view")
    heading, mode = draw_heading(options, view), draw_camera_mode(options, part_rng(seed, "camera"))
    focal = height * (view.uniform(1.0, 1.8) if "view" in options else 1.4)
    camera_height = float(np.exp(view.uniform(np.log(0.6), np.log(5.0))) if "view" in options
                          else view.uniform(0.9, 1.3))  # leg lengths: knee height to a first-floor window
    gait = draw_gait(label == "running", options, part_rng(seed, "gait"))
    share = draw_height_share(options, part_rng(seed, "scale"))
    main, visibility, near = _place_main(label, gait, draw_look(options, part_rng(seed, "look")), heading, share,
                                         mode, options, seed, width, height, focal, fps, frames)
    lowest = min(max(share * 1.02, GROUND_FROM) * height + 1, height - 2)
    ground = part_rng(seed, "ground").uniform(lowest, height - 1)
    duration = (frames - 1) / fps
    people = [main] + _crowd(label, main, options, seed, width, duration)
    pan = part_rng(seed, "pan").uniform(0.1, 0.5) * width * heading_axes(heading)[0][0] if mode == "tracking" else 0.0
    scenery = _scenery(options, seed, width, height, near, ground, share * height, pan, duration)
    return ClipPlan(label, int(seed), tuple(sorted(options)), width, height, fps, frames, tuple(people), focal,
                    camera_height, float(ground - focal * camera_height / main.depth), mode, float(pan),
                    visibility=visibility, frame_size=frame_size, letterbox=letterbox, hold=_hold(options, seed, fps),
                    **scenery,
                    **_image_effects(options, seed))


def _centred_at_middle(occluder: Occluder, duration: float) -> Occluder:
    """The occluder moved so that it reaches its drawn column at the clip's middle instant."""
    x, y = occluder.centre
    return replace(occluder, centre=(x - occluder.speed * duration / 2, y))
