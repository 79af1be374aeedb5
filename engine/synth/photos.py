"""Background frames: crops of real photographs (``assets/backgrounds/``) or procedural scenery, panned.

A background is one still image wider than the view; each frame is a crop of it at a
per-frame horizontal offset (a panning camera) and one scale. The photographs are read
from the folder at run time (no package import); their licences are in the folder's
``LICENSES.md``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from engine.errors import UserError
from engine.paths import REPOSITORY_ASSETS, assets_dir
from engine.synth.scene import scenario_background

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
MAX_UPSCALE = 1.6  # a pan may magnify a photograph up to 1.6x its smallest covering scale (2x with the jitter)


def backgrounds_dir() -> Path:
    """``<assets>/backgrounds``, or the repository's when ``VSE_ASSETS`` has none."""
    chosen = assets_dir() / "backgrounds"
    return chosen if chosen.is_dir() else REPOSITORY_ASSETS / "backgrounds"


@functools.lru_cache(maxsize=4)
def load_photos(folder: str) -> tuple[tuple[str, np.ndarray], ...]:
    """Every photograph in ``folder``, sorted by name, as read-only (h, w, 3) uint8 RGB arrays.

    Raises:
        UserError: the folder holds no readable image.
    """
    photos = []
    for path in sorted(Path(folder).iterdir()) if Path(folder).is_dir() else []:
        if path.suffix.lower() not in PHOTO_SUFFIXES:
            continue
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise UserError(f"Cannot read the background photograph {path}.")
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        image.setflags(write=False)
        photos.append((path.name, image))
    if not photos:
        raise UserError(f"No background photographs (*.jpg, *.png) in {folder}.")
    return tuple(photos)


@dataclass(frozen=True)
class Backdrop:
    """Where the frames of a clip come from in one still image.

    Attributes:
        source: photograph file name, or ``procedural:<scenario>``.
        scale: view pixels per image pixel.
        top: image row of the view's top edge.
        left: image column of the view's left edge at offset 0.
    """

    source: str
    scale: float
    top: float
    left: float


def plan_photo(rng: np.random.Generator, photos, height: int, width: int, pan_px: float) -> tuple[Backdrop, float]:
    """Picks a photograph and a crop that leaves room to pan ``pan_px`` view pixels.

    Returns:
        The backdrop and the pan (view pixels) that fits; less than asked when the
        photograph is too narrow even at its smallest useful scale.
    """
    name, image = photos[int(rng.integers(len(photos)))]
    ih, iw = image.shape[:2]
    cover = max(height / ih, width / iw)
    scale = min(max(cover, (width + pan_px) / iw), MAX_UPSCALE * cover) * rng.uniform(1.0, 1.25)
    room = iw * scale - width
    pan = min(pan_px, room)
    left = rng.uniform(0, room - pan) / scale
    top = rng.uniform(0, ih * scale - height) / scale
    return Backdrop(name, float(scale), float(top), float(left)), float(pan)


def procedural_image(rng: np.random.Generator, scenario: str, height: int, width: int, ground_y: float,
                     tint: bool = False) -> np.ndarray:
    """KTH-like scenery (``scene.scenario_background``) as (height, width, 3) uint8 RGB.

    Grey, or with ``tint`` coloured by a vertical blend of two random tints (sky or wall
    above, grass, earth or floor below).
    """
    grey = scenario_background(scenario, rng, height, width, ground_y).astype(np.float32)
    if not tint:
        return np.repeat(grey[:, :, None].astype(np.uint8), 3, axis=2)
    upper = np.array([0.85, 0.95, 1.2]) * rng.uniform(0.85, 1.15, 3)
    grass, earth, stone = (0.8, 1.1, 0.7), (1.15, 1.0, 0.75), (1.0, 1.0, 1.0)
    lower = np.array((grass, earth, stone)[int(rng.integers(3))]) * rng.uniform(0.85, 1.15, 3)
    blend = np.clip((np.arange(height) - (ground_y - 0.4 * height)) / (0.3 * height), 0.0, 1.0)[:, None, None]
    tints = (upper * (1 - blend) + lower * blend).astype(np.float32)
    return np.clip(grey[:, :, None] * tints, 0, 255).astype(np.uint8)


def render_backdrop(image: np.ndarray, backdrop: Backdrop, offsets: np.ndarray, height: int, width: int) -> np.ndarray:
    """The background of every frame.

    Args:
        image: (h, w, 3) uint8 still image.
        backdrop: crop placement.
        offsets: (T,) horizontal pan of each frame, view pixels (positive moves the view right).
        height, width: frame size.

    Returns:
        (T, height, width, 3) uint8.
    """
    out = np.empty((len(offsets), height, width, 3), dtype=np.uint8)
    s = backdrop.scale
    for i, offset in enumerate(offsets):
        if i and offset == offsets[i - 1]:
            out[i] = out[i - 1]
            continue
        matrix = np.array([[s, 0.0, -s * backdrop.left - offset], [0.0, s, -s * backdrop.top]])
        out[i] = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return out
