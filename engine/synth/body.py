"""Colour people for the real-camera domain: their look and how one frame of them is drawn.

Points come from :mod:`engine.synth.projection` (fixed-point image positions of the joints,
with a left and a right hip and shoulder), so the same drawing serves side, oblique, front
and back views. The person's mask gets exactly the strokes the frame gets, without
anti-aliasing.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import cv2
import numpy as np

from engine.synth.figure import LEG_SHARE_OF_HEIGHT, SUBPIXEL_BITS, WIDTHS
from engine.synth.gait import HEAD_RADIUS

RGB = tuple[int, int, int]
FAR_SIDE_SHADE = 0.8


@dataclass(frozen=True)
class Look:
    """How one person looks; the same distribution for every class.

    Attributes:
        leg_share: hip height / standing height.
        width: multiplier of the limb and torso stroke widths (build).
        head: multiplier of the head radius.
        skin, hair, top, trousers, shoes, stripe: RGB colours.
        long_sleeves: forearms in the top's colour, else skin.
        shorts: shanks in skin colour.
        stripes: number of stripes across the top (0 for a plain top).
        coat: a coat over the torso and the upper thighs (the top's colour).
        skirt: a skirt or dress from the hips to above the knees (the trousers' colour; bare shanks).
        shading: darkening of each limb's edges (a rounded look), 0 for flat strokes.
    """

    leg_share: float
    width: float
    head: float
    skin: RGB
    hair: RGB
    top: RGB
    trousers: RGB
    shoes: RGB
    stripe: RGB
    long_sleeves: bool
    shorts: bool
    stripes: int
    coat: bool
    skirt: bool = False
    shading: float = 0.0

    @property
    def height_in_legs(self) -> float:
        return 1.0 / self.leg_share


def _grey(level: float) -> RGB:
    g = int(np.clip(level, 0, 255))
    return (g, g, g)


def _clothing_colour(rng: np.random.Generator) -> RGB:
    """Mostly dark or muted colours, sometimes bright sportswear."""
    hue = rng.uniform()
    sat = rng.choice([rng.uniform(0.0, 0.2), rng.uniform(0.2, 0.6), rng.uniform(0.6, 1.0)], p=[0.4, 0.35, 0.25])
    val = rng.choice([rng.uniform(0.08, 0.35), rng.uniform(0.35, 0.95)], p=[0.4, 0.6])
    return tuple(int(round(255 * c)) for c in colorsys.hsv_to_rgb(hue, sat, val))


def _skin(rng: np.random.Generator) -> RGB:
    dark, light = np.array([75, 50, 38]), np.array([240, 205, 180])
    tone = dark + (light - dark) * rng.uniform() + rng.uniform(-12, 12, 3)
    return tuple(int(c) for c in np.clip(tone, 0, 255))


def kth_look(rng: np.random.Generator) -> Look:
    """A KTH-like grey person with standard proportions (the ranges of ``figure.sample_appearance``)."""
    g = rng.integers
    return Look(LEG_SHARE_OF_HEIGHT, 1.0, 1.0, _grey(g(120, 215)), _grey(g(10, 90)), _grey(g(15, 230)),
                _grey(g(10, 160)), _grey(g(5, 70)), _grey(0), bool(rng.random() < 0.6), False, 0,
                bool(rng.random() < 0.1))


def varied_look(rng: np.random.Generator) -> Look:
    """A person with drawn proportions, colour clothing, shorts, skirts or sleeves, stripes and rounded shading."""
    hair = tuple(int(c) for c in np.array([[20, 15, 10], [90, 60, 35], [200, 170, 110], [150, 150, 150]])[
        rng.choice(4, p=[0.45, 0.3, 0.15, 0.1])] * rng.uniform(0.8, 1.2))
    return Look(
        leg_share=float(rng.uniform(0.49, 0.56)), width=float(rng.uniform(0.8, 1.35)),
        head=float(rng.uniform(0.9, 1.15)), skin=_skin(rng), hair=tuple(min(255, c) for c in hair),
        top=_clothing_colour(rng), trousers=_clothing_colour(rng), shoes=_clothing_colour(rng),
        stripe=_clothing_colour(rng), long_sleeves=bool(rng.random() < 0.5), shorts=bool(rng.random() < 0.35),
        stripes=int(rng.choice([0, 0, 3, 4, 6])), coat=bool(rng.random() < 0.12), skirt=bool(rng.random() < 0.15),
        shading=float(rng.uniform(0.1, 0.35)),
    )


def _shade(colour: RGB, far: bool) -> RGB:
    return tuple(int(c * FAR_SIDE_SHADE) for c in colour) if far else colour


def _limb_strokes(look: Look, side: str) -> tuple[list, list]:
    """(leg strokes, arm strokes) of one side: (start, end, width key, colour)."""
    far = side == "far"
    shank = look.skin if look.shorts or look.skirt else look.trousers
    legs = [(f"{side}_hip", f"{side}_knee", "thigh", _shade(look.trousers, far)),
            (f"{side}_knee", f"{side}_ankle", "shank", _shade(shank, far)),
            (f"{side}_heel", f"{side}_toe", "foot", _shade(look.shoes, far))]
    forearm = look.top if look.long_sleeves or look.coat else look.skin
    arms = [(f"{side}_shoulder", f"{side}_elbow", "upper_arm", _shade(look.top, far)),
            (f"{side}_elbow", f"{side}_hand", "forearm", _shade(forearm, far))]
    return legs, arms


def _line(frame, mask, p0, p1, colour, width, shading: float = 0.0) -> None:
    """A stroke into the frame (darker at its edges with ``shading``, when 3 px or wider) and the mask."""
    if frame is not None:
        if shading > 0 and width >= 3:
            edge = tuple(int(c * (1.0 - shading)) for c in colour)
            cv2.line(frame, tuple(p0), tuple(p1), edge, width, cv2.LINE_AA, SUBPIXEL_BITS)
            width_core = max(1, round(0.55 * width))
            cv2.line(frame, tuple(p0), tuple(p1), colour, width_core, cv2.LINE_AA, SUBPIXEL_BITS)
        else:
            cv2.line(frame, tuple(p0), tuple(p1), colour, width, cv2.LINE_AA, SUBPIXEL_BITS)
    if mask is not None:
        cv2.line(mask, tuple(p0), tuple(p1), 1, width, cv2.LINE_8, SUBPIXEL_BITS)


def _torso(frame, mask, look: Look, points: dict, widths: dict) -> None:
    """The torso as the quad of the shoulders and hips plus a stroke of the body's depth; stripes across it."""
    quad = np.stack([points["near_shoulder"], points["far_shoulder"], points["far_hip"], points["near_hip"]])
    if frame is not None:
        cv2.fillConvexPoly(frame, quad, look.top, cv2.LINE_AA, SUBPIXEL_BITS)
    if mask is not None:
        cv2.fillConvexPoly(mask, quad, 1, cv2.LINE_8, SUBPIXEL_BITS)
    _line(frame, mask, points["shoulder"], points["hip"], look.top, widths["torso"])
    if look.coat:
        _line(frame, mask, points["hip"], points["near_knee_mid"], look.top, widths["torso"])
    if look.stripes and frame is not None:
        top, bottom = points["shoulder"].astype(float), points["hip"].astype(float)
        side = (points["near_shoulder"] - points["far_shoulder"]).astype(float)
        axis = bottom - top
        normal = np.array([-axis[1], axis[0]]) / max(np.hypot(*axis), 1.0) * widths["torso"] * (1 << SUBPIXEL_BITS)
        half = 0.45 * (side if np.hypot(*side) > np.hypot(*normal) else normal)
        thickness = max(1, widths["torso"] // 5)
        for k in range(1, look.stripes + 1):
            centre = top + axis * k / (look.stripes + 1.5)
            p0, p1 = np.round(centre - half).astype(np.int32), np.round(centre + half).astype(np.int32)
            cv2.line(frame, tuple(p0), tuple(p1), look.stripe, thickness, cv2.LINE_AA, SUBPIXEL_BITS)


def _skirt(frame, mask, look: Look, points: dict, widths: dict) -> None:
    """A skirt from the hips to 55% of the way to the knees, flared by a fifth of the torso's depth."""
    hems = {side: points[f"{side}_hip"] + 0.55 * (points[f"{side}_knee"] - points[f"{side}_hip"])
            for side in ("near", "far")}
    quad = np.round(np.stack([points["near_hip"], points["far_hip"], hems["far"], hems["near"]])).astype(np.int32)
    if frame is not None:
        cv2.fillConvexPoly(frame, quad, look.trousers, cv2.LINE_AA, SUBPIXEL_BITS)
    if mask is not None:
        cv2.fillConvexPoly(mask, quad, 1, cv2.LINE_8, SUBPIXEL_BITS)
    middle = np.round(0.5 * (hems["near"] + hems["far"])).astype(np.int32)
    _line(frame, mask, points["hip"], middle, look.trousers, round(1.2 * widths["torso"]))


def draw_person(frame: np.ndarray | None, mask: np.ndarray | None, look: Look, points: dict[str, np.ndarray],
                px_per_leg: float, back_view: bool) -> None:
    """Draws one person in one frame, in place.

    Args:
        frame: (H, W, 3) uint8 RGB image; None draws the mask only (a silhouette).
        mask: (H, W) uint8, set to 1 under the person; None draws the frame only.
        look: the person's look.
        points: joint name -> (2,) int32 fixed-point position (``SUBPIXEL_BITS``).
        px_per_leg: pixels per leg length at the person's depth.
        back_view: the camera sees the back of the head (hair covers it).
    """
    widths = {k: max(1, round(v * px_per_leg * look.width)) for k, v in WIDTHS.items()}
    far_legs, far_arms = _limb_strokes(look, "far")
    near_legs, near_arms = _limb_strokes(look, "near")
    for start, end, key, colour in far_arms + far_legs + near_legs:
        _line(frame, mask, points[start], points[end], colour, widths[key], look.shading)
    if look.skirt:
        _skirt(frame, mask, look, points, widths)
    _torso(frame, mask, look, points, widths)
    _line(frame, mask, points["neck"], points["shoulder"], look.skin, widths["neck"])
    for start, end, key, colour in near_arms:
        _line(frame, mask, points[start], points[end], colour, widths[key], look.shading)
    head = tuple(points["head"])
    radius = max(1.5, HEAD_RADIUS * look.head * px_per_leg)
    axes = (round(radius * 7 / 8 * (1 << SUBPIXEL_BITS)), round(radius * (1 << SUBPIXEL_BITS)))
    if frame is not None:
        cv2.ellipse(frame, head, axes, 0, 0, 360, look.skin, -1, cv2.LINE_AA, SUBPIXEL_BITS)
        cv2.ellipse(frame, head, axes, 0, 0 if back_view else 180, 360, look.hair, -1, cv2.LINE_AA, SUBPIXEL_BITS)
    if mask is not None:
        cv2.ellipse(mask, head, axes, 0, 0, 360, 1, -1, cv2.LINE_8, SUBPIXEL_BITS)
