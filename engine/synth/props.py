"""Things in the scene besides people: an occluder in front of them and soft shadows under their feet."""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import cv2
import numpy as np

OCCLUDER_KINDS = ("pole", "post", "box", "rail")


@dataclass(frozen=True)
class Occluder:
    """A flat object in front of every person.

    Attributes:
        kind: pole (full height), post (from the bottom), box (low and wide) or rail (horizontal bar).
        centre: (x, y) of its centre at time 0, pixels.
        size: (width, height) in pixels.
        speed: horizontal motion in pixels per second (a panning camera moves near objects fast).
        colour: RGB.
        shade: brightness change across its width (0 flat).
    """

    kind: str
    centre: tuple[float, float]
    size: tuple[float, float]
    speed: float
    colour: tuple[int, int, int]
    shade: float

    def box(self, t: float) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) pixel bounds at ``t`` seconds, not clipped."""
        cx = self.centre[0] + self.speed * t
        w, h = self.size
        cy = self.centre[1]
        return round(cx - w / 2), round(cy - h / 2), round(cx + w / 2), round(cy + h / 2)


def draw_occluder(rng: np.random.Generator, height: int, width: int, near_x: float, pan_speed: float,
                  feet_row: float, person_px: float) -> Occluder:
    """An occluder placed where it hides part of a person standing near column ``near_x``.

    Args:
        rng: randomness.
        height, width: frame size.
        near_x: column the main person passes (its hip at mid-clip, or where it crosses).
        pan_speed: the background's pan in pixels per second; a near object moves 1.2-2x as fast.
        feet_row: image row of the main person's feet; person_px: their height in pixels.
            Posts and boxes rise from the frame's bottom to 20-75% of the person's height, the
            rail crosses at 20-80% of it.
    """
    kind = OCCLUDER_KINDS[int(rng.integers(len(OCCLUDER_KINDS)))]
    top = min(feet_row - rng.uniform(0.2, 0.75) * person_px, height - 2.0)
    if kind == "pole":
        size, centre_y = (rng.uniform(0.04, 0.12) * width, 2.2 * height), height / 2
    elif kind in ("post", "box"):
        share = rng.uniform(0.06, 0.16) if kind == "post" else rng.uniform(0.2, 0.45)
        size, centre_y = (share * width, 2 * (height - top)), height
    else:
        size = (3.0 * width, max(2.0, rng.uniform(0.04, 0.12) * person_px))
        centre_y = feet_row - rng.uniform(0.2, 0.8) * person_px
    speed = -pan_speed * rng.uniform(1.2, 2.0)
    hue, sat, val = rng.uniform(), rng.uniform(0.0, 0.35), rng.uniform(0.15, 0.8)
    colour = tuple(int(round(255 * c)) for c in colorsys.hsv_to_rgb(hue, sat, val))  # painted metal, wood, concrete
    x = near_x + rng.uniform(-0.15, 0.15) * width
    return Occluder(kind, (float(x), float(centre_y)), (float(size[0]), float(size[1])), float(speed), colour,
                    float(rng.uniform(-0.4, 0.4)))


def paint_occluder(frame: np.ndarray, mask: np.ndarray | None, occluder: Occluder, t: float) -> None:
    """Paints the occluder over a frame and clears the person mask under it, in place.

    Args:
        frame: (H, W, 3) uint8.
        mask: (H, W) uint8 person mask, or None.
        occluder: the object.
        t: seconds.
    """
    height, width = frame.shape[:2]
    x0, y0, x1, y1 = occluder.box(t)
    x0, x1, y0, y1 = max(x0, 0), min(x1, width), max(y0, 0), min(y1, height)
    if x0 >= x1 or y0 >= y1:
        return
    ramp = 1.0 + occluder.shade * np.linspace(-0.5, 0.5, x1 - x0, dtype=np.float32)[None, :, None]
    patch = np.clip(np.asarray(occluder.colour, dtype=np.float32) * ramp, 0, 255).astype(np.uint8)
    frame[y0:y1, x0:x1] = patch
    if mask is not None:
        mask[y0:y1, x0:x1] = 0


def shadow_sprite(size: int = 33) -> np.ndarray:
    """(size, size) float32 soft disc, 1 at the centre, 0 at the rim."""
    axis = np.linspace(-1.0, 1.0, size, dtype=np.float32)
    r2 = axis[None, :] ** 2 + axis[:, None] ** 2
    return np.clip(1.0 - r2, 0.0, 1.0) ** 1.5


def cast_shadow(frame: np.ndarray, sprite: np.ndarray, feet: tuple[float, float], radius: tuple[float, float],
                strength: float) -> None:
    """Darkens an ellipse under the feet, in place.

    Args:
        frame: (H, W, 3) uint8.
        sprite: from :func:`shadow_sprite`.
        feet: (x, y) pixel centre.
        radius: (rx, ry) pixel radii.
        strength: darkening at the centre, 0-1.
    """
    rx, ry = max(radius[0], 1.0), max(radius[1], 1.0)
    x0, y0 = int(np.floor(feet[0] - rx)), int(np.floor(feet[1] - ry))
    w, h = int(np.ceil(2 * rx)) + 1, int(np.ceil(2 * ry)) + 1
    height, width = frame.shape[:2]
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x0 + w, width), min(y0 + h, height)
    if cx0 >= cx1 or cy0 >= cy1:
        return
    blob = cv2.resize(sprite, (w, h), interpolation=cv2.INTER_LINEAR)[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
    region = frame[cy0:cy1, cx0:cx1].astype(np.float32)
    frame[cy0:cy1, cx0:cx1] = (region * (1.0 - strength * blob)[..., None]).astype(np.uint8)


def paint_belt(frame: np.ndarray, feet: tuple[float, float], px_per_leg: float, grey: int) -> None:
    """Draws a treadmill deck under the feet, in place (behind the person, never in the mask).

    Args:
        frame: (H, W, 3) uint8.
        feet: (x, y) pixel position of the ground under the hip.
        px_per_leg: scale at the person's depth.
        grey: the deck's grey level.
    """
    x, y = feet
    half, depth = 0.9 * px_per_leg, max(1.0, 0.14 * px_per_leg)
    top_left = (int(round(x - half)), int(round(y - 0.02 * px_per_leg)))
    bottom_right = (int(round(x + half)), int(round(y + depth)))
    cv2.rectangle(frame, top_left, bottom_right, (grey, grey, grey), -1)
    cv2.rectangle(frame, (top_left[0], bottom_right[1] - max(1, int(depth / 3))), bottom_right,
                  (grey // 2, grey // 2, grey // 2), -1)


def cast_sun_shadow(frame: np.ndarray, silhouette: np.ndarray, feet_row: float, shear: float, squash: float,
                    strength: float) -> None:
    """Darkens the ground under a person's silhouette thrown by a low sun, in place.

    The silhouette is mirrored about the feet row, squashed onto the ground (a level camera
    sees the ground plane foreshortened) and sheared towards the light's side.

    Args:
        frame: (H, W, 3) uint8.
        silhouette: (H, W) uint8 0/1 mask of the person at this instant.
        feet_row: image row of the ground under the person.
        shear: columns the shadow leans per row of height (light azimuth).
        squash: shadow length / person height on the image.
        strength: darkening, 0-1.
    """
    height, width = silhouette.shape
    matrix = np.array([[1.0, shear, -shear * feet_row], [0.0, -squash, feet_row * (1.0 + squash)]])
    shadow = cv2.warpAffine(silhouette.astype(np.float32), matrix, (width, height), flags=cv2.INTER_LINEAR)
    shadow = cv2.GaussianBlur(shadow, (0, 0), 0.8)
    frame[:] = (frame * (1.0 - strength * shadow)[..., None]).astype(np.uint8)
