"""Synthetic data: KTH-like walking/running clips, real-camera-domain clips and the event (vanishing-saliency) task.

Names are imported from their modules when first used, so ``engine.synth.domain`` (the
option table the command line reads) loads without OpenCV.
"""

from engine.lazy import lazy_exports

_EXPORTS = {
    "CLASSES": "engine.synth.kth",
    "DEFAULT_NUM_FRAMES": "engine.synth.kth",
    "EVENT_CLASSES": "engine.synth.event",
    "POSITIONS": "engine.synth.event",
    "OPTIONS": "engine.synth.domain",
    "clip_seed": "engine.synth.kth",
    "clip_stem": "engine.synth.kth",
    "event_window": "engine.synth.event",
    "generate_event_clips": "engine.synth.event",
    "generate_kth_like": "engine.synth.kth",
    "generate_real_clips": "engine.synth.realdomain",
    "parse_randomise": "engine.synth.domain",
    "render_clip": "engine.synth.kth",
    "render_event_clip": "engine.synth.event",
    "render_real_clip": "engine.synth.realdomain",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
