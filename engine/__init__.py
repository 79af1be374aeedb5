"""Video saliency explorer engine: clips, models, saliency, flow, metrics and pictures.

The front door: the names a user or a page needs, imported when first used::

    from engine import analyse_clip, load_checkpoint, read_clip, render_panels
    analysis = analyse_clip(load_checkpoint("assets/models/cnnlstm.pt"), read_clip("clip.webm", 16), "gradient")

Everything else lives in the package roots (``engine.io``, ``engine.models``,
``engine.saliency``, ``engine.evaluation``, ``engine.viz``, ``engine.data``, ...).
Never imports streamlit; the app and the CLI only call into it.
"""

from engine.lazy import lazy_exports

__version__ = "0.1.0"

_FRONT_DOOR = {
    "Analysis": "engine.pipeline", "analyse_clip": "engine.pipeline", "load_analysis": "engine.pipeline",
    "save_analysis": "engine.pipeline", "Clip": "engine.io.video", "read_clip": "engine.io.video",
    "LoadedModel": "engine.models.checkpoint", "load_checkpoint": "engine.models.checkpoint",
    "UserError": "engine.errors", "explain": "engine.saliency", "get_method": "engine.saliency",
    "list_methods": "engine.saliency", "PanelSettings": "engine.viz.panels", "render_panels": "engine.viz.panels",
    "FLOW_METHODS": "engine.flow", "CAMERA_MODELS": "engine.flow", "timeline": "engine.timeline",
}
__all__ = sorted(_FRONT_DOOR)
__getattr__ = lazy_exports(__name__, _FRONT_DOOR)
