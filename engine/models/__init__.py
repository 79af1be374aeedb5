"""Video classifiers: registered builders (see :mod:`engine.models.registry`).

Every model maps a clip batch (B, T, C, H, W) to logits (B, K) and exposes its
two halves, which the saliency code exploits:

* ``frame_features(x)``: (B, T, C, H, W) -> (B, T, F), the per-frame CNN and
  projection, run on all B*T frames in one call;
* ``classify_features(f)``: (B, T, F) -> (B, K), the temporal part.
"""

from engine.lazy import lazy_exports
from engine.models import cnn_lstm, ica_lstm, video3d  # noqa: F401  (registers the builders)
from engine.models.registry import MODELS, get_model, list_models, register_model

_LAZY = {
    **dict.fromkeys(("CheckpointError", "LoadedModel", "default_device", "file_sha256", "load_checkpoint",
                     "save_checkpoint"), "engine.models.checkpoint"),
    **dict.fromkeys(("ForeignSettings", "NeedsSettings"), "engine.models.foreign_checkpoint"),
    **dict.fromkeys(("code_files", "load_with_code"), "engine.models.user_code"),
    "converted_meta": "engine.models.convert",
    "read_log": "engine.models.train", "evaluate_records": "engine.models.inference",
}
__all__ = sorted(["MODELS", "get_model", "list_models", "register_model", *_LAZY])
__getattr__ = lazy_exports(__name__, _LAZY)
