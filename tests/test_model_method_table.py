"""Every registered model (its tiny configuration) x every registered method: finite maps of the documented shape.

Like Captum's config table: a new model or method goes through every generic check by registering.
CAM methods need CNN stages; video transformers have none and say so.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import UserError
from engine.models.base import per_frame
from engine.models.registry import MODELS
from engine.saliency import explain, get_method, list_methods
from engine.io.tensors import InputSpec

SMALL = {"n_steps": 2, "nt_samples": 2, "n_samples": 2, "window_px": 16, "stride_px": 16, "patch": 16}
CAM = {"gradcam", "gradcam_pp", "hirescam", "layercam", "scorecam"}
PER_FRAME = [name for name in MODELS.names() if MODELS.get(name).per_frame]


@pytest.fixture(scope="module")
def tiny_models():
    built = {}

    def get(name):
        if name not in built:
            entry = MODELS.get(name)
            torch.manual_seed(0)
            built[name] = (entry.build_tiny().eval(), entry.tiny_input)
        return built[name]

    return get


SLOW = {("s3d", "scorecam")}  # one forward pass of the full-width S3D per channel of its last stage


@pytest.mark.parametrize(("model_name", "method"), [
    pytest.param(model, method, marks=[pytest.mark.slow] if (model, method) in SLOW else [])
    for model in MODELS.names() for method in list_methods()])
def test_every_method_on_every_model(tiny_models, model_name, method):
    model, (t, c, h, w) = tiny_models(model_name)
    x = torch.from_numpy(np.random.default_rng(0).normal(size=(t, c, h, w)).astype(np.float32))
    params = {k: v for k, v in SMALL.items() if k in {p.name for p in get_method(method).params}}
    spec = InputSpec(t, h, w, c, (0.5,) * c, (0.25,) * c)
    if method in CAM and not MODELS.get(model_name).stage_names():
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


@pytest.mark.parametrize("model_name", MODELS.names())
def test_each_registration_declares_what_its_model_offers(tiny_models, model_name):
    model, _ = tiny_models(model_name)
    entry = MODELS.get(model_name)
    assert per_frame(model) == entry.per_frame
    assert set(getattr(model, "cnn_stages", None) or {}) <= set(entry.stage_names())
    assert set(entry.stage_names()) <= set(get_method("gradcam").params[0].options())


@pytest.mark.parametrize("method", ["temporal_occlusion", "tsr", "occlusion"])
@pytest.mark.parametrize("model_name", PER_FRAME)
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


def test_every_input_preset_a_registration_names_exists():
    from engine.io.tensors import PRESETS

    named = {name: MODELS.get(name).input_preset for name in MODELS.names()}
    assert {p for p in named.values() if p} <= set(PRESETS)
    assert named["r3d_18"] == "r3d_18" and named["cnnlstm"] is None
