"""CAM methods against their definitions, on tiny hand-built models whose activations and gradients are known."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine.saliency import explain
from engine.io.tensors import InputSpec

T, C, H, W = 3, 2, 4, 4


class PerFrame(nn.Module):
    """Stage ``block1`` is the frame itself (A = frame); score_0 = sum_t sum W * A_t + b * sum_t (sum W * A_t)^2."""

    def __init__(self, curved: float = 0.0):
        super().__init__()
        self.w = nn.Parameter(torch.linspace(-1, 1, C * H * W).reshape(C, H, W))
        self.block1 = nn.Identity()
        self.curved = curved

    @property
    def cnn_stages(self):
        return {"block1": self.block1}

    def forward(self, x):  # (B, T, C, H, W)
        b, t = x.shape[:2]
        a = self.block1(x.reshape(b * t, C, H, W))
        per_frame = (a * self.w).sum(dim=(1, 2, 3)).reshape(b, t)
        score = per_frame.sum(1) + self.curved * per_frame.pow(2).sum(1)
        return torch.stack([score, -score], dim=1)


def _clip(seed=0):
    return torch.from_numpy(np.random.default_rng(seed).uniform(0, 1, (T, C, H, W)).astype(np.float32))


def _expected(rule: str, a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The rule's map per frame, written from the papers' formulas with explicit loops. a, g: (T, C, H, W)."""
    out = np.zeros((a.shape[0], H, W))
    for t in range(a.shape[0]):
        for k in range(C):
            if rule == "gradcam":
                out[t] += g[t, k].mean() * a[t, k]
            elif rule == "gradcam++":
                denominator = 2 * g[t, k] ** 2 + (a[t, k] * g[t, k] ** 3).sum()
                alpha = np.where(denominator != 0, g[t, k] ** 2 / np.where(denominator != 0, denominator, 1), 0)
                out[t] += (alpha * np.maximum(g[t, k], 0)).sum() * a[t, k]
            elif rule == "hirescam":
                out[t] += g[t, k] * a[t, k]
            elif rule == "layercam":
                out[t] += np.maximum(g[t, k], 0) * a[t, k]
    return np.maximum(out, 0)


@pytest.mark.parametrize(("method", "rule"), [("gradcam", "gradcam"), ("gradcam_pp", "gradcam++"),
                                              ("hirescam", "hirescam"), ("layercam", "layercam")])
def test_gradient_cams_equal_their_formulas(method, rule):
    model = PerFrame(curved=0.3)
    x = _clip()
    result = explain(model, x, method, spec=InputSpec(T, H, W, C), classes=["a", "b"], target=0,
                     params={"layer": "block1"})
    a = x.numpy()
    per_frame = (a * model.w.detach().numpy()).sum(axis=(1, 2, 3))  # dS/dA_t = W (1 + 2 b s_t)
    g = model.w.detach().numpy()[None] * (1 + 2 * 0.3 * per_frame)[:, None, None, None]
    expected = _expected(rule, a, g)
    assert result.attributions.shape == (T, C, H, W)
    np.testing.assert_allclose(result.attributions[:, 0], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.attributions[:, 1], expected, rtol=1e-5, atol=1e-6)  # repeated over C


def test_score_cam_equals_its_formula():
    model = PerFrame()
    x = _clip(1)
    result = explain(model, x, "scorecam", spec=InputSpec(T, H, W, C), classes=["a", "b"], target=0,
                     params={"layer": "block1", "batch_size": 1})
    a = x.numpy()  # activations (T, K=C, h, w); each channel's mask is its map over all frames, min-max scaled
    scores = []
    for k in range(C):
        mask = (a[:, k] - a[:, k].min()) / (a[:, k].max() - a[:, k].min())  # (T, H, W)
        with torch.no_grad():
            logits = model(torch.from_numpy(a * mask[:, None])[None])
        scores.append(torch.softmax(logits, 1)[0, 0].item())
    alpha = np.exp(scores) / np.exp(scores).sum()
    expected = np.maximum(sum(alpha[k] * a[:, k] for k in range(C)), 0)
    np.testing.assert_allclose(result.attributions[:, 0], expected, rtol=1e-5, atol=1e-6)
    assert result.diagnostics["forward_passes"] == C


class Pooled3D(nn.Module):
    """A 3D stage averaging pairs of frames in time (stride 2): A_t' = mean of frames 2t', 2t'+1."""

    layout = "BCTHW"
    per_frame = False
    temporal_strides = {"block1": 2}

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(C, 1, H, W))
        self.block1 = nn.AvgPool3d((2, 1, 1))

    @property
    def cnn_stages(self):
        return {"block1": self.block1}

    def forward(self, x):  # (B, T, C, H, W)
        a = self.block1(x.transpose(1, 2))  # (B, C, T/2, H, W)
        weights = torch.arange(1, a.shape[2] + 1, dtype=a.dtype).view(1, 1, -1, 1, 1)  # later steps count more
        score = (a * self.w * weights).sum(dim=(1, 2, 3, 4))
        return torch.stack([score, -score], dim=1)


def test_3d_gradcam_maps_time_steps_back_to_frames_at_their_centres():
    frames = 4
    x = torch.from_numpy(np.random.default_rng(2).uniform(0, 1, (frames, C, H, W)).astype(np.float32))
    result = explain(Pooled3D(), x, "gradcam", spec=InputSpec(frames, H, W, C), classes=["a", "b"], target=0,
                     params={"layer": "block1"})
    a = x.numpy().reshape(2, 2, C, H, W).mean(1)  # (T'=2, C, H, W)
    g = np.stack([np.full((C, H, W), s + 1.0) / 1 for s in range(2)])  # dS/dA = step weight (1, 2)
    weights = g.mean(axis=(0, 2, 3))  # 3D Grad-CAM pools over T', h, w: one weight per channel
    steps = np.maximum(np.einsum("k,tkhw->thw", weights, a), 0)  # (2, H, W)
    # frame t samples time (t + 0.5) / 2 - 0.5 of the step axis (clamped): 0 -> step 0, 1 -> 0.75 s0 + 0.25 s1, ...
    expected = np.stack([steps[0], 0.75 * steps[0] + 0.25 * steps[1], 0.25 * steps[0] + 0.75 * steps[1], steps[1]])
    assert result.diagnostics["map_frames"] == 2
    np.testing.assert_allclose(result.attributions[:, 0], expected, rtol=1e-5, atol=1e-6)
