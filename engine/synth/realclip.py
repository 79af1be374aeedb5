"""Rendering a real-camera-domain clip from its :class:`~engine.synth.realplan.ClipPlan`.

Per frame (and per sub-frame instant of the exposure when motion blur is on): the
background crop, soft shadows, the people from far to near, the occluder. Then the camera
(shake and zoom), exposure and white balance, grey conversion for a grey clip, optics and
sensor noise, and JPEG re-encoding. The mask marks every person's visible pixels at the
middle of each frame's exposure, moved by the same camera warp, and never the occluder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from engine.synth.body import draw_person
from engine.synth.camera import shake_matrices, tracking_shift, warp_frames
from engine.synth.degrade import Exposure, expose, frames_to_grey, jpeg_recode, optics_and_noise
from engine.synth.domain import part_rng
from engine.synth.photos import Backdrop, backgrounds_dir, load_photos, plan_photo, procedural_image, render_backdrop
from engine.synth.pose import body_pose
from engine.synth.projection import Pinhole, heading_axes, project_person
from engine.synth.props import cast_shadow, cast_sun_shadow, paint_belt, paint_occluder, shadow_sprite
from engine.synth.realplan import ClipPlan, PersonPlan

MAX_SUBFRAMES = 5
PX_PER_SUBFRAME = 3.0


@dataclass(frozen=True)
class PersonTrack:
    """A person's image geometry at every rendered instant (frames x sub-frames, flattened).

    Attributes:
        points: joint -> (M, 2) int32 fixed-point positions.
        px_per_leg: (M,) pixels per leg length.
        feet: (M, 2) float image position of the ground under the hip.
        depth: (M,) distance from the camera.
    """

    points: dict[str, np.ndarray]
    px_per_leg: np.ndarray
    feet: np.ndarray
    depth: np.ndarray


def subframe_count(plan: ClipPlan) -> int:
    """Odd number of instants sampling each exposure: one per 3 px of the fastest motion, at most 5."""
    if plan.exposure_seconds <= 0:
        return 1
    main = plan.people[0]
    limb_px_per_s = 3.0 * main.gait.speed * plan.focal / main.depth + abs(plan.pan_speed)
    count = min(MAX_SUBFRAMES, max(1, math.ceil(limb_px_per_s * plan.exposure_seconds / PX_PER_SUBFRAME)))
    return count if count % 2 else count + 1


def instants(plan: ClipPlan) -> np.ndarray:
    """(N, K) seconds of every rendered instant: K spread over each frame's exposure."""
    k = subframe_count(plan)
    offsets = (np.arange(k) - (k - 1) / 2) / max(k, 1) * plan.exposure_seconds
    return np.arange(plan.num_frames)[:, None] / plan.fps + offsets[None, :]


def _roots(person: PersonPlan, plan: ClipPlan, times: np.ndarray) -> np.ndarray:
    """(M, 2) ground position (X, Z) of the person's hip at ``times``."""
    forward = heading_axes(person.heading_deg)[0]
    speed = 0.0 if person.in_place else person.gait.speed
    middle = (plan.num_frames - 1) / 2 / plan.fps
    x_mid = (person.column - plan.width / 2) * person.depth / plan.focal
    x = x_mid + speed * forward[0] * (times - middle)
    z = person.depth + person.depth_rate * speed * forward[1] * (times - middle)
    return np.stack([x, z], axis=1)


def track_person(person: PersonPlan, plan: ClipPlan, times: np.ndarray, shift: np.ndarray) -> PersonTrack:
    """A person's projected joints, scale and feet at ``times`` (seconds, flattened), shifted by ``shift``."""
    camera = Pinhole(plan.focal, plan.width / 2, plan.horizon, plan.camera_height)
    root = _roots(person, plan, times)
    pose = body_pose(person.gait, times, person.start_phase)
    points, px_per_leg = project_person(pose, root, person.heading_deg, camera, person.look.width, shift)
    feet_u = camera.centre_x + camera.focal * root[:, 0] / root[:, 1] - shift
    feet_v = camera.horizon + camera.focal * camera.height / root[:, 1]
    return PersonTrack(points, px_per_leg, np.stack([feet_u, feet_v], axis=1), root[:, 1])


