"""Saliency methods against hand-derived values: DeepLIFT on shared ReLUs, Grad-CAM's formula, Captum equality."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine.errors import UserError
from engine.io.tensors import InputSpec
from engine.models import get_model
from engine.saliency import explain
from tests.helpers.saliency_models import C, H, T, W, LinearVideoModel, TinyConvVideo, clip, hook_count, run, tiny_model


def test_deeplift_with_a_reused_relu_equals_separate_relus_and_leaves_the_model_alone():
    from captum.attr import DeepLift

    reused, separate, x = TinyConvVideo(reuse=True).eval(), TinyConvVideo(reuse=False).eval(), clip()
    state = {k: v.clone() for k, v in reused.state_dict().items()}
    a = run(reused, x, "deeplift", target=1, baseline="zero")
    b = run(separate, x, "deeplift", target=1, baseline="zero")
    np.testing.assert_allclose(a.attributions, b.attributions, rtol=1e-5, atol=1e-7)
    assert abs(a.diagnostics["convergence_delta"]) < 1e-4  # only ReLUs: DeepLIFT is exactly complete
    assert reused.act2 is reused.act1 and type(reused.act1) is nn.ReLU
    assert all(torch.equal(v, state[k]) for k, v in reused.state_dict().items())
    assert hook_count(reused) == 0 and not any(hasattr(m, "input") for m in reused.modules())
    naive_input = x.unsqueeze(0).requires_grad_(True)
    try:  # Captum on the shared ReLU: fails or gives other numbers (what the fix is for)
        naive = DeepLift(TinyConvVideo(reuse=True).eval()).attribute(naive_input, torch.zeros_like(naive_input), 1)
        assert not np.allclose(naive[0].detach().numpy(), b.attributions, atol=1e-6)
    except RuntimeError:
        pass


class ResNetBlocksVideo(nn.Module):
    """Per-frame torchvision BasicBlock and Bottleneck (each calls its one ``self.relu`` 2-3 times)."""

    def __init__(self) -> None:
        super().__init__()
        from torchvision.models.resnet import BasicBlock, Bottleneck

        torch.manual_seed(0)  # test-only: fixes the weights
        self.stem = nn.Conv2d(C, 8, 3, padding=1)
        self.blocks = nn.Sequential(BasicBlock(8, 8), Bottleneck(8, 2))
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        b, t = x.shape[:2]
        frames = self.blocks(self.stem(x.flatten(0, 1))).mean(dim=(2, 3))
        return self.head(frames.view(b, t, -1).mean(dim=1))


def test_deeplift_on_torchvision_resnet_blocks_is_complete():
    model, x = ResNetBlocksVideo().eval(), clip()
    shared = [block.relu for block in model.blocks]
    result = run(model, x, "deeplift", baseline="zero")
    assert abs(result.diagnostics["convergence_delta"]) < 1e-4  # wrong multipliers would break completeness
    assert np.abs(result.attributions).sum() > 0
    assert [block.relu for block in model.blocks] == shared and hook_count(model) == 0


def test_guided_backprop_of_a_relu_free_linear_model_is_the_gradient():
    model, x = LinearVideoModel(), clip()
    guided = run(model, x, "guided_backprop", target=1).attributions
    np.testing.assert_allclose(guided, model.weight[1].detach().numpy(), rtol=0, atol=1e-6)


def manual_gradcam(model, x, stage_name, target):
    """Grad-CAM written out: ReLU(sum_k mean_hw(dS/dA_k) A_k) per frame, (T, h, w)."""
    store = {}
    handle = model.cnn_stages[stage_name].register_forward_hook(lambda m, i, o: store.setdefault("a", o))
    try:
        score = model(x.unsqueeze(0))[0, target]
    finally:
        handle.remove()
    (grad,) = torch.autograd.grad(score, store["a"])
    return torch.relu((grad.mean(dim=(2, 3), keepdim=True) * store["a"]).sum(dim=1)).detach()


@pytest.mark.parametrize("layer,size", [("auto", 4), ("block1", 16), ("block2", 8)])
def test_gradcam_matches_the_formula_and_the_frame_size(layer, size):
    import torch.nn.functional as F

    model, x = tiny_model("cnnlstm"), clip()
    result = run(model, x, "gradcam", target=0, params={"layer": layer})
    stage = "block3" if layer == "auto" else layer
    assert result.diagnostics["layer"] == stage and result.diagnostics["map_size"] == [size, size]
    assert result.attributions.shape == (T, C, H, W) and (result.attributions >= 0).all()
    cam = manual_gradcam(model, x, stage, 0)
    expected = F.interpolate(cam.unsqueeze(1), size=(H, W), mode="bilinear", align_corners=False)
    np.testing.assert_allclose(result.attributions, expected.expand(-1, C, -1, -1).numpy(), rtol=1e-4, atol=1e-7)


def test_gradcam_rejects_a_stage_the_model_lacks():
    with pytest.raises(UserError, match="layer2"):
        run(tiny_model("cnnlstm"), clip(), "gradcam", params={"layer": "layer2"})


@pytest.mark.parametrize("method, captum_name, kwargs", [("gradient", "Saliency", {"abs": False}),
                                                         ("input_x_gradient", "InputXGradient", {})])
def test_methods_without_captum_equal_captum(method, captum_name, kwargs):
    import captum.attr

    from engine.models import get_model
    from engine.saliency import explain
    from engine.io.tensors import InputSpec

    torch.manual_seed(3)
    model = get_model("cnnlstm", proj_dim=8, hidden_size=8).eval()
    spec = InputSpec(4, 32, 32, 1, (0.5,), (0.25,))
    x = torch.randn(4, 1, 32, 32)
    ours = explain(model, x, method, spec=spec, classes=["a", "b"], target=1).attributions
    explainer = getattr(captum.attr, captum_name)(lambda b: model(b)[:, 1])
    theirs = explainer.attribute(x[None].clone().requires_grad_(), **kwargs)[0]
    assert np.allclose(ours, theirs.detach().numpy(), atol=1e-7)


def test_only_methods_that_use_a_baseline_record_one():
    torch.manual_seed(0)  # test-only: fixes the tiny model's weights
    model = get_model("cnnlstm", proj_dim=8, hidden_size=8).eval()
    x = torch.randn(4, 1, 32, 32)
    spec = InputSpec(4, 32, 32, 1, (0.5,), (0.25,))
    plain = explain(model, x, "gradient", spec=spec, classes=["a", "b"], baseline="median")
    path = explain(model, x, "integrated_gradients", spec=spec, classes=["a", "b"], baseline="median",
                   params={"n_steps": 2})
    assert plain.baseline == "" and path.baseline == "median" == path.diagnostics["baseline"]
