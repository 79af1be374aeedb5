"""Video classifiers: registered builders (see :mod:`engine.models.registry`).

Every model maps a clip batch (B, T, C, H, W) to logits (B, K) and exposes its
two halves, which the saliency code exploits:

* ``frame_features(x)``: (B, T, C, H, W) -> (B, T, F), the per-frame CNN and
  projection, run on all B*T frames in one call;
* ``classify_features(f)``: (B, T, F) -> (B, K), the temporal part.
"""

from engine.models import cnn_lstm, ica_lstm, video3d  # noqa: F401  (registers the builders)
from engine.models.registry import get_model, list_models, register_model

__all__ = ["get_model", "list_models", "register_model"]
