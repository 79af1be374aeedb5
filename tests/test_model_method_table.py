"""Every registered model (its tiny configuration) x every registered method: finite maps of the documented shape.

Like Captum's config table: a new model or method goes through every generic check by registering.
CAM methods need CNN stages; video transformers have none and say so.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import UserError
from engine.models.registry import MODELS
from engine.saliency import explain, get_method, list_methods
from engine.tensors import InputSpec

SMALL = {"n_steps": 2, "nt_samples": 2, "n_samples": 2, "window_px": 16, "stride_px": 16, "patch": 16}
CAM = {"gradcam", "gradcam_pp", "hirescam", "layercam", "scorecam"}


@pytest.fixture(scope="module")
def tiny_models():
    built = {}

    def get(name):
        if name not in built:
            entry = MODELS.entry(name)
            torch.manual_seed(0)
            model = entry.builder(num_classes=2, in_channels=entry.tiny_input[1], **entry.tiny).eval()
            built[name] = (model, entry.tiny_input)
        return built[name]

    return get


@pytest.mark.parametrize("method", list_methods())
@pytest.mark.parametrize("model_name", MODELS.names())
def test_every_method_on_every_model(tiny_models, model_name, method):
    model, (t, c, h, w) = tiny_models(model_name)
    x = torch.from_numpy(np.random.default_rng(0).normal(size=(t, c, h, w)).astype(np.float32))
    params = {k: v for k, v in SMALL.items() if k in {p.name for p in get_method(method).params}}
    spec = InputSpec(t, h, w, c, (0.5,) * c, (0.25,) * c)
    if method in CAM and not getattr(model, "cnn_stages", None):
        with pytest.raises(UserError, match="no CNN stages|named CNN stages"):
            explain(model, x, method, spec=spec, classes=["a", "b"], params=params)
        return
    result = explain(model, x, method, spec=spec, classes=["a", "b"], params=params)
    assert result.attributions.shape == (t, c, h, w)
    assert np.isfinite(result.attributions).all()
    assert result.diagnostics["path"] in ("per-frame", "generic")


class Opaque(torch.nn.Module):
    """The same network with its per-frame structure hidden: saliency must take the generic path."""

    def __init__(self, model):
        super().__init__()
        self.inner = model

    def forward(self, x):
        return self.inner(x)


@pytest.mark.parametrize("method", ["temporal_occlusion", "tsr", "occlusion"])
@pytest.mark.parametrize("model_name", ["cnnlstm", "cnn_ica_lstm"])
def test_fast_path_equals_generic_path(tiny_models, model_name, method):
    model, (t, c, h, w) = tiny_models(model_name)
    x = torch.from_numpy(np.random.default_rng(1).normal(size=(t, c, h, w)).astype(np.float32))
    params = {k: v for k, v in SMALL.items() if k in {p.name for p in get_method(method).params}}
    spec = InputSpec(t, h, w, c, (0.5,) * c, (0.25,) * c)
    fast = explain(model, x, method, spec=spec, classes=["a", "b"], params=params, target=1)
    generic = explain(Opaque(model).eval(), x, method, spec=spec, classes=["a", "b"], params=params, target=1)
    assert fast.diagnostics["path"] == "per-frame" and generic.diagnostics["path"] == "generic"
    scale = float(np.abs(generic.attributions).max())
    assert scale > 0
    np.testing.assert_allclose(fast.attributions, generic.attributions, atol=1e-5 * scale, rtol=0)
