"""The randomisations of the real-camera domain: their names, parsing and per-clip random streams.

Each option is one name. ``--randomise all`` (or ``--domain real``) turns every one on;
``all,-backgrounds`` all but one; ``colour,scale`` just those. With no option on, the
domain renderer draws KTH-like clips (grey, procedural scenery, side view, static camera,
25 fps, people 42-67% of the frame height).

Clips of the real domain last ``DEFAULT_SECONDS`` (3.2 s: 2.6 of the bundled models' 1.24 s
windows) at their drawn frame rate, and at least ``MIN_FRAMES`` frames (so a frame-based
reader finds a 31-frame window even at 5-9 fps); ``--frames`` fixes the count instead.

Every part of a clip draws from its own random stream, seeded by the clip's seed and the
part's name, so turning one option on changes that part of the clip and what depends on it,
never the draws of the others: the tests compare a clip with and without an option.
"""

from __future__ import annotations

import zlib

import numpy as np

from engine.errors import UserError

OPTIONS = {
    "backgrounds": "real photographs (assets/backgrounds/) cropped and panned, instead of procedural scenery",
    "colour": "colour video: colour clothing and scenery, white-balance casts (off: grey frames)",
    "lighting": "brightness, contrast, gamma and slow exposure drift; soft or low-sun cast shadows",
    "noise": "sensor noise from clean to grainy (sigma 0.5-10 grey levels, log-uniform), chroma noise in colour",
    "scale": "people 12-100% of the frame height, log-uniform (off: 42-67%, KTH-like)",
    "clothing": "body proportions, clothing colours, shorts, sleeves and striped tops",
    "view": "oblique, towards- and away-from-camera walks (perspective projection of the 3-D gait), camera heights "
            "from knee height to a first-floor window",
    "tracking": "in 45% of clips a camera that follows the person (kept near the centre) while the background "
                "pans at a speed drawn independently of the class",
    "shake": "hand-held camera shake and slow zoom in or out",
    "treadmill": "in 15% of clips in-place gait on a treadmill: the person stays put while the legs move",
    "crowd": "in 35% of clips one to three more people of the same action, at other depths and headings",
    "occlusion": "in 30% of clips a pole, post, box or rail in front that hides part of the person",
    "blur": "motion blur from an exposure of 1/1000 s to 1/25 s (sub-frame rendering)",
    "compression": "JPEG re-encoding of every frame at quality 12-92 (mostly high), 40% at 0.5-0.9x resolution",
    "fps": "frame rates of 5-30 fps: the gait keeps its cadence in Hz and the frames sample it; 15% of files "
           "repeat each picture 2-3 times (a camera slower than its file)",
    "pace": "wider kinematics: walking 95-130 steps/min, jogging to sprinting 150-230 steps/min",
    "aspect": "camera aspect ratios 4:3, 16:9, 21:9, 1:1 and 9:16 resized into the frame (as a reader resizes "
              "any video), 15% letterboxed",
}
REAL_DOMAIN = frozenset(OPTIONS)
DEFAULT_SECONDS = 3.2  # every clip covers at least 3.2 s: 2.6 model windows of 1.24 s at any frame rate
MIN_FRAMES = 32  # and at least 32 frames (a frame-based reader's 31-frame window at 5-9 fps)


def parse_randomise(text: str | None) -> frozenset[str]:
    """Options from a comma list: names, ``all``, ``none`` and ``-name`` to remove one.

    Args:
        text: e.g. ``"backgrounds,colour"``, ``"all"``, ``"all,-backgrounds"``; None or "" is none.

    Returns:
        The set of option names.

    Raises:
        UserError: an unknown name.
    """
    chosen: set[str] = set()
    for raw in (text or "").split(","):
        name = raw.strip().lower()
        if not name or name == "none":
            continue
        drop = name.startswith("-")
        name = name.lstrip("-")
        names = set(OPTIONS) if name == "all" else {name}
        unknown = names - set(OPTIONS)
        if unknown:
            raise UserError(f"Unknown randomisation {name!r}; choose from all, none, {', '.join(OPTIONS)}.")
        chosen = chosen - names if drop else chosen | names
    return frozenset(chosen)


def part_rng(seed: int, part: str) -> np.random.Generator:
    """The random stream of one part of a clip (``seed`` and the part's name fix it)."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFFFFFFFFFF, zlib.crc32(part.encode())])
