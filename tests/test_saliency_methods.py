"""Saliency methods: every registered method on both recurrent models, plus exact values on hand-made models."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from torch import nn

from engine.errors import Cancelled
from engine.saliency import get_method, list_methods
from engine.saliency.context import SaliencyContext
from tests.helpers.saliency_models import C, H, SPEC, T, W, LinearVideoModel, clip, hook_count, run, small_params, tiny_model

class PlainForward(nn.Module):
    """The same function without the per-frame split (forces full forward passes)."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x)


class SmoothVideoModel(nn.Module):
    """logit = sum_j v_j tanh(<u_j, x> + c_j): smooth, for IG completeness."""

    def __init__(self) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(5)
        self.u = nn.Parameter(torch.randn(6, T * C * H * W, generator=gen) * 0.02)
        self.c = nn.Parameter(torch.randn(6, generator=gen))
        self.v = nn.Parameter(torch.randn(2, 6, generator=gen))

    def forward(self, x):
        return torch.tanh(x.flatten(1) @ self.u.T + self.c) @ self.v.T


# ---- every registered method on both recurrent models ------------------------------------------------
@pytest.mark.parametrize("model_name", ["cnnlstm", "cnn_ica_lstm"])
@pytest.mark.parametrize("method", list_methods())
def test_every_method_gives_a_valid_result(method, model_name):
    model, x = tiny_model(model_name), clip()
    result = run(model, x, method)
    assert result.attributions.shape == (T, C, H, W)
    assert result.attributions.dtype == np.float32
    assert np.isfinite(result.attributions).all()
    assert result.display().shape == (T, H, W)
    assert result.timestep_importance().sum() == pytest.approx(1.0, abs=1e-5)
    assert result.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    with torch.no_grad():
        predicted = int(model(x.unsqueeze(0)).argmax())
    assert result.target == predicted
    other = run(model, x, method, target=1 - predicted)
    assert other.target == 1 - predicted
    assert np.abs(other.attributions - result.attributions).max() > 0  # the method explains the given class
    assert not any(m.training for m in model.modules())
    assert hook_count(model) == 0


@pytest.mark.parametrize("method", list_methods())
def test_cancel_already_set_raises(method):
    model = tiny_model("cnnlstm")
    cancel = threading.Event()
    cancel.set()
    ctx = SaliencyContext(model, clip().unsqueeze(0), 0, SPEC, cancel=cancel)
    params = {**get_method(method).defaults(), **small_params(method)}
    with pytest.raises(Cancelled):
        get_method(method).fn(ctx, **params)


@pytest.mark.parametrize("method,params", [("integrated_gradients", {"n_steps": 8, "internal_batch_size": 2}),
                                           ("occlusion", {"perturbations_per_eval": 4})])
def test_cancel_during_the_loop_stops_it(method, params):
    cancel, stages = threading.Event(), []

    def on_progress(stage, fraction):
        stages.append(fraction)
        if 0 < fraction < 1:
            cancel.set()

    with pytest.raises(Cancelled):
        run(tiny_model("cnnlstm"), clip(), method, params=params, on_progress=on_progress, cancel=cancel)
    assert max(stages) < 1


# ---- exact values on hand-made models -----------------------------------------------------------------

@pytest.mark.parametrize("target", [0, 1])
def test_gradient_and_input_x_gradient_of_a_linear_model(target):
    model, x = LinearVideoModel(), clip()
    weight = model.weight[target].detach().numpy()
    gradient = run(model, x, "gradient", target=target).attributions
    np.testing.assert_allclose(gradient, weight, rtol=0, atol=1e-6)
    input_x_gradient = run(model, x, "input_x_gradient", target=target).attributions
    np.testing.assert_allclose(input_x_gradient, x.numpy() * weight, rtol=0, atol=1e-6)


@pytest.mark.parametrize("wrap", [False, True], ids=["per_frame_split", "full_passes"])
@pytest.mark.parametrize("channels", [1, 2])
def test_single_pixel_occlusion_of_a_linear_model_is_w_times_x_minus_baseline(wrap, channels):
    from engine.saliency.baselines import make_baseline

    shape = (3, channels, 6, 5)
    linear, x = LinearVideoModel(shape), clip(shape=shape)
    model = PlainForward(linear) if wrap else linear
    params = {"window_frames": 1, "stride_frames": 1, "window_px": 1, "stride_px": 1,
              "perturbations_per_eval": 7}
    result = run(model, x, "occlusion", target=1, baseline="median", params=params)
    baseline = make_baseline(x, "median", SPEC)
    # a window covers all channels of its pixel: each channel gets the pixel's total w * (x - baseline)
    expected = (linear.weight[1] * (x - baseline)).sum(dim=1, keepdim=True).expand(shape).detach().numpy()
    np.testing.assert_allclose(result.attributions, expected, rtol=0, atol=1e-5)
    assert result.diagnostics["baseline"] == "median"


def test_occlusion_per_frame_split_equals_full_passes_on_a_real_model():
    model, x = tiny_model("cnnlstm"), clip()
    params = {"window_frames": 2, "stride_frames": 1, "window_px": 12, "stride_px": 10}
    split = run(model, x, "occlusion", params=params).attributions
    full = run(PlainForward(model), x, "occlusion", params=params).attributions
    np.testing.assert_allclose(split, full, rtol=0, atol=1e-5)
    assert np.abs(split).max() > 0


def test_integrated_gradients_completeness():
    model, x = SmoothVideoModel().eval(), clip()
    result = run(model, x, "integrated_gradients", target=1, baseline="zero",
                 params={"n_steps": 64, "internal_batch_size": 16})
    with torch.no_grad():
        difference = float(model(x.unsqueeze(0))[0, 1] - model(torch.zeros(1, T, C, H, W))[0, 1])
    total = float(result.attributions.sum(dtype=np.float64))
    assert abs(difference) > 0.1
    assert total == pytest.approx(difference, rel=1e-2)
    assert abs(result.diagnostics["convergence_delta"]) < 1e-2 * abs(difference)
    assert result.diagnostics["convergence_delta"] == pytest.approx(total - difference, abs=1e-4)
    assert result.diagnostics["baseline"] == "zero"


@pytest.mark.parametrize("method", ["smoothgrad", "gradient_shap"])
def test_stochastic_methods_follow_the_seed_and_leave_the_global_rng_alone(method):
    model, x = tiny_model("cnnlstm"), clip()
    state = torch.random.get_rng_state()
    first = run(model, x, method, seed=11).attributions
    again = run(model, x, method, seed=11).attributions
    other = run(model, x, method, seed=12).attributions
    assert torch.equal(torch.random.get_rng_state(), state)
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).max() > 1e-6


def test_smoothgrad_with_no_noise_is_the_gradient():
    model, x = tiny_model("cnn_ica_lstm"), clip()
    smooth = run(model, x, "smoothgrad", params={"nt_samples": 3, "noise_level": 0.0}).attributions
    np.testing.assert_allclose(smooth, run(model, x, "gradient").attributions, rtol=1e-4, atol=1e-7)


def test_gradient_shap_of_a_linear_model_is_w_times_x_minus_mean_baseline():
    from engine.saliency.baselines import make_baseline

    model, x = LinearVideoModel(), clip()
    result = run(model, x, "gradient_shap", target=0, baseline="blur", params={"baseline_noise": 0.0})
    expected = (model.weight[0] * (x - make_baseline(x, "blur", SPEC))).detach().numpy()
    np.testing.assert_allclose(result.attributions, expected, rtol=0, atol=1e-4)
    assert abs(result.diagnostics["convergence_delta"]) < 1e-2
