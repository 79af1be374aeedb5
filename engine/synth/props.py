"""Things in the scene besides people: an occluder in front of them and soft shadows under their feet."""

from __future__ import annotations

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


def draw_occluder(rng: np.random.Generator, height: int, width: int, near_x: float, pan_speed: float) -> Occluder:
    """An occluder placed where it hides part of a person standing near column ``near_x``.

    Args:
        rng: randomness.
        height, width: frame size.
        near_x: column the main person passes (its hip at mid-clip, or where it crosses).
        pan_speed: the background's pan in pixels per second; a near object moves 1.2-2x as fast.
    """
    kind = OCCLUDER_KINDS[int(rng.integers(len(OCCLUDER_KINDS)))]
    if kind == "pole":
        size = (rng.uniform(0.04, 0.12) * width, 2.2 * height)
        centre_y = height / 2
    elif kind == "post":
        size = (rng.uniform(0.06, 0.16) * width, rng.uniform(0.3, 0.7) * height * 2)
        centre_y = height
    elif kind == "box":
        size = (rng.uniform(0.2, 0.45) * width, rng.uniform(0.15, 0.4) * height * 2)
        centre_y = height
    else:
        size = (3.0 * width, rng.uniform(0.03, 0.08) * height)
        centre_y = rng.uniform(0.4, 0.8) * height
    speed = -pan_speed * rng.uniform(1.2, 2.0)
    colour = tuple(int(c) for c in rng.integers(20, 235, 3))
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