def camera_shift(plan: ClipPlan, times: np.ndarray) -> np.ndarray:
    """(M,) column shift of every person: 0 for a fixed camera, the follow of the main person when tracking."""
    if plan.camera != "tracking":
        return np.zeros(len(times))
    root = _roots(plan.people[0], plan, times)
    column = plan.width / 2 + plan.focal * root[:, 0] / root[:, 1]
    return tracking_shift(column, times, plan.width, part_rng(plan.seed, "tracking"))


def backgrounds(plan: ClipPlan, times: np.ndarray, ground_row: float) -> tuple[np.ndarray, dict]:
    """(M, H, W, 3) background of every instant, and where it comes from (source, scale, left, top, pan)."""
    rng = part_rng(plan.seed, "backdrop-image")
    duration = (plan.num_frames - 1) / plan.fps
    wanted = abs(plan.pan_speed) * duration
    if plan.backdrop == "photo":
        photos = load_photos(str(backgrounds_dir()))
        backdrop, room = plan_photo(rng, photos, plan.height, plan.width, wanted)
        image = dict(photos)[backdrop.source]
        if plan.colour and np.abs(image[..., 0].astype(np.int16) - image[..., 2]).mean() < 2:
            tint = rng.uniform(0.85, 1.15, 3).astype(np.float32)  # a grey texture photograph gets a colour
            image = np.clip(image * tint, 0, 255).astype(np.uint8)
    else:
        room = math.ceil(wanted)
        image = procedural_image(rng, plan.backdrop.split(":")[1], plan.height, plan.width + room, ground_row,
                                 plan.colour)
        backdrop = Backdrop(plan.backdrop, 1.0, 0.0, 0.0)
    speed = math.copysign(room / duration, plan.pan_speed) if wanted > 0 else 0.0
    offsets = speed * times
    offsets = offsets - offsets.min() if len(offsets) else offsets
    described = {"source": backdrop.source, "scale": round(backdrop.scale, 6), "left": round(backdrop.left, 4),
                 "top": round(backdrop.top, 4), "pan_px": round(float(offsets.max()) if len(offsets) else 0.0, 3)}
    return render_backdrop(image, backdrop, offsets, plan.height, plan.width), described


def _shadow(image, plan: ClipPlan, person: PersonPlan, track: PersonTrack, index: int, sprite) -> None:
    """A soft contact shadow, or the silhouette thrown by a low sun."""
    leg = float(track.px_per_leg[index])
    if plan.sun is None:
        cast_shadow(image, sprite, tuple(track.feet[index]), (0.55 * leg * person.look.width, 0.1 * leg), plan.shadow)
        return
    silhouette = np.zeros(image.shape[:2], dtype=np.uint8)
    points = {name: xy[index] for name, xy in track.points.items()}
    draw_person(None, silhouette, person.look, points, leg, False)
    cast_sun_shadow(image, silhouette, float(track.feet[index][1]), plan.sun[0], plan.sun[1], plan.shadow)


def _paint_instant(image, mask, plan: ClipPlan, tracks: list[PersonTrack], index: int, t: float, sprite) -> None:
    """Draws shadows, people (far first) and the occluder of one instant into ``image`` (and ``mask``)."""
    order = sorted(range(len(tracks)), key=lambda p: -tracks[p].depth[index])
    for p in order:
        track = tracks[p]
        if plan.people[p].in_place:
            paint_belt(image, tuple(track.feet[index]), float(track.px_per_leg[index]), plan.belt_grey)
        if plan.shadow > 0:
            _shadow(image, plan, plan.people[p], track, index, sprite)
    for p in order:
        track, person = tracks[p], plan.people[p]
        points = {name: xy[index] for name, xy in track.points.items()}
        back = heading_axes(person.heading_deg)[0][1] > 0.3
        draw_person(image, mask, person.look, points, float(track.px_per_leg[index]), back)
    if plan.occluder is not None:
        paint_occluder(image, mask, plan.occluder, t)


