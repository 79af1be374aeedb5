"""Appearance and drawing of the articulated figure (head, torso, two-segment limbs).

The figure is drawn with thick anti-aliased cv2 strokes into the frame and with
the same strokes, without anti-aliasing, into the person mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from engine.synth.gait import HEAD_RADIUS
from engine.synth.pose import Pose

LEG_SHARE_OF_HEIGHT = 0.53  # hip height / body height
SUBPIXEL_BITS = 4
FAR_SIDE_SHADE = 0.8

# stroke widths in leg lengths
WIDTHS = {"thigh": 0.17, "shank": 0.12, "foot": 0.07, "torso": 0.30, "upper_arm": 0.11, "forearm": 0.09, "neck": 0.10}


@dataclass(frozen=True)
class Appearance:
    """How a person looks: the same distribution for every class.

    Attributes:
        height_px: standing height in pixels.
        skin, hair, shirt, trousers, shoes, coat: grey levels 0-255.
        long_sleeves: forearms in the shirt's grey, else skin.
        wears_coat: a coat covering the torso and upper thighs.
    """

    height_px: float
    skin: int
    hair: int
    shirt: int
    trousers: int
    shoes: int
    coat: int
    long_sleeves: bool
    wears_coat: bool

    @property
    def leg_px(self) -> float:
        return LEG_SHARE_OF_HEIGHT * self.height_px


def sample_appearance(rng: np.random.Generator, coat_probability: float = 0.1) -> Appearance:
    """Draws a person's look; nothing here depends on the action."""
    g = rng.integers
    return Appearance(
        height_px=float(rng.uniform(50.0, 80.0)),
        skin=int(g(120, 215)),
        hair=int(g(10, 90)),
        shirt=int(g(15, 230)),
        trousers=int(g(10, 160)),
        shoes=int(g(5, 70)),
        coat=int(g(20, 150)),
        long_sleeves=bool(rng.random() < 0.6),
        wears_coat=bool(rng.random() < coat_probability),
    )


def _shade(grey: int, far: bool) -> int:
    return int(grey * FAR_SIDE_SHADE) if far else grey


def _strokes(look: Appearance, side: str, kind: str) -> list[tuple]:
    """(start key, end key, width key, grey) for one side's leg or arm."""
    far = side == "far"
    if kind == "leg":
        return [
            ("hip", f"{side}_knee", "thigh", _shade(look.trousers, far)),
            (f"{side}_knee", f"{side}_ankle", "shank", _shade(look.trousers, far)),
            (f"{side}_heel", f"{side}_toe", "foot", _shade(look.shoes, far)),
        ]
    sleeve = look.coat if look.wears_coat else look.shirt
    forearm = sleeve if look.long_sleeves or look.wears_coat else look.skin
    return [
        ("shoulder", f"{side}_elbow", "upper_arm", _shade(sleeve, far)),
        (f"{side}_elbow", f"{side}_hand", "forearm", _shade(forearm, far)),
    ]


def draw_figure(frame: np.ndarray, mask: np.ndarray, look: Appearance, points: dict[str, np.ndarray]) -> None:
    """Draws one frame's figure in place.

    Args:
        frame: (H, W) uint8 image, modified in place.
        mask: (H, W) uint8 person mask, set to 1 where the figure is drawn.
        look: the person's appearance.
        points: joint name -> (2,) int fixed-point pixel position (SUBPIXEL_BITS).
    """
    widths = {k: max(1, round(v * look.leg_px)) for k, v in WIDTHS.items()}
    order = _strokes(look, "far", "arm") + _strokes(look, "far", "leg")
    order += _strokes(look, "near", "leg")
    torso_grey = look.coat if look.wears_coat else look.shirt
    order += [("shoulder", "hip", "torso", torso_grey), ("neck", "shoulder", "neck", look.skin)]
    if look.wears_coat:
        order += [("hip", "near_knee_mid", "thigh_coat", look.coat)]
        widths["thigh_coat"] = widths["torso"]
    order += _strokes(look, "near", "arm")
    for start, end, width, grey in order:
        p0, p1 = tuple(points[start]), tuple(points[end])
        cv2.line(frame, p0, p1, grey, widths[width], cv2.LINE_AA, SUBPIXEL_BITS)
        cv2.line(mask, p0, p1, 1, widths[width], cv2.LINE_8, SUBPIXEL_BITS)
    head = tuple(points["head"])
    radius = max(2, round(HEAD_RADIUS * look.leg_px))
    axes = ((radius * 7 // 8) << SUBPIXEL_BITS, radius << SUBPIXEL_BITS)
    cv2.ellipse(frame, head, axes, 0, 0, 360, look.skin, -1, cv2.LINE_AA, SUBPIXEL_BITS)
    cv2.ellipse(frame, head, axes, 0, 180, 360, look.hair, -1, cv2.LINE_AA, SUBPIXEL_BITS)
    cv2.ellipse(mask, head, axes, 0, 0, 360, 1, -1, cv2.LINE_8, SUBPIXEL_BITS)


def pose_to_pixels(pose: Pose, look: Appearance, hip_x: np.ndarray, ground_y: float, facing: int) -> dict[str, np.ndarray]:
    """Body-frame joints -> fixed-point image coordinates.

    Args:
        pose: the figure's pose over T frames.
        look: gives the scale (leg length in pixels).
        hip_x: (T,) image x of the hip in pixels.
        ground_y: image row of the ground line.
        facing: +1 moving right, -1 moving left.

    Returns:
        joint name -> (T, 2) int32 positions scaled by 2**SUBPIXEL_BITS.
    """
    scale = look.leg_px
    out = {}
    joints = dict(pose.joints)
    joints["near_knee_mid"] = 0.5 * (pose.joints["hip"] + pose.joints["near_knee"])
    for name, xy in joints.items():
        x = hip_x + facing * xy[:, 0] * scale
        y = ground_y - xy[:, 1] * scale
        out[name] = np.round(np.stack([x, y], axis=1) * (1 << SUBPIXEL_BITS)).astype(np.int32)
    return out
