"""Synthetic data: KTH-like walking/running clips and the event (vanishing-saliency) task."""

from engine.synth.event import EVENT_CLASSES, POSITIONS, event_window, generate_event_clips, render_event_clip
from engine.synth.kth import CLASSES, DEFAULT_NUM_FRAMES, clip_seed, clip_stem, generate_kth_like, render_clip

__all__ = [
    "CLASSES",
    "DEFAULT_NUM_FRAMES",
    "EVENT_CLASSES",
    "POSITIONS",
    "clip_seed",
    "clip_stem",
    "event_window",
    "generate_event_clips",
    "generate_kth_like",
    "render_clip",
    "render_event_clip",
]