def compose(plan: ClipPlan, figure: bool = True) -> tuple[np.ndarray, np.ndarray, dict]:
    """The clip before the camera's image effects.

    Returns:
        frames (N, H, W, 3) uint8 RGB, masks (N, H, W) uint8, the background's source (see :func:`backgrounds`).
    """
    times = instants(plan)
    n, k = times.shape
    flat = times.ravel()
    shift = camera_shift(plan, flat)
    tracks = [track_person(p, plan, flat, shift) for p in plan.people] if figure else []
    ground_row = plan.horizon + plan.focal * plan.camera_height / plan.people[0].depth
    backs, described = backgrounds(plan, flat, ground_row)
    frames = np.empty((n, plan.height, plan.width, 3), dtype=np.uint8)
    masks = np.zeros((n, plan.height, plan.width), dtype=np.uint8)
    sprite = shadow_sprite()
    for i in range(n):
        total = None
        for j in range(k):
            image, index = backs[i * k + j], i * k + j
            _paint_instant(image, masks[i] if j == k // 2 else None, plan, tracks, index, times[i, j], sprite)
            total = image.astype(np.float32) if total is None else total + image
        frames[i] = image if k == 1 else np.round(total / k).astype(np.uint8)
    return frames, masks, described


def render_plan(plan: ClipPlan, figure: bool = True) -> tuple[np.ndarray, np.ndarray, dict]:
    """Frames and masks of a planned clip.

    Args:
        plan: from :func:`engine.synth.staging.plan_clip`.
        figure: False leaves the people out (same scenery, camera and effects).

    Returns:
        frames (N, H, W, 3) uint8 RGB, or (N, H, W) uint8 grey when the plan is not in colour;
        masks (N, H, W) bool; the background's source.
    """
    if plan.hold > 1:
        return _held(plan, figure)
    frames, masks, described = compose(plan, figure)
    times = np.arange(plan.num_frames) / plan.fps
    if plan.shake.amplitude > 0 or plan.shake.zoom_start != 1.0 or plan.shake.zoom_end != 1.0:
        warp_frames(frames, masks, shake_matrices(plan.shake, times, plan.height, plan.width))
    if plan.exposure != Exposure():
        frames = expose(frames, plan.exposure, times)
    if not plan.colour:
        frames = frames_to_grey(frames)
    noise = part_rng(plan.seed, "noise-pixels")
    frames = optics_and_noise(frames, noise, plan.blur_sigma, plan.noise_sigma, plan.chroma_sigma)
    if plan.jpeg_quality is not None:
        frames = jpeg_recode(frames, plan.jpeg_quality, plan.jpeg_downscale)
    frames, masks = to_frame_size(frames, masks, plan)
    return frames, masks.astype(bool), described


def _held(plan: ClipPlan, figure: bool) -> tuple[np.ndarray, np.ndarray, dict]:
    """A camera at fps / hold whose every picture is written ``hold`` times (identical frames)."""
    camera = replace(plan, fps=plan.fps / plan.hold, num_frames=math.ceil(plan.num_frames / plan.hold), hold=1)
    frames, masks, described = render_plan(camera, figure)
    keep = np.arange(plan.num_frames) // plan.hold
    return frames[keep], masks[keep], described


def to_frame_size(frames: np.ndarray, masks: np.ndarray, plan: ClipPlan) -> tuple[np.ndarray, np.ndarray]:
    """Resizes the rendered pictures (and masks) into the written frame size, with letterbox rows."""
    width, height = plan.frame_size
    if (width, height) in ((0, 0), (plan.width, plan.height)):
        return frames, masks
    picture = (width, height - 2 * plan.letterbox)
    out = np.zeros((len(frames), height, width) + frames.shape[3:], dtype=np.uint8)
    out_masks = np.zeros((len(frames), height, width), dtype=np.uint8)
    rows = slice(plan.letterbox, plan.letterbox + picture[1])
    for i, (frame, mask) in enumerate(zip(frames, masks)):
        out[i, rows] = cv2.resize(frame, picture, interpolation=cv2.INTER_AREA).reshape(out[i, rows].shape)
        out_masks[i, rows] = cv2.resize(mask, picture, interpolation=cv2.INTER_NEAREST)
    return out, out_masks
