"""Clips in and out: reading and writing video (video), frame sampling (sampling), mask sidecars (masks)
and the model's tensor layout (tensors)."""

from engine.lazy import lazy_exports

_NAMES = {
    **dict.fromkeys(("VIDEO_EXTENSIONS", "Clip", "VideoInfo", "probe_video", "read_clip", "write_video"),
                    "engine.io.video"),
    **dict.fromkeys(("load_sidecar", "resize_masks"), "engine.io.masks"),
    **dict.fromkeys(("InputSpec", "NORMALISATIONS", "PRESETS", "clip_to_tensor"), "engine.io.tensors"),
    "VideoError": "engine.errors",
}
__all__ = sorted(_NAMES)
__getattr__ = lazy_exports(__name__, _NAMES)
