"""Memory-bounded batching: a tiny budget gives the same attributions as a huge one, for every batched method."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from engine.errors import UserError
from engine.models import get_model
from engine.saliency import explain, memory_budget, parse_budget
from engine.saliency.context import SaliencyContext
from engine.saliency.memory import ENV_VAR, _saved_bytes, probe_clip, resolve_budget
from engine.saliency.structure import GradientVariants
from engine.io.tensors import InputSpec

SPEC = InputSpec(num_frames=4, height=32, width=32, channels=1)
CLASSES = ["walking", "running"]
TINY_BUDGET, HUGE_BUDGET = 1, 1 << 40
# method -> (small parameters, the diagnostic that says how many items one pass took, its value when unbounded)
BATCHED = {
    "integrated_gradients": ({"n_steps": 8, "internal_batch_size": 8}, "internal_batch_size", 8),
    "smoothgrad": ({"nt_samples": 4, "batch_size": 4}, None, None),
    "gradient_shap": ({"n_samples": 4, "batch_size": 4}, None, None),
    "occlusion": ({"window_px": 8, "stride_px": 8}, "perturbations_per_eval", 32),
    "temporal_occlusion": ({}, "variants_per_pass", None),
    "tsr": ({"patch": 8}, None, None),
    "scorecam": ({"batch_size": 16}, None, None),
    "deeplift": ({}, "frames_per_pass", 4),
}


def tiny(name: str) -> nn.Module:
    torch.manual_seed(0)  # test-only: fixes the weights of the tiny model
    config = {"c3d": {"width": 4}}.get(name, {"proj_dim": 8, "hidden_size": 8})
    return get_model(name, **config).eval()


def clip() -> torch.Tensor:
    return torch.randn(4, 1, 32, 32, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("model_name", ["cnnlstm", "c3d"])
@pytest.mark.parametrize("method", list(BATCHED))
def test_tiny_budget_equals_huge_budget(method, model_name):
    params, key, unbounded = BATCHED[method]
    model, x = tiny(model_name), clip()
    small = explain(model, x, method, spec=SPEC, classes=CLASSES, params=params, memory_budget=TINY_BUDGET)
    large = explain(model, x, method, spec=SPEC, classes=CLASSES, params=params, memory_budget=HUGE_BUDGET)
    scale = float(abs(large.attributions).max()) or 1.0
    assert abs(large.attributions).max() > 0
    # equal up to float rounding (batched kernels may sum in another order): 1e-6 of a logit, 1e-5 of the map
    torch.testing.assert_close(torch.from_numpy(small.attributions), torch.from_numpy(large.attributions),
                               atol=max(1e-5 * scale, 1e-6), rtol=1e-5)
    assert small.diagnostics["memory_budget_source"] == "given"
    if key is not None and key in small.diagnostics:
        assert small.diagnostics[key] == 1  # the tiny budget did force one item a pass
        if unbounded is not None:
            assert large.diagnostics[key] == unbounded


def test_tsr_variant_batches_follow_the_budget():
    model, x = tiny("cnnlstm"), clip().unsqueeze(0)
    ctx = SaliencyContext(model, x, 0, SPEC)
    cost = ctx.clip_cost()
    small = GradientVariants(model, x, 0, expected_variants=100, budget=TINY_BUDGET, cost=cost)
    large = GradientVariants(model, x, 0, expected_variants=100, budget=HUGE_BUDGET, cost=cost)
    assert small.batch_size() == 1 and large.batch_size() > 1
    frames = torch.randn(6, 1, 32, 32, generator=torch.Generator().manual_seed(2))
    positions = torch.tensor([0, 1, 2, 3, 1, 2])
    torch.testing.assert_close(small.distances(frames, positions), large.distances(frames, positions),
                               atol=1e-5, rtol=1e-5)


def test_per_frame_probe_matches_a_whole_clip_probe():
    """The one-frame probe of a per-frame model counts what a whole-clip probe counts (the LSTM's share aside)."""
    torch.manual_seed(0)
    model = get_model("cnnlstm", proj_dim=8, hidden_size=8).eval()
    x = torch.randn(1, 8, 1, 48, 48)
    whole, _largest, _ = _saved_bytes(model, model, x)
    cost = probe_clip(model, x)
    input_bytes = x.numel() * 4
    estimated_saved = cost.backward - 2 * input_bytes - 2 * (cost.forward - input_bytes) // 3
    assert 0.9 * whole <= estimated_saved <= 1.1 * whole
    assert probe_clip(model, torch.randn(1, 16, 1, 48, 48)).backward > 1.8 * cost.backward  # grows with T


def test_parse_budget():
    assert parse_budget("4G") == 4 << 30
    assert parse_budget("512M") == 512 << 20
    assert parse_budget("2.5GB") == int(2.5 * (1 << 30))
    assert parse_budget("1e9") == 10**9
    assert parse_budget("auto") is None and parse_budget(None) is None and parse_budget(0) is None
    with pytest.raises(UserError):
        parse_budget("lots")


def test_budget_sources(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_budget(None, cpu)[1] == "free memory"
    monkeypatch.setenv(ENV_VAR, "3G")
    assert resolve_budget(None, cpu) == (3 << 30, "environment")
    with memory_budget("1G"):
        assert resolve_budget(None, cpu) == (1 << 30, "setting")
        assert resolve_budget("2M", cpu) == (2 << 20, "given")
    assert resolve_budget(None, cpu) == (3 << 30, "environment")


def test_app_budget_setting_reaches_the_engine():
    """ui.widgets wraps the page's computation in the session's budget (a context variable, no global switch)."""
    from ui.widgets import _within_budget

    cpu = torch.device("cpu")
    seen = _within_budget(lambda _progress, _cancel: resolve_budget(None, cpu), 3 << 30, None, None)
    assert seen == (3 << 30, "setting")
    assert resolve_budget(None, cpu)[1] != "setting"  # gone after the computation


@pytest.mark.parametrize("name, config, shape", [
    ("cnnlstm", {"backbone": "resnet18", "in_channels": 3, "proj_dim": 300, "proj_activation": "none",
                 "hidden_size": 16, "num_layers": 2, "head_hidden": 8}, (1, 4, 3, 32, 32)),  # max-pool, reused ReLUs
    ("cnn_ica_lstm", {"proj_dim": 8, "hidden_size": 8, "hops": 2, "width": 8}, (1, 4, 1, 32, 32)),
])
def test_framewise_deeplift_equals_captum_on_the_whole_model(name, config, shape):
    import warnings

    from captum.attr import DeepLift

    from engine.saliency.captum_utils import leaf_input, unshare_nonlinearities
    from engine.saliency.methods.deeplift import framewise_deeplift

    torch.manual_seed(0)  # test-only: fixes the weights
    model = get_model(name, **config).eval()
    x, baseline = torch.randn(shape), 0.1 * torch.randn(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Captum's notice about its hooks
        whole = DeepLift(unshare_nonlinearities(model, x)).attribute(leaf_input(x), baselines=baseline, target=1)
        one_frame = framewise_deeplift(unshare_nonlinearities(model, x), x, baseline, 1, frames_per_pass=1)
        three = framewise_deeplift(unshare_nonlinearities(model, x), x, baseline, 1, frames_per_pass=3)
    assert whole.abs().max() > 0
    torch.testing.assert_close(one_frame, whole.detach(), atol=1e-8, rtol=1e-5)
    torch.testing.assert_close(three, whole.detach(), atol=1e-8, rtol=1e-5)


def test_cli_memory_budget_reaches_workers_through_the_environment(monkeypatch):
    import argparse
    import os

    from engine.commands.common import add_memory_budget_argument, apply_memory_budget

    monkeypatch.setenv(ENV_VAR, "placeholder")  # restored (unset) after the test
    monkeypatch.delenv(ENV_VAR)
    parser = argparse.ArgumentParser()
    add_memory_budget_argument(parser)
    apply_memory_budget(parser.parse_args(["--memory-budget", "3G"]))
    assert os.environ[ENV_VAR] == str(3 << 30)
    assert resolve_budget(None, torch.device("cpu")) == (3 << 30, "environment")
    with pytest.raises(UserError):
        apply_memory_budget(parser.parse_args(["--memory-budget", "plenty"]))
